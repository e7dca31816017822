#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The SIMD IQAM: eight horizontally adjacent patches per step, one patch per lane, so every
// step of the definition is plain lane-wise arithmetic (no shuffles, no branches per patch).
// Same mathematics as `IQAM.analyzePatch`, in Float, with these equivalences:
// - normalising by s = sqrt(sum I^2) and then removing the mean is the same as removing the
//   mean first and scaling the moments by 1/s (the basis is linear); centring first keeps
//   Float precision;
// - SSM = sum(M^2) - M00^2 = sum((I - mean)^2) / sum(I^2) (the basis is orthonormal and
//   M00 of a centred patch is 0), so patches are classified before any transform;
// - log(1 - q) for q in [0, T = 0.05] is its Taylor series to q^7 (error < q^8/8 < 5e-12).

typealias Lanes = SIMD8<Float>
let laneCount = 8

protocol IQAMBlock { static var n: Int { get } }
enum Block4: IQAMBlock { static var n: Int { 4 } }
enum Block8: IQAMBlock { static var n: Int { 8 } }

/// Per block size: the basis and the Gaussian taps in Float.
struct IQAMConstants {
    let basis: [Float]
    let gCentre: Float, gSide: Float

    init(n: Int) {
        basis = IQAM.tchebichefBasis(size: n).map { Float($0) }
        let g = IQAM.gaussianTaps
        gCentre = Float(g.centre)
        gSide = Float(g.side)
    }

    static let n4 = IQAMConstants(n: 4)
    static let n8 = IQAMConstants(n: 8)
}

// Lane-wise |v| and min by bit operations and arithmetic: the generic pointwiseMax/Min are
// out-of-line calls per vector on the default x86-64 target.
@inline(__always) func lanesAbs(_ v: Lanes) -> Lanes {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Lanes.self)
}

@inline(__always) func lanesMin(_ a: Lanes, _ b: Lanes) -> Lanes {
    let lessMask = unsafeBitCast(a .< b, to: SIMD8<UInt32>.self)
    let ua = unsafeBitCast(a, to: SIMD8<UInt32>.self), ub = unsafeBitCast(b, to: SIMD8<UInt32>.self)
    return unsafeBitCast((ua & lessMask) | (ub & ~lessMask), to: Lanes.self)
}

/// dst = (P src P^T) * scale, for n x n arrays of lanes (tmp: n*n scratch).
@inline(__always)
func laneMoments(_ src: UnsafeMutablePointer<Lanes>, _ dst: UnsafeMutablePointer<Lanes>,
                 _ tmp: UnsafeMutablePointer<Lanes>, _ basis: UnsafePointer<Float>, n: Int, scale: Lanes) {
    for p in 0..<n {
        for c in 0..<n {
            var acc = Lanes(repeating: basis[p * n]) * src[c]
            for r in 1..<n { acc = acc + Lanes(repeating: basis[p * n + r]) * src[r * n + c] }
            tmp[p * n + c] = acc
        }
    }
    for p in 0..<n {
        for q in 0..<n {
            var acc = tmp[p * n] * Lanes(repeating: basis[q * n])
            for c in 1..<n { acc = acc + tmp[p * n + c] * Lanes(repeating: basis[q * n + c]) }
            dst[p * n + q] = acc * scale
        }
    }
}

/// d = x - mean(x); returns (SSM, 1/sqrt(sum x^2)), both 0 where x is all zero.
@inline(__always)
func laneCentre<B: IQAMBlock>(_ x: UnsafePointer<Lanes>, into d: UnsafeMutablePointer<Lanes>,
                               _ block: B.Type) -> (ssm: Lanes, invNorm: Lanes) {
    let count = B.n * B.n
    var sum = Lanes(), sumSq = Lanes()
    for k in 0..<count { sum = sum + x[k]; sumSq = sumSq + x[k] * x[k] }
    let mean = sum / Lanes(repeating: Float(count))
    var ssd = Lanes()
    for k in 0..<count { let v = x[k] - mean; d[k] = v; ssd = ssd + v * v }
    let zero = sumSq .<= 0
    let safe = sumSq.replacing(with: 1, where: zero)
    return ((ssd / safe).replacing(with: 0, where: zero),
            (1 / safe.squareRoot()).replacing(with: 0, where: zero))
}

func iqamKernel<B: IQAMBlock, P: QualityPixel>(_ plane: PlaneView<P>, _ block: B.Type) -> IQAMTotals {
    let n = B.n, nn = B.n * B.n
    let rows = max(0, plane.height / n - 1), columns = max(0, plane.width / n - 1)
    var totals = IQAMTotals()
    guard rows > 0, columns > 0 else { return totals }
    let constants = n == 4 ? IQAMConstants.n4 : IQAMConstants.n8
    let threshold = Lanes(repeating: Float(IQAM.textureThreshold))
    let clip = Lanes(repeating: Float(IQAM.blockingClip))
    let c = Lanes(repeating: Float(IQAM.stability))
    let invLogClip = Lanes(repeating: Float(1 / log(1 - IQAM.blockingClip)))
    let gC = Lanes(repeating: constants.gCentre), gS = Lanes(repeating: constants.gSide)
    let laneIndex = Lanes(0, 1, 2, 3, 4, 5, 6, 7)
    // Scratch: the patch, its centred copy, the moments, a temporary, the blurred patch and
    // its moments, then the basis. (No closure here: n must stay a constant in the loops.)
    let scratch = UnsafeMutablePointer<Lanes>.allocate(capacity: 6 * nn)
    defer { scratch.deallocate() }
    let x = scratch, d = scratch + nn, m = scratch + 2 * nn, t = scratch + 3 * nn
    let j = scratch + 4 * nn, mb = scratch + 5 * nn
    let basisStorage = UnsafeMutablePointer<Float>.allocate(capacity: nn)
    defer { basisStorage.deallocate() }
    for k in 0..<nn { basisStorage[k] = constants.basis[k] }
    let basis = UnsafePointer(basisStorage)
    for i in 0..<rows {
        var blockyRow = Lanes(), blurRow = Lanes()
        var smoothRow = Lanes(), texturedRow = Lanes()
        let top = plane.base + (n / 2 + i * n) * plane.rowStride + n / 2
        var j0 = 0
        while j0 < columns {
            let active = min(laneCount, columns - j0)
            let activeMask = laneIndex .< Lanes(repeating: Float(active))
            // Lane l reads patch j0 + l (the last active patch again in a partial step).
            var off = (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &off) { raw in
                let o = raw.bindMemory(to: Int.self)
                for l in 0..<laneCount { o[l] = (j0 + min(l, active - 1)) * n }
            }
            for r in 0..<n {
                let row = top + r * plane.rowStride
                for col in 0..<n {
                    let q = row + col
                    x[r * n + col] = Lanes(q[off.0].floatValue, q[off.1].floatValue,
                                           q[off.2].floatValue, q[off.3].floatValue,
                                           q[off.4].floatValue, q[off.5].floatValue,
                                           q[off.6].floatValue, q[off.7].floatValue)
                }
            }
            let (ssm, invNorm) = laneCentre(x, into: d, B.self)
            laneMoments(d, m, t, basis, n: n, scale: invNorm)
            let textured = (ssm .> threshold) .& activeMask
            let smooth = (.!(ssm .> threshold)) .& activeMask

            if any(smooth) {
                var absSum = Lanes(), lastRow = Lanes(), lastColumn = Lanes()
                for k in 0..<nn { absSum = absSum + lanesAbs(m[k]) }
                for k in 0..<n {
                    lastRow = lastRow + lanesAbs(m[(n - 1) * n + k])
                    lastColumn = lastColumn + lanesAbs(m[k * n + n - 1])
                }
                let inv = 1 / (absSum - lanesAbs(m[0]) + c)
                let q = (lanesMin(lastRow * inv, clip) + lanesMin(lastColumn * inv, clip)) * 0.5
                // log(1 - q) = -(q + q^2/2 + ... + q^7/7) + O(q^8/8)
                var series = Lanes(repeating: 1.0 / 7)
                series = Lanes(repeating: 1.0 / 6) + q * series
                series = Lanes(repeating: 1.0 / 5) + q * series
                series = Lanes(repeating: 1.0 / 4) + q * series
                series = Lanes(repeating: 1.0 / 3) + q * series
                series = Lanes(repeating: 1.0 / 2) + q * series
                series = Lanes(repeating: 1) + q * series
                let score = -(q * series) * invLogClip
                blockyRow = blockyRow + score.replacing(with: 0, where: .!smooth)
                smoothRow = smoothRow + Lanes().replacing(with: 1, where: smooth)
            }
            if any(textured) {
                // Blur the raw patch alone (zeros outside it).
                for r in 0..<n {
                    for col in 0..<n {
                        var h = gC * x[r * n + col]
                        if col > 0 { h = h + gS * x[r * n + col - 1] }
                        if col < n - 1 { h = h + gS * x[r * n + col + 1] }
                        t[r * n + col] = h
                    }
                }
                for r in 0..<n {
                    for col in 0..<n {
                        var v = gC * t[r * n + col]
                        if r > 0 { v = v + gS * t[(r - 1) * n + col] }
                        if r < n - 1 { v = v + gS * t[(r + 1) * n + col] }
                        j[r * n + col] = v
                    }
                }
                let (_, invNormB) = laneCentre(j, into: d, B.self)
                laneMoments(d, mb, t, basis, n: n, scale: invNormB)
                var sim = Lanes()
                for k in 0..<nn {
                    let a = m[k], b = mb[k]
                    sim = sim + (2 * a * b + c) / (a * a + b * b + c)
                }
                let score = 1 - sim / Lanes(repeating: Float(nn))
                blurRow = blurRow + score.replacing(with: 0, where: .!textured)
                texturedRow = texturedRow + Lanes().replacing(with: 1, where: textured)
            }
            j0 += laneCount
        }
        totals.blocky += Double(blockyRow.sum())
        totals.blur += Double(blurRow.sum())
        totals.smooth += Int(smoothRow.sum())
        totals.textured += Int(texturedRow.sum())
    }
    return totals
}
