import CFFmpeg

/// How the video stream is encoded. Defaults match `clarity transcode`: visually lossless H.264.
public struct EncoderSettings: Sendable {
    /// An FFmpeg encoder name: libx264, libx265, ffv1, rawvideo, wrapped_avframe, ...
    public var codec: String
    /// Constant rate factor, for encoders that have one.
    public var crf: Double?
    /// Speed preset, for encoders that have one (x264: ultrafast ... veryslow).
    public var preset: String?
    /// Encoder threads; 0 lets the encoder choose.
    public var threads: Int
    /// Forced output pixel format; nil keeps the input's when the encoder allows it.
    public var pixelFormat: String?
    /// Further encoder options, by FFmpeg option name.
    public var options: [String: String]
    /// Encoders whose presets are x264's speed names, a string FFmpeg hands them (WebP's
    /// presets, by contrast, are kinds of picture).
    public static let namedPresetEncoders: Set = ["libx264", "libx264rgb", "libx265"]
    /// x264's and x265's presets, fastest first.
    public static let namedPresets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]
    /// Whether the user named some of `options` (`--encoder-option`): what the encoder says of
    /// options as it opens is then passed on.
    public var optionsNamed = false
    /// HDR made SDR also where the output could say HDR (`ToneMapper`).
    public var toneMapsHDR = false
    /// How HDR made SDR brings highlights into range.
    public var toneCurve = ToneCurve.mobius
    /// The brightest level tone mapping rolls highlights off to, in cd/m2; nil: the one the
    /// stream states (`ToneMapper.peak(of:)`).
    public var hdrPeak: Double?
    /// FFmpeg filters of the user's (`--post-vf`) for each frame just before the encoder; they
    /// keep its size. Nil: none.
    public var postFilters: String?
    /// Subtitles drawn over each frame, after `postFilters`; nil: none.
    public var subtitleBurn: SubtitleBurn?
    /// The order of the fields the frames still have (interlaced video not deinterlaced, at
    /// its own size), which the encoder codes as fields; nil: progressive frames.
    public var fieldOrder: AVFieldOrder?
    /// Seconds the subtitles' clock is ahead of the output's (`--start`, and for the input's
    /// own stream its start time): `subtitleBurn` sees frames on the subtitles' clock.
    public var clockStart = 0.0

    /// Bits per second as FFmpeg writes rates (8M, 2500k, 192000), above 0; nil for anything
    /// else (0, which encoders take for "no rate" and fall back on their own; words).
    public static func bitRate(_ text: String) -> Int64? {
        text.withCString { start -> Int64? in
            var end: UnsafeMutablePointer<CChar>?
            let value = av_strtod(start, &end)
            guard let end, end != UnsafeMutablePointer(mutating: start), end.pointee == 0,
                  value.isFinite, value >= 1, value < Double(Int64.max) else { return nil }
            return Int64(value)
        }
    }

    public init(codec: String = "libx264", crf: Double? = 18, preset: String? = "veryfast",
                threads: Int = 0, pixelFormat: String? = nil, options: [String: String] = [:]) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.threads = threads
        self.pixelFormat = pixelFormat
        self.options = options
    }
}
