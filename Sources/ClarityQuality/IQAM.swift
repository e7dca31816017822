#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IQAM, the no-reference quality score of RBQE (Xing et al., ECCV 2020): blocking on smooth
/// patches, blur on textured ones, from Tchebichef moments. RBQE leaves at the first exit
/// whose output scores `quality >= T_Q` (the paper's knees: 0.89 for HEVC, 0.79 for JPEG).
/// The definition as implemented is in docs/quality.md; `training/iqam.py` is its twin.
///
/// IQAM is invariant to the scale of the samples (each patch is normalised), so 8-bit
/// planes (0...255) and float planes in [0, 1] holding the same picture score the same.
public struct IQAM: Sendable, Hashable {
    /// A patch whose moment energy SSM exceeds this is textured (scored for blur), else smooth.
    public static let textureThreshold = 0.004
    /// T: the blocking ratios Q_h and Q_w are clipped at T.
    public static let blockingClip = 0.05
    /// C: the stability constant of the similarity and of the blocking ratios.
    public static let stability = 1e-5
    /// Q = blocky^blockingWeight * blur^blurWeight.
    public static let blockingWeight = 0.9
    public static let blurWeight = 0.1
    /// Sigma of the 3x3 Gaussian that re-blurs textured patches.
    public static let blurSigma = 5.0

    /// N: the patch size, the block size of the codec.
    public let blockSize: Int

    /// IQAM with N x N patches; N = 4 and N = 8 run a SIMD kernel, other sizes (>= 2) the
    /// scalar reference.
    public init(blockSize: Int = 4) {
        precondition(blockSize >= 2, "IQAM block size must be at least 2")
        self.blockSize = blockSize
    }

    /// N = 4, for H.264 / HEVC-like block codecs.
    public static let blockCodec = IQAM(blockSize: 4)
    /// N = 8, for JPEG.
    public static let jpeg = IQAM(blockSize: 8)

    /// The score of a plane (or a tile).
    public struct Score: Sendable, Hashable, CustomStringConvertible {
        /// blocky^0.9 * blur^0.1, in [0, 1]; higher is better.
        public var quality: Double
        /// Mean blocking score over the smooth patches (1 if there are none).
        public var blocky: Double
        /// Mean blur score over the textured patches (1 if there are none).
        public var blur: Double
        public var smoothPatches: Int
        public var texturedPatches: Int

        public init(quality: Double, blocky: Double, blur: Double, smoothPatches: Int, texturedPatches: Int) {
            self.quality = quality
            self.blocky = blocky
            self.blur = blur
            self.smoothPatches = smoothPatches
            self.texturedPatches = texturedPatches
        }

        public var description: String {
            "IQAM(Q \(quality), blocky \(blocky) over \(smoothPatches), blur \(blur) over \(texturedPatches))"
        }
    }

    /// Number of patches down and across for a plane of `width` x `height`:
    /// (floor(H/N) - 1) x (floor(W/N) - 1), each offset by N/2 so that it straddles block edges.
    public func patchGrid(width: Int, height: Int) -> (rows: Int, columns: Int) {
        (max(0, height / blockSize - 1), max(0, width / blockSize - 1))
    }

    // MARK: Scoring

    public func score(_ plane: PlaneView<Float>) -> Score { dispatch(plane) }
    public func score(_ plane: PlaneView<UInt8>) -> Score { dispatch(plane) }

    /// The score of one tile, scored as an image of its own: its patch grid starts at the
    /// tile's origin, so tiles whose origin is a multiple of N keep the plane's grid.
    public func score(_ plane: PlaneView<Float>, in rect: PlaneRect) -> Score {
        dispatch(plane.cropped(to: rect))
    }

    public func score(_ plane: PlaneView<UInt8>, in rect: PlaneRect) -> Score {
        dispatch(plane.cropped(to: rect))
    }

    /// The score of a row-major float plane (any scale, typically [0, 1]).
    public func score(_ pixels: [Float], width: Int, height: Int) -> Score {
        withPlane(pixels, width: width, height: height) { score($0) }
    }

    /// The score of a row-major 8-bit plane.
    public func score(_ pixels: [UInt8], width: Int, height: Int) -> Score {
        withPlane(pixels, width: width, height: height) { score($0) }
    }

    private func dispatch<P: QualityPixel>(_ plane: PlaneView<P>) -> Score {
        switch blockSize {
        case 4: return iqamKernel(plane, Block4.self).score
        case 8: return iqamKernel(plane, Block8.self).score
        default: return referenceScore(plane)
        }
    }

    // MARK: Reference (scalar, Double, the definition step by step)

    public enum PatchKind: Sendable, Hashable { case smooth, textured }

    /// What IQAM makes of one patch.
    public struct PatchAnalysis: Sendable {
        public var kind: PatchKind
        /// sum(M^2) - M00^2 of the normalised patch.
        public var ssm: Double
        /// The blocking score for a smooth patch, the blur score for a textured one.
        public var score: Double
        /// The moments M (N x N, row-major: row p is the vertical order).
        public var moments: [Double]
    }

    /// The orthonormal Tchebichef basis of size N (row-major N x N, row p is the polynomial
    /// of order p at x = 0..N-1), from the three-term recurrence divided by sqrt(rho_p).
    public static func tchebichefBasis(size n: Int) -> [Double] {
        precondition(n >= 1)
        let nn = Double(n)
        var p = [Double](repeating: 0, count: n * n)
        for x in 0..<n {
            p[x] = 1
            if n > 1 { p[n + x] = (1 - nn + 2 * Double(x)) / nn }
            if n > 2 {
                for k in 2..<n {
                    let kk = Double(k)
                    p[k * n + x] = ((2 * kk - 1) * p[n + x] * p[(k - 1) * n + x]
                        - (kk - 1) * (1 - (kk - 1) * (kk - 1) / (nn * nn)) * p[(k - 2) * n + x]) / kk
                }
            }
        }
        var rho = 1.0
        for k in 0..<n {
            if k > 0 { rho *= 1 - Double(k * k) / (nn * nn) }
            let norm = (nn * rho / Double(2 * k + 1)).squareRoot()
            for x in 0..<n { p[k * n + x] /= norm }
        }
        return p
    }

    /// The 3x3 Gaussian's 1-D factor (centre, side): the 2-D kernel is its outer product.
    static var gaussianTaps: (centre: Double, side: Double) {
        let side = exp(-1 / (2 * blurSigma * blurSigma))
        return (1 / (1 + 2 * side), side / (1 + 2 * side))
    }

    /// Moments of a patch: normalise by sqrt(N^2 mean(I^2)), subtract the mean, M = P I P^T.
    /// An all-zero patch has zero moments.
    public func moments(of patch: [Double]) -> [Double] {
        let n = blockSize
        precondition(patch.count == n * n, "a patch has \(n * n) samples")
        let basis = IQAM.tchebichefBasis(size: n)
        let norm = patch.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [Double](repeating: 0, count: n * n) }
        var x = patch.map { $0 / norm }
        let mean = x.reduce(0, +) / Double(n * n)
        for i in x.indices { x[i] -= mean }
        var t = [Double](repeating: 0, count: n * n)      // P x
        for p in 0..<n { for c in 0..<n { for r in 0..<n { t[p * n + c] += basis[p * n + r] * x[r * n + c] } } }
        var m = [Double](repeating: 0, count: n * n)      // (P x) P^T
        for p in 0..<n { for q in 0..<n { for c in 0..<n { m[p * n + q] += t[p * n + c] * basis[q * n + c] } } }
        return m
    }

    /// IQAM's verdict on one N x N patch (row-major samples, any scale).
    public func analyzePatch(_ patch: [Double]) -> PatchAnalysis {
        let n = blockSize, c = IQAM.stability
        let m = moments(of: patch)
        let ssm = m.reduce(0) { $0 + $1 * $1 } - m[0] * m[0]
        if ssm > IQAM.textureThreshold {
            // Blur the patch alone (zeros outside it), as the official IQAM's
            // imfilter(patch, G, 'same') does, then compare moments.
            let g = IQAM.gaussianTaps
            var blurred = [Double](repeating: 0, count: n * n)
            for r in 0..<n {
                for col in 0..<n {
                    var s = 0.0
                    for dr in -1...1 {
                        for dc in -1...1 {
                            let rr = r + dr, cc = col + dc
                            guard rr >= 0, rr < n, cc >= 0, cc < n else { continue }
                            s += (dr == 0 ? g.centre : g.side) * (dc == 0 ? g.centre : g.side) * patch[rr * n + cc]
                        }
                    }
                    blurred[r * n + col] = s
                }
            }
            let mb = moments(of: blurred)
            var sim = 0.0
            for i in 0..<(n * n) { sim += (2 * m[i] * mb[i] + c) / (m[i] * m[i] + mb[i] * mb[i] + c) }
            return PatchAnalysis(kind: .textured, ssm: ssm, score: 1 - sim / Double(n * n), moments: m)
        }
        let t = IQAM.blockingClip
        let denominator = m.reduce(0) { $0 + abs($1) } - abs(m[0]) + c
        var lastRow = 0.0, lastColumn = 0.0
        for k in 0..<n {
            lastRow += abs(m[(n - 1) * n + k])
            lastColumn += abs(m[k * n + n - 1])
        }
        let qh = min(lastRow / denominator, t), qw = min(lastColumn / denominator, t)
        return PatchAnalysis(kind: .smooth, ssm: ssm, score: log(1 - (qh + qw) / 2) / log(1 - t), moments: m)
    }

    /// The score computed patch by patch with `analyzePatch` (Double; slow, for checks).
    public func referenceScore<P: QualityPixel>(_ plane: PlaneView<P>) -> Score {
        let n = blockSize, (rows, columns) = patchGrid(width: plane.width, height: plane.height)
        var totals = IQAMTotals()
        var patch = [Double](repeating: 0, count: n * n)
        for i in 0..<rows {
            for j in 0..<columns {
                let y0 = n / 2 + i * n, x0 = n / 2 + j * n
                for r in 0..<n { for c in 0..<n { patch[r * n + c] = Double(plane[x0 + c, y0 + r].floatValue) } }
                let a = analyzePatch(patch)
                switch a.kind {
                case .smooth: totals.blocky += a.score; totals.smooth += 1
                case .textured: totals.blur += a.score; totals.textured += 1
                }
            }
        }
        return totals.score
    }
}

/// Sums over patches, turned into a score at the end.
struct IQAMTotals {
    var blocky = 0.0, blur = 0.0
    var smooth = 0, textured = 0

    var score: IQAM.Score {
        let blockyMean = smooth > 0 ? blocky / Double(smooth) : 1
        let blurMean = textured > 0 ? blur / Double(textured) : 1
        return IQAM.Score(quality: pow(blockyMean, IQAM.blockingWeight) * pow(blurMean, IQAM.blurWeight),
                          blocky: blockyMean, blur: blurMean, smoothPatches: smooth, texturedPatches: textured)
    }
}
