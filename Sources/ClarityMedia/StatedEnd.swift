import CFFmpeg

/// Whether an input stopped short of the length its container states. A Matroska, WebM, FLV,
/// ASF or MXF file cut off (a copy or a download not finished) ends cleanly for its demuxer,
/// which reports the end of the file and no damage; but its header said how long the
/// recording is. Lengths FFmpeg measured at the file's end (MPEG-TS, MPEG-PS, NUT, Ogg) or
/// guessed from the bitrate say nothing of a cut.
struct StatedEnd {
    /// Where the input's clock starts, and the end the container states on it (microseconds).
    private let start: Int64
    private let stated: Int64?
    /// How far the packets read reach, on the same clock.
    private var reach: Int64?

    init(_ ctx: UnsafeMutablePointer<AVFormatContext>) {
        let c = ctx.pointee, origin = c.start_time == clarity_nopts_value() ? 0 : c.start_time
        start = origin
        stated = c.duration_estimation_method == AVFMT_DURATION_FROM_STREAM && !AVILength.statesPlaceholders(ctx)
            ? Self.length(ctx).map { origin + $0 } : nil
    }

    /// The length `ctx`'s container states (microseconds from its clock's start); nil where it
    /// states none. Matroska states where it ends on its own clock (FFmpeg's muxer writes the
    /// last time), and so does MP4 whose edit list starts it late (its movie's length), which
    /// FFmpeg's readers give as lengths: a 3 s file whose clock starts at 10 h (timestamps
    /// kept, `-copyts`, `-output_ts_offset`) "lasted" 10 h, was said to be cut off after 3 s,
    /// and was counted as a million frames.
    static func length(_ ctx: UnsafeMutablePointer<AVFormatContext>) -> Int64? {
        let c = ctx.pointee
        guard c.duration > 0 else { return nil }
        let start = c.start_time == clarity_nopts_value() ? 0 : c.start_time
        let name = String(cString: c.iformat.pointee.name)
        let endsOnItsClock = (name.hasPrefix("matroska") || name.hasPrefix("mov,")) && start > 0 && c.duration > start
        return endsOnItsClock ? c.duration - start : c.duration
    }

    /// Whether the container states a length to hold the input to. That length is its longest
    /// stream's, so the reader then reads every stream, those it does not copy too: with one
    /// left out (`--no-audio`), the others may well end sooner.
    var isStated: Bool { stated != nil }

    /// Notes a packet read, of any stream.
    mutating func read(_ packet: AVPacket, timeBase: AVRational) {
        let t = packet.pts != clarity_nopts_value() ? packet.pts : packet.dts
        guard stated != nil, t != clarity_nopts_value() else { return }
        let end = av_rescale_q(t + max(packet.duration, 0), timeBase, clarity_time_base_q())
        reach = max(reach ?? end, end)
    }

    /// At the end of the file: how far it reached and how long the container says it is
    /// (seconds from its start), where it ended more than a second early (a last frame's or
    /// packet's length, or a stream a little longer than the others, is far less).
    var shortfall: InputShortfall? {
        guard let stated, let reach, stated - reach > Int64(AV_TIME_BASE) else { return nil }
        return InputShortfall(reached: Double(reach - start) / 1e6, stated: Double(stated - start) / 1e6)
    }
}

/// How far an input cut off reached, against the length its container states (seconds).
public struct InputShortfall: Sendable, Equatable {
    public let reached: Double
    public let stated: Double
}
