import CFFmpeg

/// The part of an input to process: from `start` seconds after its beginning, for `duration`
/// seconds (to the end when nil). A part that does not begin at the input's beginning is
/// moved to start at time 0, all its streams alike, as `ffmpeg -ss` does.
public struct InputRange: Sendable, Equatable {
    public var start: Double
    public var duration: Double?

    public static let all = InputRange()

    public init(start: Double = 0, duration: Double? = nil) {
        self.start = start
        self.duration = duration
    }

    public var isAll: Bool { self == .all }

    /// Seconds in FFmpeg's time syntax: "90", "1:30", "01:02:03.5", "1500ms"; nil when it is
    /// not one or is negative.
    public static func seconds(_ text: String) -> Double? {
        var microseconds: Int64 = 0
        guard av_parse_time(&microseconds, text, 1) >= 0, microseconds >= 0 else { return nil }
        return Double(microseconds) / 1e6
    }
}
