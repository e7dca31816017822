import CFFmpeg

/// AVI's header states each stream's length in ticks of its time base (dwLength), a length
/// that outlives a cut which loses the index at the file's end. A tick is no frame: FFmpeg's
/// muxer copies H.264 at two ticks a frame, and a variable rate or a pause leaves ticks
/// empty; counted as frames, every such file was said to be cut off ("after 60 of the 120
/// frames"). The video is held to that length by the time its packets reach instead.
struct AVILength {
    private let ticks: Int64
    private let timeBase: AVRational
    /// The tick after the last packet read.
    private var reach: Int64 = 0

    /// Nil where `stream` is not AVI's, or states no length: none, or the 2^30 ticks FFmpeg's
    /// muxer writes into a pipe (a whole file was said to end 3 s "into the 42949672.96 s its
    /// container states").
    init?(_ stream: UnsafeMutablePointer<AVStream>, demuxer: UnsafePointer<AVInputFormat>) {
        guard String(cString: demuxer.pointee.name) == "avi", stream.pointee.nb_frames > 0,
              stream.pointee.nb_frames != Self.streamedPlaceholder else { return nil }
        (ticks, timeBase) = (stream.pointee.nb_frames, stream.pointee.time_base)
    }

    /// The frames `stream` lists: its index's packets, or where it has none, its ticks at the
    /// rate FFmpeg finds in its timestamps.
    func frames(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        let indexed = (0..<avformat_index_get_entries_count(stream)).filter { (avformat_index_get_entry(stream, $0)?.pointee.size ?? 0) > 0 }.count
        if indexed > 0 { return indexed }
        let rate = stream.pointee.r_frame_rate
        guard rate.num > 0, rate.den > 0 else { return Int(ticks) }
        let perFrame = max(1, Int((1 / (av_q2d(timeBase) * av_q2d(rate))).rounded()))
        return (Int(ticks) + perFrame / 2) / perFrame
    }

    /// Whether `ctx` is an AVI that FFmpeg's muxer wrote into a pipe: the lengths it states (2^30
    /// ticks for each stream, and what FFmpeg reckons from them) are placeholders.
    static func statesPlaceholders(_ ctx: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        String(cString: ctx.pointee.iformat.pointee.name) == "avi"
            && (0..<Int(ctx.pointee.nb_streams)).contains { ctx.pointee.streams[$0]!.pointee.nb_frames == streamedPlaceholder }
    }

    /// The length FFmpeg's muxer states for each stream of an AVI written into a pipe.
    private static let streamedPlaceholder: Int64 = 1 << 30

    /// Notes a packet of the stream read.
    mutating func read(_ packet: AVPacket) {
        guard packet.dts != clarity_nopts_value() else { return }
        reach = max(reach, packet.dts + max(packet.duration, 1))
    }

    /// How far the packets read reached against the length stated (seconds), where they
    /// stopped more than a second short.
    var shortfall: InputShortfall? {
        guard reach + av_rescale_q(1, AVRational(num: 1, den: 1), timeBase) < ticks else { return nil }
        return InputShortfall(reached: Double(reach) * av_q2d(timeBase), stated: Double(ticks) * av_q2d(timeBase))
    }
}
