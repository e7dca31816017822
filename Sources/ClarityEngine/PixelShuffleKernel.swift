import CKernels

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
    /// Per output row i, the offsets `clarity_shuffle_row` gathers for 16 pixels at once: an
    /// input pixel's channels (j, k) -> k*r*r + i*r + j, in order, for each of the 16.
    private let gathers: [Int32]

    init(_ src: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, c: Int, factor r: Int, accumulate: Bool = false) {
        self.src = src; layout = l; self.h = h; self.w = w; factor = r; self.accumulate = accumulate
        let co = c / (r * r)
        let span = r * co
        self.span = span
        gathers = (0..<r).flatMap { i in
            (0..<(16 * span)).map { n in
                let q = n % span, j = q / co, k = q % co
                return Int32((n / span) * l.pixel + l.channel(k * r * r + i * r + j))
            }
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
                clarity_shuffle_row(src + b * l.batch + y * l.row, l.pixel, gather.baseAddress! + i * 16 * span, Int32(span),
                                    Int32(w), dst + (row - rows.lowerBound) * w * span, accumulate ? 1 : 0)
            }
        }
    }
}
