import CFFmpeg

/// Seconds of a stream before and after filters that may retime it (`--vf setpts=0.5*PTS`,
/// `--af atempo=2`, a `trim`), to tell whether the streams still end together.
public struct StreamLength: Sendable {
    public let input: Double
    public let output: Double

    /// How much longer the stream came out (0.5: half as long).
    public var ratio: Double { input > 0 ? output / input : 1 }

    /// Whether the stream came out longer or shorter than `ratio` times its input, by more
    /// than a tenth of a second and 1%: out of step with a stream retimed by `ratio`.
    public func isOutOfStep(with ratio: Double = 1) -> Bool { abs(output - input * ratio) > max(0.1, 0.01 * input) }
}

/// The time from a stream's first frame to the end of its last, from their timestamps alone
/// (the last frame lasting the frames' mean interval).
struct FrameSpan {
    private var first: Int64?
    private var last: Int64 = 0
    private var count = 0

    mutating func add(_ pts: Int64) {
        guard pts != clarity_nopts_value() else { return }
        if first == nil { (first, last) = (pts, pts) }
        (last, count) = (max(last, pts), count + 1)
    }

    func seconds(in timeBase: AVRational) -> Double {
        guard let first, count > 1 else { return 0 }
        return Double(last - first) * av_q2d(timeBase) * Double(count) / Double(count - 1)
    }
}
