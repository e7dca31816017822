import CKernels

/// A fixed upsampling written as a convolution, one input channel to `factor²` phase channels
/// followed by a pixel shuffle (Bicubic++'s bicubic residual), computed as what it is: a
/// separable filter. Each phase kernel is an outer product, vertical taps of the output row's
/// phase times horizontal taps of the output column's phase, so the output is made in two 1-D
/// passes: the low-resolution rows widened by `factor` (`widen`), then each output row as a
/// weighted sum of a few widened rows (`add`), straight into the plan's output band. That is
/// 2k multiply-adds per output pixel instead of k², and no `factor²`-channel tensor is
/// written at all (at 720p -> 4K, 33 MB a frame the shuffle no longer reads back).
struct SeparableUpsampleKernel {
    let factor: Int
    let kernel: Int
    /// `vertical[i * kernel + v]`: tap v of output row phase i; `horizontal` likewise for columns.
    let vertical: [Float]
    let horizontal: [Float]

    /// The separable form of `weights` (PyTorch layout [factor², 1, kernel, kernel], phase
    /// channel i * factor + j), or nil when the phases are not one family of outer products
    /// (to within rounding), in which case the convolution must run as one.
    init?(weights w: [Float], factor s: Int, kernel k: Int) {
        guard w.count == s * s * k * k else { return nil }
        func at(_ i: Int, _ j: Int, _ a: Int, _ c: Int) -> Float { w[((i * s + j) * k + a) * k + c] }
        // The largest tap of phase (0, 0) anchors the factors.
        let anchor = (0..<(k * k)).max { abs(w[$0]) < abs(w[$1]) }!
        let (p, q) = (anchor / k, anchor % k)
        let pivot = at(0, 0, p, q)
        guard pivot != 0 else { return nil }
        var vertical = [Float](repeating: 0, count: s * k), horizontal = [Float](repeating: 0, count: s * k)
        for i in 0..<s { for a in 0..<k { vertical[i * k + a] = at(i, 0, a, q) / pivot } }
        for j in 0..<s { for c in 0..<k { horizontal[j * k + c] = at(0, j, p, c) } }
        let scale = w.map(abs).max()!
        for i in 0..<s { for j in 0..<s { for a in 0..<k { for c in 0..<k {
            guard abs(vertical[i * k + a] * horizontal[j * k + c] - at(i, j, a, c)) <= 1e-6 * scale else { return nil }
        } } } }
        factor = s; kernel = k
        self.vertical = vertical; self.horizontal = horizontal
    }

    /// Widens low-resolution rows `rows` (counted over the batch; `height` per image) of `src`
    /// into `wide` (rows of `width * factor` floats), zero beyond the left and right edges
    /// (`clarity_widen_row`: every phase of 16 pixels at once, interleaved in registers).
    func widen(rows: Range<Int>, of src: UnsafePointer<Float>, layout l: ChannelLayout, height: Int, width: Int,
               into wide: UnsafeMutablePointer<Float>) {
        let s = factor, k = kernel, pad = k / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: width + 2 * pad + 16) { scratch in
            let t = scratch.baseAddress!
            t.initialize(repeating: 0, count: width + 2 * pad + 16)
            horizontal.withUnsafeBufferPointer { taps in
                for r in rows {
                    let line = src + (r / height) * l.batch + (r % height) * l.row
                    l.copyRow(line, count: width, into: t + pad)
                    clarity_widen_row(t, Int32(width), Int32(s), Int32(k), taps.baseAddress!, wide + r * width * s)
                }
            }
        }
    }

    /// Output rows `rows` (counted over the batch, `height * factor` per image) from the
    /// widened rows, added onto what `dst` holds (the other shuffle's rows); row
    /// `rows.lowerBound` starts at `dst`. Rows beyond the top and bottom edges count as zero.
    func add(rows: Range<Int>, from wide: UnsafePointer<Float>, height: Int, width: Int,
             onto dst: UnsafeMutablePointer<Float>) {
        let s = factor, k = kernel, pad = k / 2, length = width * s
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: k) { lines in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { weights in
                for row in rows {
                    let b = row / (height * s), y = (row % (height * s)) / s, i = row % s
                    var count = 0
                    for v in 0..<k {
                        let source = y + v - pad, c = vertical[i * k + v]
                        guard c != 0, source >= 0, source < height else { continue }
                        lines[count] = wide + (b * height + source) * length
                        weights[count] = c
                        count += 1
                    }
                    clarity_add_weighted_rows(dst + (row - rows.lowerBound) * length, length, lines.baseAddress!,
                                              weights.baseAddress!, Int32(count))
                }
            }
        }
    }
}
