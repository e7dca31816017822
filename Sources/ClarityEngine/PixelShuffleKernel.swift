/// Pixel shuffle on NHWC floats: input channel `c*r*r + i*r + j` of pixel (y, x) goes to
/// channel c of pixel (y*r + i, x*r + j) (PyTorch order). Rows run in parallel; for one
/// output channel (luma) each input pixel's r*r values are written as r runs of r floats.
enum PixelShuffleKernel {
    static func run(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                    n: Int, h: Int, w: Int, c: Int, factor r: Int) {
        let co = c / (r * r)
        let ow = w * r
        parallelChunks(n * h, minChunk: 8) { rows in
            for row in rows {
                let b = row / h, y = row % h
                let srcRow = src + (b * h + y) * w * c
                for i in 0..<r {
                    let dstRow = dst + ((b * h + y) * r + i) * ow * co
                    if co == 1 {
                        for x in 0..<w {
                            let s = srcRow + x * c + i * r
                            let d = dstRow + x * r
                            for j in 0..<r { d[j] = s[j] }
                        }
                    } else {
                        for x in 0..<w {
                            let s = srcRow + x * c
                            for j in 0..<r {
                                let d = dstRow + (x * r + j) * co
                                for k in 0..<co { d[k] = s[k * r * r + i * r + j] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The same shuffle reading a convolution's output in place, in oneDNN's layout (see
    /// `MemoryDesc.channelBlocking`), so no reorder to NHWC is needed first.
    static func run(blocked src: UnsafePointer<Float>, layout l: (block: Int, batch: Int, channelBlock: Int, row: Int, pixel: Int),
                    _ dst: UnsafeMutablePointer<Float>, n: Int, h: Int, w: Int, c: Int, factor r: Int) {
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
                            let ch = k * r * r + i * r + j
                            let s = base + (ch / l.block) * l.channelBlock + ch % l.block
                            var d = dstRow + j * co + k
                            for x in 0..<w {
                                d.pointee = s[x * l.pixel]
                                d += r * co
                            }
                        }
                    }
                }
            }
        }
    }
}
