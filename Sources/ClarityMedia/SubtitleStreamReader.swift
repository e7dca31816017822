import CFFmpeg

/// A subtitle stream read event by event, for burning: from its file alongside the video
/// (sought to shortly before the first time asked for), or from packets handed over where the
/// input cannot be read twice. Each decoded event is made into what is drawn (`make`) as it
/// comes; the file is read ahead only as far as the first event after the time asked for.
final class SubtitleStreamReader<Event> {
    /// A decoded event's place in time (in the reader's time base), the canvas its pictures
    /// lie on, and a number that tells events apart.
    struct Timing {
        let start: Int64
        /// The end the event states, if any.
        let statedEnd: Int64?
        let canvas: SubtitleCanvas
        let serial: Int
    }

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let stream: Int32
    /// The file read; nil where the stream's packets are handed over (`take`).
    private let path: String?
    private let streamTimeBase: AVRational
    let timeBase: AVRational
    private let make: (AVSubtitle, Timing) -> Event
    /// Events decoded and not yet asked for: handed over, or read ahead.
    private var pending: [(timing: Timing, event: Event)] = []
    /// Text of a file that is not UTF-8, to UTF-8.
    private var converter: SubtitleCharset.Converter?
    /// DVB only: the canvas its display definitions state (720x576 until one does).
    private var drawnOn: SubtitleCanvas?
    /// Whether the file's stream has ended (never where packets are handed over).
    private(set) var ended = false
    /// Where the file turned out damaged after its first events: FFmpeg's reason, and how
    /// many events came before (the rest are not drawn).
    private(set) var damage: SubtitleDamage?
    /// Whether an event was asked for yet (the first may seek).
    private var started = false
    private var events = 0

    /// `origin`'s stream, with times given in `timeBase`; only the pictures marked forced
    /// where `forcedOnly` (PGS, DVD).
    init(_ origin: SubtitleBurn.Origin, forcedOnly: Bool, timeBase: AVRational, make: @escaping (AVSubtitle, Timing) -> Event) throws {
        self.timeBase = timeBase
        self.make = make
        let options = forcedOnly ? ["forced_subs_only": "1"] : [:]
        switch origin {
        case .packets(let input):
            (path, stream, streamTimeBase) = (nil, Int32(input.index), input.timeBase)
            decoder = try SubtitleReencoder.openDecoder(for: input, options: options)
            if input.codecID == AV_CODEC_ID_DVB_SUBTITLE { drawnOn = .dvbDefault }
        case .file(let path, let stream, let separate, let charset):
            (self.path, self.stream) = (path, Int32(stream))
            converter = try charset?.converter()
            let ctx = try SubtitleInput.open(path, for: "--burn-subtitles")
            format = ctx
            guard stream >= 0, stream < Int(ctx.pointee.nb_streams), let st = ctx.pointee.streams[stream] else {
                throw MediaError(.invalidArgument, "\(path) has no stream #\(stream)")
            }
            SubtitleCanvas.stateWhereMissing(in: ctx)
            for i in 0..<Int(ctx.pointee.nb_streams) where i != stream { ctx.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL }
            streamTimeBase = st.pointee.time_base
            decoder = try SubtitleReencoder.openDecoder(for: StreamInfo(st), options: options)
            if st.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_DVB_SUBTITLE { drawnOn = .dvbDefault }
            // A file of its own: the first event now, so that one that holds no readable
            // subtitles is refused before anything is written (the input's own stream is read
            // already, and its first event may lie far into it).
            if separate {
                if let first = try read() {
                    pending.append(first)
                } else if !forcedOnly {
                    throw MediaError(.notMedia, "--burn-subtitles: \(SubtitleSourceFile.given(path)) holds no subtitles that can be read")
                }
            }
        }
    }

    deinit {
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    var codec: AVCodecID { decoder?.pointee.codec_id ?? AV_CODEC_ID_NONE }

    /// The decoder's ASS header (text: the styles events refer to), if any.
    var header: [CChar]? {
        guard let dec = decoder, let header = dec.pointee.subtitle_header, dec.pointee.subtitle_header_size > 0 else { return nil }
        return UnsafeRawBufferPointer(start: header, count: Int(dec.pointee.subtitle_header_size)).map { CChar(bitPattern: $0) }
    }

    /// A packet of the stream, handed over as it is read (`.packets`): its event is queued.
    func take(_ packet: UnsafeMutablePointer<AVPacket>) {
        if let event = decoded(packet) { pending.append(event) }
    }

    /// The next event that starts by `time` (in the reader's time base), in order; nil when
    /// the next starts later, or none is left (or handed over yet). Times asked for must not go
    /// back.
    func next(startingBy time: Int64) throws -> Event? {
        if !started {
            started = true
            seek(near: time)
        }
        if pending.isEmpty, format != nil, !ended, let event = try read() { pending.append(event) }
        guard let first = pending.first, first.timing.start <= time else { return nil }
        return pending.removeFirst().event
    }

    /// How far before the first time asked for the stream is sought: an event shown for
    /// longer before it is missed.
    static var lookBack: Double { 30 }

    /// Far into the stream (`--start`, a still from the middle of a film), the file is sought
    /// to shortly before `time`, not read from its start to there.
    private func seek(near time: Int64) {
        guard let ctx = format, let dec = decoder else { return }
        let target = av_rescale_q(time, timeBase, AVRational(num: 1, den: AV_TIME_BASE)) - Int64(Self.lookBack * Double(AV_TIME_BASE))
        let start = ctx.pointee.start_time == clarity_nopts_value() ? 0 : ctx.pointee.start_time
        let read = pending.first.map { av_rescale_q($0.timing.start, timeBase, AVRational(num: 1, den: AV_TIME_BASE)) } ?? start
        guard target > read, avformat_seek_file(ctx, -1, Int64.min, target, target, 0) >= 0 else { return }
        avcodec_flush_buffers(dec)
        (pending, ended) = ([], false)
    }

    /// The file's next decoded event; nil at its end.
    private func read() throws -> (timing: Timing, event: Event)? {
        guard let ctx = format else { return nil }
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let p = packet else { throw MediaError(.codec, "cannot allocate a packet") }
        while true {
            let r = av_read_frame(ctx, p)
            if r == clarity_averror_eof() {
                ended = true
                return nil
            }
            guard r >= 0 else {
                // Damage after the first event ends the subtitles, as a cut file ends them.
                guard events == 0 else {
                    (ended, damage) = (true, SubtitleDamage(reason: MediaError.text(r), before: events))
                    return nil
                }
                throw MediaError.ffmpeg(r, "--burn-subtitles: cannot read the subtitles of \(path.map(SubtitleSourceFile.given) ?? "the input")", kind: .notMedia)
            }
            defer { av_packet_unref(p) }
            guard p.pointee.stream_index == stream else { continue }
            try converter?.convert(p)
            if let event = decoded(p) { return event }
        }
    }

    /// The event `packet` of the stream completes, if any.
    private func decoded(_ packet: UnsafeMutablePointer<AVPacket>) -> (timing: Timing, event: Event)? {
        guard let dec = decoder else { return nil }
        let pts = packet.pointee.pts != clarity_nopts_value() ? packet.pointee.pts : packet.pointee.dts
        guard pts != clarity_nopts_value() else { return nil }
        if drawnOn != nil, let stated = SubtitleCanvas.statedByDVB(packet.pointee) { drawnOn = stated }
        var subtitle = AVSubtitle()
        var got: Int32 = 0
        // A packet the decoder refuses is passed over, as a player does.
        guard avcodec_decode_subtitle2(dec, &subtitle, &got, packet) >= 0, got != 0 else { return nil }
        defer { avsubtitle_free(&subtitle) }
        let canvas = drawnOn ?? SubtitleCanvas(width: Int(dec.pointee.width), height: Int(dec.pointee.height))
        let at = av_rescale_q(pts, streamTimeBase, timeBase)
        let ms = { (n: UInt32) in av_rescale_q(Int64(n), AVRational(num: 1, den: 1000), self.timeBase) }
        let statedEnd = [0, UInt32.max].contains(subtitle.end_display_time) ? nil : at + ms(subtitle.end_display_time)
        events += 1
        let timing = Timing(start: at + ms(subtitle.start_display_time), statedEnd: statedEnd, canvas: canvas, serial: events)
        return (timing, make(subtitle, timing))
    }
}
