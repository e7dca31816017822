import CFFmpeg

/// How an input is read: the part of it (a time span, and at most so many frames), the part of
/// each picture, what becomes of interlaced video, the frame rate of an input that carries no timing of its own, and the
/// demuxer's options.
public struct InputReading: Sendable {
    public var range: InputRange
    public var deinterlace: Deinterlacing
    /// A raw H.264 / HEVC stream or a picture sequence at this rate (they would be read at
    /// the rate the stream claims, or at 25 fps); nil: as the input says.
    public var frameRate: AVRational?
    /// Options for the demuxer by FFmpeg name: what an input that does not describe itself
    /// needs (raw frames: `video_size`, `pixel_format`; a camera: `video_size`, `framerate`).
    public var demuxerOptions: [String: String]
    /// The first frames only (of the part); nil: all.
    public var frameLimit: Int?
    /// The part of each picture to keep.
    public var crop: Cropping
    /// A new frame rate: frames dropped or repeated to it after deinterlacing, before any
    /// enhancing (`--fps`); nil: the input's.
    public var rate: AVRational?
    /// The fastest rate the output can time (GIF's 50 fps: it times frames in hundredths of a
    /// second, and players show a frame of less than 2 as 10). Without `rate`, a faster input
    /// is thinned to its rate divided by the least whole number that brings it within (60 fps
    /// to 30).
    public var fastestRate: AVRational?
    /// FFmpeg filters of the user's (`--vf`, a graph description), run on each frame after
    /// deinterlacing, a new rate, cropping and turning upright; they keep its size. Nil: none.
    public var filterGraph: String?
    /// The video stream to enhance, by its index in the input (ffprobe's, and the warnings'
    /// "#1"); nil: FFmpeg's choice of the best.
    public var videoStream: Int?
    /// The chapters to read, numbered from 1 as players number them, in place of `range`'s
    /// times (`--chapters`); nil: `range`.
    public var chapters: ClosedRange<Int>?
    /// Seconds a network input may send nothing before it is taken as ended, as asked
    /// (`--input-timeout`; 0: for ever); nil: not asked, 10.
    public var inputTimeout: Double?
    /// The silence after which a network input is taken as ended; nil: none.
    var networkSilence: Double? { inputTimeout.map { $0 > 0 ? $0 : nil } ?? 10 }

    public init(range: InputRange = .all, deinterlace: Deinterlacing = .off, frameRate: AVRational? = nil,
                demuxerOptions: [String: String] = [:], frameLimit: Int? = nil, crop: Cropping = .none, rate: AVRational? = nil) {
        (self.range, self.deinterlace, self.frameRate) = (range, deinterlace, frameRate)
        (self.demuxerOptions, self.frameLimit, self.crop, self.rate) = (demuxerOptions, frameLimit, crop, rate)
    }

    /// A rate in FFmpeg's syntax ("30", "29.97", "30000/1001", "ntsc"); nil when it is not one.
    /// NTSC's rates written as decimals (29.97, 23.976, 59.94) are NTSC's exact N x 1000/1001,
    /// as HandBrake takes them, which encoders and containers of those rates want (MPEG-2 and
    /// DV code no 2997/100), not FFmpeg's 2997/100.
    public static func frameRate(_ text: String) -> AVRational? {
        var rate = AVRational()
        guard av_parse_video_rate(&rate, text) >= 0, rate.num > 0, rate.den > 0 else { return nil }
        if text.contains("."), let ntsc = [24, 30, 48, 60, 120].map({ AVRational(num: Int32($0 * 1000), den: 1001) })
            .first(where: { abs(av_q2d($0) - av_q2d(rate)) < 0.001 }) {
            return ntsc
        }
        return rate
    }
}
