#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// SSIM as Wang et al. (2004) define it and as skimage computes it with
// `gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=R`:
// 11x11 Gaussian window (sigma 1.5, normalised), K1 = 0.01, K2 = 0.03, and the mean of the
// SSIM map over the positions whose window lies inside the image (skimage crops 5 pixels
// of its padded map, Matlab's ssim_index uses 'valid' filtering: the same positions).
// Computed in Double.

let ssimRadius = 5
let ssimWindow: [Double] = {
    let sigma = 1.5
    let w = (-ssimRadius...ssimRadius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let s = w.reduce(0, +)
    return w.map { $0 / s }
}()

/// SSIM of two 8-bit planes (data range 255), `border` pixels removed on every side first.
/// Both planes must keep at least 11 x 11 pixels.
public func ssim(_ a: PlaneView<UInt8>, _ b: PlaneView<UInt8>, border: Int = 0) -> Double {
    ssimKernel(a, b, dataRange: 255, border: border)
}

/// SSIM of two float planes with the given data range (255 for 8-bit-scale Y, 1 for [0,1]).
public func ssim(_ a: PlaneView<Float>, _ b: PlaneView<Float>, dataRange: Double, border: Int = 0) -> Double {
    ssimKernel(a, b, dataRange: dataRange, border: border)
}

/// SSIM of two row-major 8-bit planes of `width` x `height` (data range 255).
public func ssim(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, border: Int = 0) -> Double {
    withPlanes(a, b, width: width, height: height) { ssim($0, $1, border: border) }
}

/// SSIM of two row-major float planes of `width` x `height`.
public func ssim(_ a: [Float], _ b: [Float], width: Int, height: Int, dataRange: Double,
                 border: Int = 0) -> Double {
    withPlanes(a, b, width: width, height: height) {
        ssim($0, $1, dataRange: dataRange, border: border)
    }
}

func ssimKernel<P: QualityPixel>(_ a: PlaneView<P>, _ b: PlaneView<P>, dataRange: Double,
                                 border: Int) -> Double {
    let (va, vb) = croppedPair(a, b, border: border)
    let w = va.width, h = va.height, win = 2 * ssimRadius + 1
    precondition(w >= win && h >= win, "SSIM needs at least \(win)x\(win) pixels, got \(w)x\(h)")
    let ow = w - win + 1, oh = h - win + 1
    let g = ssimWindow
    let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
    // Rows stream through: the horizontal pass fills five filtered maps (x, y, xx, yy, xy) of
    // the last `win` rows, a ring; each output row is their vertical pass, summed. (A whole
    // plane of maps took 330 MB for a 4K frame.)
    var ring = [Double](repeating: 0, count: 5 * win * ow)
    var acc = [Double](repeating: 0, count: 5 * ow)
    var rx = [Double](repeating: 0, count: w), ry = rx, rxx = rx, ryy = rx, rxy = rx
    var total = 0.0
    ring.withUnsafeMutableBufferPointer { maps in
        acc.withUnsafeMutableBufferPointer { acc in
            let a = acc.baseAddress!
            for y in 0..<h {
                for x in 0..<w {
                    let p = Double(va[x, y].floatValue), q = Double(vb[x, y].floatValue)
                    rx[x] = p; ry[x] = q; rxx[x] = p * p; ryy[x] = q * q; rxy[x] = p * q
                }
                for (m, src) in [rx, ry, rxx, ryy, rxy].enumerated() {
                    let out = maps.baseAddress! + (m * win + y % win) * ow
                    src.withUnsafeBufferPointer { s in
                        for i in 0..<ow { out[i] = 0 }
                        for k in 0..<win {
                            let gk = g[k], sk = s.baseAddress! + k
                            for i in 0..<ow { out[i] += gk * sk[i] }
                        }
                    }
                }
                let oy = y - win + 1
                guard oy >= 0 else { continue }
                for i in 0..<(5 * ow) { a[i] = 0 }
                for m in 0..<5 {
                    let dst = a + m * ow
                    for k in 0..<win {
                        let gk = g[k], src = maps.baseAddress! + (m * win + (oy + k) % win) * ow
                        for i in 0..<ow { dst[i] += gk * src[i] }
                    }
                }
                var row = 0.0
                for i in 0..<ow {
                    let ux = a[i], uy = a[ow + i]
                    let vx = a[2 * ow + i] - ux * ux, vy = a[3 * ow + i] - uy * uy
                    let vxy = a[4 * ow + i] - ux * uy
                    row += ((2 * ux * uy + c1) * (2 * vxy + c2))
                        / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
                }
                total += row
            }
        }
    }
    return total / Double(ow * oh)
}
