import CKernels

/// Pixel shuffle: input channel `c*r*r + i*r + j` of pixel (y, x) goes to channel c of
/// output pixel (y*r + i, x*r + j) (PyTorch order), or channel `(i*r + j)*C + c` (tap-major,
/// as `TapConvolution` writes). The input may be in any `ChannelLayout`; the output is NHWC.
/// With `accumulate`, the shuffled values are added to what the output holds (an `add` of two
/// shuffles, as Bicubic++ ends, in one pass). Where an input pixel's values for an output row
/// lie in a few runs (Bicubic++'s one-channel shuffles, tap-major channels), each run is copied
/// (with AVX-512, a masked load and store), not gathered value by value: gathers are slow on
/// some CPUs (a third of the cost of a Bicubic++ frame's own kernels on the Zen 4 measured).
struct PixelShuffleKernel {
    enum Order { case pytorch, tapMajor }

    let src: UnsafePointer<Float>
    let layout: ChannelLayout
    let h: Int, w: Int, factor: Int
    let accumulate: Bool
    /// Floats one input pixel puts in one output row.
    private let span: Int
    /// Per output row i, the offsets `clarity_shuffle_row` gathers for 16 pixels at once: an
    /// input pixel's channels (j, k) -> k*r*r + i*r + j, in order, for each of the 16.
    private let gathers: [Int32]
    /// Per output row i, its runs as `clarity_copy_segments` takes them (source offset, offset
    /// in the span, length), when there are few enough of them; else nil (gathered).
    private let segments: [[Int32]?]

    init(_ src: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, c: Int, factor r: Int, order: Order = .pytorch,
         accumulate: Bool = false) {
        self.src = src; layout = l; self.h = h; self.w = w; factor = r; self.accumulate = accumulate
        let co = c / (r * r)
        let span = r * co
        self.span = span
        gathers = (0..<r).flatMap { i in
            (0..<(16 * span)).map { n in
                let q = n % span, j = q / co, k = q % co
                let channel = order == .pytorch ? k * r * r + i * r + j : (i * r + j) * co + k
                return Int32((n / span) * l.pixel + l.channel(channel))
            }
        }
        segments = (0..<r).map { [gathers] i in
            var runs: [Int32] = []
            for q in 0..<span {
                let from = gathers[i * 16 * span + q]
                if let k = runs.indices.last.map({ $0 - 2 }), runs[k] + runs[k + 2] == from, runs[k + 2] < 16 {
                    runs[k + 2] += 1
                } else {
                    runs += [from, Int32(q), 1]
                }
            }
            // A copy per run pays off where runs are a few values long on average.
            let count = runs.count / 3
            return count <= 8 && count * 4 <= span + 3 ? runs : nil
        }
    }

    /// Floats per output row.
    var rowLength: Int { w * span }

    /// Writes output rows `rows` (counted over the batch, `h * factor` per image) to `dst`,
    /// where row `rows.lowerBound` starts; each is written in order in one pass.
    func write(rows: Range<Int>, to dst: UnsafeMutablePointer<Float>) {
        let l = layout, span = span, rowsPerImage = h * factor
        gathers.withUnsafeBufferPointer { gather in
            for row in rows {
                let b = row / rowsPerImage, y = (row % rowsPerImage) / factor, i = row % factor
                let from = src + b * l.batch + y * l.row, to = dst + (row - rows.lowerBound) * w * span
                if let runs = segments[i] {
                    clarity_copy_segments(from, l.pixel, runs, Int32(runs.count / 3), Int32(span), Int32(w), to, accumulate ? 1 : 0)
                } else {
                    clarity_shuffle_row(from, l.pixel, gather.baseAddress! + i * 16 * span, Int32(span), Int32(w), to, accumulate ? 1 : 0)
                }
            }
        }
    }
}
