import CFFmpeg

/// How an input is read: the part of it, what becomes of interlaced video, and the frame rate
/// of an input that carries no timing of its own.
public struct InputReading: Sendable {
    public var range: InputRange
    public var deinterlace: Deinterlacing
    /// A raw H.264 / HEVC stream or a picture sequence at this rate (they would be read at
    /// the rate the stream claims, or at 25 fps); nil: as the input says.
    public var frameRate: AVRational?

    public init(range: InputRange = .all, deinterlace: Deinterlacing = .off, frameRate: AVRational? = nil) {
        self.range = range
        self.deinterlace = deinterlace
        self.frameRate = frameRate
    }

    /// A rate in FFmpeg's syntax ("30", "29.97", "30000/1001", "ntsc"); nil when it is not one.
    public static func frameRate(_ text: String) -> AVRational? {
        var rate = AVRational()
        guard av_parse_video_rate(&rate, text) >= 0, rate.num > 0, rate.den > 0 else { return nil }
        return rate
    }
}
