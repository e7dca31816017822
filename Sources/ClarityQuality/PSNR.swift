#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - MSE and PSNR

/// Mean squared error of two 8-bit planes of the same size, `border` pixels removed on
/// every side (exact: integer sums).
public func meanSquaredError(_ a: PlaneView<UInt8>, _ b: PlaneView<UInt8>, border: Int = 0) -> Double {
    let (ca, cb) = croppedPair(a, b, border: border)
    var total = 0
    for y in 0..<ca.height {
        let ra = ca.base + y * ca.rowStride, rb = cb.base + y * cb.rowStride
        var row = 0
        for x in 0..<ca.width {
            let d = Int(ra[x]) - Int(rb[x])
            row += d * d
        }
        total += row
    }
    return Double(total) / Double(ca.width * ca.height)
}

/// Mean squared error of two float planes of the same size, `border` pixels removed on
/// every side (in the planes' own scale).
public func meanSquaredError(_ a: PlaneView<Float>, _ b: PlaneView<Float>, border: Int = 0) -> Double {
    let (ca, cb) = croppedPair(a, b, border: border)
    let w = ca.width
    var total = 0.0
    for y in 0..<ca.height {
        let ra = UnsafeRawPointer(ca.base + y * ca.rowStride)
        let rb = UnsafeRawPointer(cb.base + y * cb.rowStride)
        var acc = SIMD8<Float>()
        var x = 0
        while x + 8 <= w {
            let d = ra.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self)
            acc = acc + d * d
            x += 8
        }
        var row = Double(acc.sum())
        while x < w {
            let d = Double(ca.base[y * ca.rowStride + x]) - Double(cb.base[y * cb.rowStride + x])
            row += d * d
            x += 1
        }
        total += row
    }
    return total / Double(ca.width * ca.height)
}

/// PSNR in dB from a mean squared error: 10 log10(peak^2 / mse). Identical images
/// (mse 0) give +infinity, or `cap` when one is given (e.g. 100 to average over images).
public func psnr(mse: Double, peak: Double, cap: Double = .infinity) -> Double {
    if mse <= 0 { return cap }
    return min(cap, 10 * log10(peak * peak / mse))
}

/// PSNR of two 8-bit planes (peak 255), `border` pixels removed on every side.
public func psnr(_ a: PlaneView<UInt8>, _ b: PlaneView<UInt8>, border: Int = 0,
                 cap: Double = .infinity) -> Double {
    psnr(mse: meanSquaredError(a, b, border: border), peak: 255, cap: cap)
}

/// PSNR of two float planes with the given peak (1 for [0,1] data, 255 for 8-bit-scale Y),
/// `border` pixels removed on every side.
public func psnr(_ a: PlaneView<Float>, _ b: PlaneView<Float>, peak: Double = 1, border: Int = 0,
                 cap: Double = .infinity) -> Double {
    psnr(mse: meanSquaredError(a, b, border: border), peak: peak, cap: cap)
}

/// PSNR of two row-major 8-bit planes of `width` x `height` (peak 255).
public func psnr(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, border: Int = 0,
                 cap: Double = .infinity) -> Double {
    withPlanes(a, b, width: width, height: height) { psnr($0, $1, border: border, cap: cap) }
}

/// PSNR of two row-major float planes of `width` x `height`.
public func psnr(_ a: [Float], _ b: [Float], width: Int, height: Int, peak: Double = 1,
                 border: Int = 0, cap: Double = .infinity) -> Double {
    withPlanes(a, b, width: width, height: height) {
        psnr($0, $1, peak: peak, border: border, cap: cap)
    }
}

func croppedPair<P>(_ a: PlaneView<P>, _ b: PlaneView<P>, border: Int) -> (PlaneView<P>, PlaneView<P>) {
    precondition(a.width == b.width && a.height == b.height,
                 "planes differ in size: \(a.width)x\(a.height) vs \(b.width)x\(b.height)")
    let ca = a.cropped(border: border), cb = b.cropped(border: border)
    precondition(ca.width > 0 && ca.height > 0,
                 "nothing left of a \(a.width)x\(a.height) plane after a border of \(border)")
    return (ca, cb)
}

// MARK: - BT.601 luma (the project's Y-PSNR protocol, docs/quality.md)

/// BT.601 studio-range luma on the 8-bit scale (16...235) of an RGB colour in [0, 1]:
/// Y = 16 + (65.481 R + 128.553 G + 24.966 B), i.e. Y/255 = 16/255 + (65.481 R + ...)/255.
@inline(__always)
public func bt601Luma(r: Double, g: Double, b: Double) -> Double {
    16 + 65.481 * r + 128.553 * g + 24.966 * b
}

/// The BT.601 luma plane (8-bit scale, not rounded) of an interleaved 8-bit RGB(A) image:
/// `channels` bytes per pixel in R, G, B order, rows `rowStride` bytes apart
/// (default `channels * width`).
public func bt601LumaPlane(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                           channels: Int = 3, rowStride: Int? = nil) -> [Float] {
    precondition(channels >= 3, "need at least 3 channels (RGB)")
    let stride = rowStride ?? channels * width
    precondition(height == 0 || rgb.count >= (height - 1) * stride + channels * width,
                 "RGB buffer too small for \(width)x\(height)")
    var out = [Float](repeating: 0, count: width * height)
    let kr = 65.481 / 255, kg = 128.553 / 255, kb = 24.966 / 255
    for y in 0..<height {
        let row = y * stride
        for x in 0..<width {
            let p = row + x * channels
            out[y * width + x] = Float(16 + kr * Double(rgb[p]) + kg * Double(rgb[p + 1])
                                       + kb * Double(rgb[p + 2]))
        }
    }
    return out
}

/// The BT.601 luma plane of an interleaved 8-bit RGB(A) array (no row padding).
public func bt601LumaPlane(rgb: [UInt8], width: Int, height: Int, channels: Int = 3) -> [Float] {
    precondition(rgb.count == width * height * channels, "RGB array is not \(width)x\(height)x\(channels)")
    return rgb.withUnsafeBufferPointer {
        bt601LumaPlane(rgb: $0, width: width, height: height, channels: channels)
    }
}

/// Y-PSNR of two 8-bit RGB(A) images (the project's protocol): PSNR with peak 255 on their
/// BT.601 luma, `border` pixels (usually the scale factor) removed on every side.
public func yPSNR(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, channels: Int = 3,
                  border: Int = 0, cap: Double = .infinity) -> Double {
    let ya = bt601LumaPlane(rgb: a, width: width, height: height, channels: channels)
    let yb = bt601LumaPlane(rgb: b, width: width, height: height, channels: channels)
    return psnr(ya, yb, width: width, height: height, peak: 255, border: border, cap: cap)
}

/// SSIM on the BT.601 luma of two 8-bit RGB(A) images (data range 255), `border` removed.
public func ySSIM(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, channels: Int = 3,
                  border: Int = 0) -> Double {
    let ya = bt601LumaPlane(rgb: a, width: width, height: height, channels: channels)
    let yb = bt601LumaPlane(rgb: b, width: width, height: height, channels: channels)
    return ssim(ya, yb, width: width, height: height, dataRange: 255, border: border)
}
