#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The resampling filters of PIL's `Image.resize` that the quality protocol uses.
public enum PILFilter: String, Sendable, CaseIterable {
    /// Keys' cubic with a = -0.5 (PIL's BICUBIC; PyTorch and OpenCV use a = -0.75).
    case bicubic
    /// Windowed sinc, 3 lobes (PIL's LANCZOS).
    case lanczos

    /// Half-width of the kernel in input pixels when upscaling (scaled up when downscaling).
    var support: Double { self == .bicubic ? 2 : 3 }

    func weight(_ x: Double) -> Double {
        switch self {
        case .bicubic:
            let a = -0.5, x = abs(x)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            guard -3 <= x && x < 3 else { return 0 }
            return sinc(x) * sinc(x / 3)
        }
    }

    private func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let p = x * Double.pi
        return sin(p) / p
    }
}

/// PIL's `Image.resize` of a float plane (mode "F"), reproduced operation for operation so
/// the LR images are those the training toolkit (`training/common.py`) makes.
///
/// Why not swscale: the toolkit's LR is PIL's, and PIL's downscale is antialiased (the
/// kernel stretches by the scale factor: support 2 * scale for bicubic) with the sample
/// centres at (i + 0.5) * scale, which no swscale filter reproduces. As in PIL's
/// `ImagingResample`: separable, horizontal pass first (on the rows the vertical pass
/// reads), taps normalised to sum 1, each output accumulated in Double in tap order and
/// stored as Float. Mode "F" has no 8-bit rounding between the passes (that happens only
/// for 8-bit modes, which the protocol does not use). Edge taps are dropped and the rest
/// renormalised, as PIL does.
public func pilResize(_ plane: [Float], width: Int, height: Int, toWidth outWidth: Int, height outHeight: Int,
                      filter: PILFilter) -> [Float] {
    precondition(plane.count == width * height, "plane of \(plane.count) samples is not \(width)x\(height)")
    precondition(outWidth > 0 && outHeight > 0, "empty output")
    let horizontal = PILTaps(inSize: width, outSize: outWidth, filter: filter)
    let vertical = PILTaps(inSize: height, outSize: outHeight, filter: filter)
    // Only the rows the vertical pass reads go through the horizontal pass.
    let firstRow = vertical.start[0]
    let lastRow = vertical.start[outHeight - 1] + vertical.count[outHeight - 1]
    var temp: [Float]
    var tempWidth = width
    if outWidth != width {
        temp = [Float](repeating: 0, count: outWidth * (lastRow - firstRow))
        plane.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { dst in
                for y in firstRow..<lastRow {
                    let row = src.baseAddress! + y * width, out = dst.baseAddress! + (y - firstRow) * outWidth
                    for x in 0..<outWidth {
                        let s = horizontal.start[x], k = x * horizontal.stride
                        var acc = 0.0
                        for t in 0..<horizontal.count[x] { acc += Double(row[s + t]) * horizontal.weights[k + t] }
                        out[x] = Float(acc)
                    }
                }
            }
        }
        tempWidth = outWidth
    } else {
        temp = Array(plane[(firstRow * width)..<(lastRow * width)])
    }
    if outHeight == height && firstRow == 0 { return temp }
    var out = [Float](repeating: 0, count: tempWidth * outHeight)
    temp.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<outHeight {
                let s = vertical.start[y] - firstRow, k = y * vertical.stride, n = vertical.count[y]
                let o = dst.baseAddress! + y * tempWidth
                for x in 0..<tempWidth {
                    var acc = 0.0
                    for t in 0..<n { acc += Double(src[(s + t) * tempWidth + x]) * vertical.weights[k + t] }
                    o[x] = Float(acc)
                }
            }
        }
    }
    return out
}

/// The taps of one axis (PIL's `precompute_coeffs` with the box (0, inSize)).
struct PILTaps {
    var start: [Int] = []
    var count: [Int] = []
    var weights: [Double] = []
    let stride: Int

    init(inSize: Int, outSize: Int, filter: PILFilter) {
        let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
        let filterScale = max(1, scale)
        let support = filter.support * filterScale
        let inverse = 1 / filterScale  // PIL multiplies by the reciprocal: same rounding
        stride = Int(support.rounded(.up)) * 2 + 1
        weights = [Double](repeating: 0, count: outSize * stride)
        for i in 0..<outSize {
            let centre = (Double(i) + 0.5) * scale
            let lo = max(0, Int(centre - support + 0.5))
            let hi = min(inSize, Int(centre + support + 0.5))
            var sum = 0.0
            for x in lo..<max(lo, hi) {
                let w = filter.weight((Double(x) - centre + 0.5) * inverse)
                weights[i * stride + x - lo] = w
                sum += w
            }
            if sum != 0 { for x in 0..<max(0, hi - lo) { weights[i * stride + x] /= sum } }
            start.append(lo)
            count.append(max(0, hi - lo))
        }
    }
}
