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
    /// Output row i of an input pixel takes, in order, channels (j, k) -> k*r*r + i*r + j.
    private let sources: [Int32]
    /// The same for 16 pixels at once, per output row i: `16 * span` offsets from the first
    /// pixel's (what `clarity_shuffle_row` gathers).
    private let gathers: [Int32]

    init(_ src: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, c: Int, factor r: Int, accumulate: Bool = false) {
        self.src = src; layout = l; self.h = h; self.w = w; factor = r; self.accumulate = accumulate
        let co = c / (r * r)
        let span = r * co
        self.span = span
        let sources = (0..<(r * span)).map { q in
            let i = q / span, j = (q % span) / co, k = q % co
            return Int32(l.channel(k * r * r + i * r + j))
        }
        self.sources = sources
        gathers = (0..<r).flatMap { i in (0..<(16 * span)).map { k in Int32((k / span) * l.pixel) + sources[i * span + k % span] } }
    }

    /// Floats per output row.
    var rowLength: Int { w * span }

    /// Writes output rows `rows` (counted over the batch, `h * factor` per image) to `dst`,
    /// where row `rows.lowerBound` starts; each is written in order in one pass.
    func write(rows: Range<Int>, to dst: UnsafeMutablePointer<Float>) {
        let l = layout, span = span, rowsPerImage = h * factor
        sources.withUnsafeBufferPointer { from in
            gathers.withUnsafeBufferPointer { gather in
                for row in rows {
                    let b = row / rowsPerImage, y = (row % rowsPerImage) / factor, i = row % factor
                    clarity_shuffle_row(src + b * l.batch + y * l.row, l.pixel, gather.baseAddress! + i * 16 * span,
                                        from.baseAddress! + i * span, Int32(span), Int32(w),
                                        dst + (row - rows.lowerBound) * w * span, accumulate ? 1 : 0)
                }
            }
        }
    }
}
