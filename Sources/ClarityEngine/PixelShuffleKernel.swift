/// Pixel shuffle: input channel `c*r*r + i*r + j` of pixel (y, x) goes to channel c of
/// output pixel (y*r + i, x*r + j) (PyTorch order). The input may be in any `ChannelLayout`;
/// the output is NHWC. Rows run in parallel. With `accumulate`, the shuffled values are added
/// to what `dst` holds (an `add` of two shuffles, as Bicubic++ ends, in one pass).
enum PixelShuffleKernel {
    static func run(_ src: UnsafePointer<Float>, layout l: ChannelLayout, _ dst: UnsafeMutablePointer<Float>,
                    n: Int, h: Int, w: Int, c: Int, factor r: Int, accumulate: Bool = false) {
        let co = c / (r * r)
        let span = r * co  // output floats per input pixel in one output row
        // Output row i of an input pixel takes, in order, channels (j, k) -> k*r*r + i*r + j.
        let sources = (0..<(r * span)).map { q in
            let i = q / span, j = (q % span) / co, k = q % co
            return l.channel(k * r * r + i * r + j)
        }
        sources.withUnsafeBufferPointer { table in
            parallelChunks(n * h, minChunk: 8) { rows in
                for row in rows {
                    let base = src + (row / h) * l.batch + (row % h) * l.row
                    for i in 0..<r {
                        // Written in order and read pixel by pixel: one pass over each output row.
                        let from = table.baseAddress! + i * span
                        let out = dst + (row * r + i) * w * span
                        if accumulate {
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
        }
    }
}
