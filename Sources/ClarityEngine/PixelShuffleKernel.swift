/// Pixel shuffle: input channel `c*r*r + i*r + j` of pixel (y, x) goes to channel c of
/// output pixel (y*r + i, x*r + j) (PyTorch order). The input may be in any `ChannelLayout`;
/// the output is NHWC. With `accumulate`, the shuffled values are added to what the output
/// holds (an `add` of two shuffles, as Bicubic++ ends, in one pass).
struct PixelShuffleKernel {
    let src: UnsafePointer<Float>
    let layout: ChannelLayout
    let h: Int, w: Int, factor: Int
    let accumulate: Bool
    /// Floats one input pixel puts in one output row.
    private let span: Int
    /// Output row i of an input pixel takes, in order, channels (j, k) -> k*r*r + i*r + j.
    private let sources: [Int]
    /// Whether output row i's sources are consecutive floats (one output channel, unblocked).
    private let contiguous: [Bool]

    init(_ src: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, c: Int, factor r: Int, accumulate: Bool = false) {
        self.src = src; layout = l; self.h = h; self.w = w; factor = r; self.accumulate = accumulate
        let co = c / (r * r)
        span = r * co
        sources = (0..<(r * r * co)).map { [span] q in
            let i = q / span, j = (q % span) / co, k = q % co
            return l.channel(k * r * r + i * r + j)
        }
        contiguous = (0..<r).map { [sources, span] i in (0..<span).allSatisfy { sources[i * span + $0] == sources[i * span] + $0 } }
    }

    /// Floats per output row.
    var rowLength: Int { w * span }

    /// Writes output rows `rows` (counted over the batch, `h * factor` per image) to `dst`,
    /// where row `rows.lowerBound` starts; each is written in order in one pass.
    func write(rows: Range<Int>, to dst: UnsafeMutablePointer<Float>) {
        let l = layout, span = span, w = w, r = factor, rowsPerImage = h * r
        sources.withUnsafeBufferPointer { table in
            for row in rows {
                let b = row / rowsPerImage, y = (row % rowsPerImage) / r, i = row % r
                let base = src + b * l.batch + y * l.row
                let from = table.baseAddress! + i * span
                let out = dst + (row - rows.lowerBound) * w * span
                if contiguous[i] {
                    // One output channel in an unblocked layout: each pixel's run is a copy.
                    let first = base + from[0]
                    for x in 0..<w { Self.copy(span, first + x * l.pixel, out + x * span, accumulate: accumulate) }
                } else if accumulate {
                    for x in 0..<w {
                        let s = base + x * l.pixel, d = out + x * span
                        for q in 0..<span { d[q] += s[from[q]] }
                    }
                } else {
                    for x in 0..<w {
                        let s = base + x * l.pixel, d = out + x * span
                        for q in 0..<span { d[q] = s[from[q]] }
                    }
                }
            }
        }
    }

    /// `count` floats from `s` to `d` (added with `accumulate`), four at a time.
    @inline(__always)
    private static func copy(_ count: Int, _ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var q = 0
        while q + 4 <= count {
            var v = UnsafeRawPointer(s + q).loadUnaligned(as: SIMD4<Float>.self)
            if accumulate { v += UnsafeRawPointer(d + q).loadUnaligned(as: SIMD4<Float>.self) }
            UnsafeMutableRawPointer(d + q).storeBytes(of: v, as: SIMD4<Float>.self)
            q += 4
        }
        while q < count {
            d[q] = accumulate ? d[q] + s[q] : s[q]
            q += 1
        }
    }
}
