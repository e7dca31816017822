import CKernels

/// A depthwise k x k convolution followed by a 1x1 convolution to one channel (RBQE's exit
/// heads), run in C (`clarity_separable_head_row`) as the one dense k x k convolution to one
/// channel they make together, with an ECA gate before them folded into its weights.
///
/// oneDNN ran the pair as two primitives on 16 or 32 channels at full resolution, the 1x1 one
/// at 4 GMAC/s for want of output channels, after a copy for the ECA. Fused, neither the
/// gated nor the depthwise output is written, and the sums run 16 pixels at a time.
struct SeparableHeadKernel {
    let channels: Int
    let kernel: Int
    /// taps[(dy * kernel + dx) * channels + c] = pointwise[c] * depthwise[c][dy][dx].
    private let taps: [Float]
    /// The pointwise bias plus the depthwise biases carried through the pointwise weights.
    let bias: Float

    /// Whether `depthwise` then `pointwise` make a head this kernel runs: a square odd
    /// depthwise kernel with "same" padding and stride 1, then a 1x1 conv to one channel,
    /// neither with an activation (a residual may follow the second).
    static func applies(depthwise d: Layer.Convolution, pointwise p: Layer.Convolution) -> Bool {
        let k = d.kernel.h
        return d.groups == d.inChannels && d.outChannels == d.inChannels && d.kernel.w == k && k % 2 == 1
            && d.stride == (1, 1) && d.padding == (k / 2, k / 2) && d.activation == nil && d.residual == nil
            && p.inChannels == d.outChannels && p.outChannels == 1 && p.groups == 1 && p.kernel == (1, 1)
            && p.stride == (1, 1) && p.padding == (0, 0) && p.activation == nil
    }

    /// The kernel for the pair (which it `applies(depthwise:pointwise:)` to), from their weights
    /// (PyTorch [C, 1, k, k] and [1, C, 1, 1]).
    init(depthwise: ConvolutionWeights, pointwise: ConvolutionWeights, channels: Int, kernel: Int) {
        let dw = depthwise.weight.values, pw = pointwise.weight.values, area = kernel * kernel
        var w = [Float](repeating: 0, count: area * channels)
        for c in 0..<channels { for t in 0..<area { w[t * channels + c] = pw[c] * dw[c * area + t] } }
        var b = pointwise.bias?[0] ?? 0
        if let db = depthwise.bias { for c in 0..<channels { b += pw[c] * db[c] } }
        self.channels = channels; self.kernel = kernel; taps = w; bias = b
    }

    /// The weights for one image whose input channels are scaled by `gate` (an ECA's), or as
    /// they are.
    func weights(gatedBy gate: UnsafeBufferPointer<Float>?) -> [Float] {
        guard let gate else { return taps }
        return taps.enumerated().map { $0.element * gate[$0.offset % channels] }
    }

    /// Output rows `rows` (counted over the batch, `height` per image) of `width` floats each,
    /// from NHWC input images of the same size; `weights[b]` for image b; the residual plane
    /// (same size, one channel) added when given; `zeros`, a row of zeros as long as an input
    /// row, stands for the rows outside the picture.
    func write(rows: Range<Int>, from input: UnsafePointer<Float>, height: Int, width: Int, weights: [[Float]],
               residual: UnsafePointer<Float>?, zeros: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let pad = kernel / 2, rowLength = width * channels
        var rowPointers = [UnsafePointer<Float>?](repeating: zeros, count: kernel)
        for r in rows {
            let (b, y) = r.quotientAndRemainder(dividingBy: height)
            for dy in 0..<kernel {
                let yy = y + dy - pad
                rowPointers[dy] = (0..<height).contains(yy) ? input + (b * height + yy) * rowLength : zeros
            }
            weights[b].withUnsafeBufferPointer { w in
                clarity_separable_head_row(rowPointers, Int32(width), Int32(channels), Int32(kernel), w.baseAddress!, bias,
                                           residual.map { $0 + r * width }, out + r * width)
            }
        }
    }
}
