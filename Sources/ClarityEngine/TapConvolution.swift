/// A transposed convolution whose kernel equals its stride (RBQE's 2x2 stride-2 upsampling)
/// rewritten as a 1x1 convolution with one output channel per (kernel tap, channel): each
/// output pixel of such a layer receives exactly one tap, so a pixel shuffle by the stride
/// after the 1x1 convolution gives the same result. The channels are tap-major (tap t's
/// channels together, `PixelShuffleKernel.Order.tapMajor`), so the shuffle copies each output
/// pixel's channels as one run instead of gathering every tap-th value.
struct TapConvolution {
    /// The 1x1 layer, named after the original with a `.taps` suffix.
    let layer: Layer
    let convolution: Layer.Convolution
    let weights: ConvolutionWeights

    /// Square kernel equal to the stride, no padding, no groups, no residual: the cases the
    /// rewrite is exact for (an activation commutes with the shuffle).
    static func applies(to c: Layer.Convolution) -> Bool {
        c.kernel.h == c.kernel.w && c.kernel.h > 1 && c.stride.h == c.kernel.h && c.stride.w == c.kernel.w
            && c.padding == (0, 0) && c.groups == 1 && c.residual == nil
    }

    init(_ original: Layer, _ c: Layer.Convolution, _ tensors: [String: SafetensorsFile.Tensor]) {
        let r = c.kernel.h, taps = r * r
        convolution = Layer.Convolution(inChannels: c.inChannels, outChannels: c.outChannels * taps, kernel: (1, 1),
                                        bias: c.bias, activation: c.activation)
        layer = Layer(name: "\(original.name).taps", inputs: original.inputs, op: .conv2d(convolution))
        // PyTorch transposed weight [in, out, r, r] -> 1x1 weight [r * r * out, in, 1, 1].
        let w = tensors["\(original.name).weight"]!.values
        var packed = [Float](repeating: 0, count: c.inChannels * c.outChannels * taps)
        for i in 0..<c.inChannels {
            for o in 0..<c.outChannels {
                for t in 0..<taps {
                    packed[(t * c.outChannels + o) * c.inChannels + i] = w[(i * c.outChannels + o) * taps + t]
                }
            }
        }
        let bias = tensors["\(original.name).bias"].map { b in (0..<taps).flatMap { _ in b.values } }
        weights = ConvolutionWeights(weight: SafetensorsFile.Tensor(shape: [c.outChannels * taps, c.inChannels, 1, 1],
                                                                    values: packed),
                                     bias: bias)
    }
}
