import CKernels

/// Pixel shuffle: input channel `c*r*r + i*r + j` of pixel (y, x) goes to channel c of
/// output pixel (y*r + i, x*r + j) (PyTorch order), or channel `(i*r + j)*C + c` (tap-major,
/// as `TapConvolution` writes). The input may be in any `ChannelLayout`; the output is NHWC.
/// With `accumulate`, the shuffled values are added to what the output holds (an `add` of two
/// shuffles, as Bicubic++ ends, in one pass). Where an input pixel's values for an output row
/// lie in one run of whole 16-float vectors (tap-major NHWC), they are copied, not gathered.
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
    /// Per output row i, whether its offsets are one run (n -> first + n), in whole vectors.
    private let runs: [Bool]

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
        runs = (0..<r).map { [gathers] i in
            let first = gathers[i * 16 * span]
            return span % 16 == 0 && (0..<span).allSatisfy { gathers[i * 16 * span + $0] == first + Int32($0) }
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
                if runs[i] {
                    clarity_copy_runs(from + Int(gather[i * 16 * span]), l.pixel, Int32(span), Int32(w), to, accumulate ? 1 : 0)
                } else {
                    clarity_shuffle_row(from, l.pixel, gather.baseAddress! + i * 16 * span, Int32(span), Int32(w), to, accumulate ? 1 : 0)
                }
            }
        }
    }
}
