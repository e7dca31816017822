/// Arithmetic of the convolutions. The other layers always run in fp32.
/// - fp32: reference quality.
/// - bf16: needs AVX-512 in oneDNN 2.6; where the CPU cannot, layers fall back to fp32 and
///   the plan says so (`ModelPlanInfo.notes`).
/// - int8: u8/s8 activations with per-tensor scales calibrated on sample data
///   (`Model.calibrate`), s8 weights with one scale per output channel.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16, int8
}

/// Observed range of one node's output over calibration data; sets its int8 scale.
public struct ValueRange: Sendable, Equatable {
    public var min: Float
    public var max: Float

    public init(min: Float, max: Float) { self.min = min; self.max = max }

    /// Unsigned when nothing negative was seen (ReLU outputs, image input).
    var unsigned: Bool { min >= 0 }

    /// `stored = real * scale`, saturating at the type's limit.
    var scale: Float {
        let m = unsigned ? max : Swift.max(abs(min), abs(max))
        return (unsigned ? 255 : 127) / Swift.max(m, 1e-8)
    }
}

/// What a compiled plan actually runs, for logs and the benchmark.
public struct ModelPlanInfo: Sendable {
    /// Precision of each convolution layer after any fallback (name, precision, oneDNN kernel).
    public var layers: [(name: String, precision: Precision, kernel: String)]
    /// Human-readable notes on fallbacks (e.g. "bf16 unavailable on this CPU (avx2)").
    public var notes: [String]

    /// The precision most convolutions run in.
    public var effectivePrecision: Precision {
        let counts = Dictionary(grouping: layers, by: { $0.precision }).mapValues(\.count)
        return counts.max { $0.value < $1.value }?.key ?? .fp32
    }
}
