import CKernels

/// A convolution from one input channel to 16, 32, 48 or 64 channels (a network's first layer:
/// Bicubic++'s stride-2 3x3, RBQE's input conv, ClassSR's 4x4 cells), run in C
/// (`clarity_plane_conv_row`): every output channel of a pixel at once, each input sample
/// broadcast against a tap's weights.
///
/// oneDNN fits one input channel to no kernel well (Bicubic++ C32's took 4.5 ms a 720p frame
/// in fp32 for 66 million multiply-adds) and, in a bf16 plan, its f32 output took another
/// 3-7 ms to reorder for the next conv. This kernel computes in fp32, as that conv did (the
/// input is the picture itself), and writes bf16 directly where the next convs read bf16.
struct PlaneConvolutionKernel {
    let kernel: Int
    let step: Int
    let pad: Int
    let channels: Int
    private let activation: Int32
    private let alpha: Float
    /// Weights by tap, then channel: [(dy * kernel + dx) * channels + c].
    private let weights: [Float]
    private let bias: [Float]?

    /// One input channel, 16 to 64 output channels in steps of 16, a square kernel of at most 7,
    /// no fused residual, no activation, ReLU or leaky ReLU, and either an odd kernel with
    /// padding k / 2 and stride 1 or 2, or a kernel equal to its stride with no padding
    /// (ClassSR's 4x4 stride-4 cells): the convolutions this kernel takes.
    static func applies(to c: Layer.Convolution) -> Bool {
        let k = c.kernel.h, s = c.stride.h
        let same = k % 2 == 1 && c.padding == (k / 2, k / 2) && (s == 1 || s == 2)
        let cells = k == s && c.padding == (0, 0)
        guard c.inChannels == 1, c.groups == 1, c.residual == nil, c.kernel.w == k, c.stride.w == s, k <= 7,
              same || cells, c.outChannels % 16 == 0, c.outChannels <= 64
        else { return false }
        switch c.activation {
        case nil, .relu, .leakyReLU: return true
        default: return false
        }
    }

    /// The kernel for `c` (which it `applies(to:)`) with its weights (PyTorch [channels, 1, k, k]).
    init(_ c: Layer.Convolution, _ cw: ConvolutionWeights) {
        precondition(Self.applies(to: c))
        switch c.activation {
        case .relu: (activation, alpha) = (1, 0)
        case .leakyReLU(let a): (activation, alpha) = (2, a)
        default: (activation, alpha) = (0, 0)
        }
        let k = c.kernel.h, n = c.outChannels, w = cw.weight.values
        var packed = [Float](repeating: 0, count: n * k * k)
        for o in 0..<n { for t in 0..<(k * k) { packed[t * n + o] = w[o * k * k + t] } }
        kernel = k; step = c.stride.h; pad = c.padding.h; channels = n; weights = packed; bias = cw.bias
    }

    /// The padded input it reads: the convolution's padding in zeros around the plane.
    func padding(width: Int, height: Int) -> PaddedPlane {
        PaddedPlane(width: width, height: height, pad: pad, rowLength: width + 2 * pad)
    }

    /// Output rows `rows` (counted over the batch, `outHeight` per image, `outWidth` pixels of
    /// `channels` values each, f32 or bf16) from the padded input; row `rows.lowerBound`
    /// starts at `dst`.
    func write(rows: Range<Int>, from padded: UnsafePointer<Float>, _ plane: PaddedPlane, outHeight: Int, outWidth: Int,
               bf16: Bool, into dst: UnsafeMutableRawPointer) {
        let rowBytes = outWidth * channels * (bf16 ? 2 : 4)
        weights.withUnsafeBufferPointer { w in
            withBias { b in
                for r in rows {
                    let (image, y) = (r / outHeight, r % outHeight)
                    clarity_plane_conv_row(plane.row(y * step, image: image, in: padded), plane.rowLength, Int32(outWidth),
                                           Int32(kernel), Int32(step), Int32(channels), w.baseAddress!, b, activation, alpha,
                                           dst + (r - rows.lowerBound) * rowBytes, bf16 ? 1 : 0)
                }
            }
        }
    }

    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
