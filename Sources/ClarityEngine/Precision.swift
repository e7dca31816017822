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
    /// Bytes of the plan's intermediate tensors (one shared buffer; all of them apart in a
    /// calibration plan).
    public var activationBytes = 0
    /// What they would take each in its own buffer.
    public var activationBytesApart = 0

    /// The lowest precision any convolution runs in (int8 < bf16 < fp32). Layers kept in fp32
    /// are the exceptions of a reduced-precision plan (fallbacks, or layers kept for quality).
    public var effectivePrecision: Precision {
        let used = Set(layers.map(\.precision))
        return [Precision.int8, .bf16].first(where: used.contains) ?? .fp32
    }
}
