import CFFmpeg

/// A clock that ticks once a frame, for outputs that state a frame rate rather than time each
/// frame. Frames keep their time as nearly as its ticks allow: one that falls on the last
/// one's tick moves a tick on, or, where that would make it more than a tick late (frames
/// faster than the clock), is left out, so that the video keeps time with the audio, as
/// ffmpeg's constant-rate output does. y4m and bare streams have no time at all and keep
/// every frame.
struct FrameClock {
    let rate: AVRational
    /// Where the encoder codes a rate other than the frames' (MPEG-2: the nearest it lists).
    let restated: (written: Double, input: Double)?
    private let keepsEveryFrame: Bool
    private var last: Int64?

    /// The clock for `codec` in `container`, or nil where frames keep the input's timestamps.
    /// y4m and bare streams (`.h264`, whose readers take the encoder's time base for its
    /// rate) tick at the nominal rate (each frame simply follows the last); containers that
    /// count frames (MXF; AVI, which fills the ticks between frames with empty entries; SWF,
    /// RealMedia and filmstrip, which take the time base for the rate) and Theora, which
    /// counts them itself, at the peak rate, so that a variable rate loses no frame; MPEG-1
    /// and 2, which code a rate from a list, at the nearest listed; MPEG-4 Part 2, whose time
    /// scale has 16 bits, where the input's has more (90 kHz).
    init?(codec: UnsafePointer<AVCodec>, container: UnsafePointer<AVOutputFormat>, format: VideoFormat) {
        let nominal = format.frameRate.num > 0 ? format.frameRate : AVRational(num: 25, den: 1)
        let id = codec.pointee.id
        let name = String(cString: container.pointee.name)
        keepsEveryFrame = name == "yuv4mpegpipe" || ContainerCodecs.writesBareStream(container)
        if let listed = codec.pointee.supported_framerates {
            rate = listed[Int(av_find_nearest_q_idx(nominal, listed))]
            let differs = format.frameRate.num > 0 && av_cmp_q(rate, format.frameRate) != 0
            restated = differs ? (av_q2d(rate), av_q2d(format.frameRate)) : nil
            return
        }
        restated = nil
        if format.frameRate.num <= 0 {
            return nil
        } else if keepsEveryFrame || (id == AV_CODEC_ID_MPEG4 && format.timeBase.den > 65535) {
            rate = nominal
        } else if ["avi", "mxf", "swf", "rm", "filmstrip"].contains(name) || id == AV_CODEC_ID_THEORA {
            rate = format.peakFrameRate
        } else {
            return nil
        }
    }

    var timeBase: AVRational { av_inv_q(rate) }

    /// The tick of a frame timed `pts` in `timeBase`; nil: leave it out.
    mutating func tick(for pts: Int64, in timeBase: AVRational) -> Int64? {
        var tick = av_rescale_q(pts, timeBase, self.timeBase)
        if let last, tick <= last {
            let exact = Double(pts) * av_q2d(timeBase) * av_q2d(rate)
            if Double(last + 1) - exact > 1 && !keepsEveryFrame { return nil }
            tick = last + 1
        }
        last = tick
        return tick
    }
}
