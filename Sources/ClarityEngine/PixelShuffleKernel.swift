/// Pixel shuffle: input channel `c*r*r + i*r + j` of pixel (y, x) goes to channel c of
/// output pixel (y*r + i, x*r + j) (PyTorch order). The input may be in any `ChannelLayout`;
/// the output is NHWC. Rows run in parallel. With `accumulate`, the shuffled values are added
/// to what `dst` holds (an `add` of two shuffles, as Bicubic++ ends, in one pass).
enum PixelShuffleKernel {
    static func run(_ src: UnsafePointer<Float>, layout l: ChannelLayout, _ dst: UnsafeMutablePointer<Float>,
                    n: Int, h: Int, w: Int, c: Int, factor r: Int, accumulate: Bool = false) {
        let co = c / (r * r)
        let ow = w * r
        parallelChunks(n * h, minChunk: 8) { rows in
            for row in rows {
                let b = row / h, y = row % h
                let base = src + b * l.batch + y * l.row
                for i in 0..<r {
                    let dstRow = dst + ((b * h + y) * r + i) * ow * co
                    for k in 0..<co {
                        for j in 0..<r {
                            let s = base + l.channel(k * r * r + i * r + j)
                            var d = dstRow + j * co + k
                            if accumulate {
                                for x in 0..<w { d.pointee += s[x * l.pixel]; d += r * co }
                            } else {
                                for x in 0..<w { d.pointee = s[x * l.pixel]; d += r * co }
                            }
                        }
                    }
                }
            }
        }
    }
}
