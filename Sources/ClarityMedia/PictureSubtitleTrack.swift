import CFFmpeg

/// A stream of subtitles drawn as pictures (Blu-ray's PGS, DVD, DVB), read from its file
/// alongside the video, or handed over packet by packet where the input cannot be read twice,
/// and asked, frame after frame, which picture is on screen. Each event replaces the screen:
/// PGS states no end, only a later event that clears or replaces the picture; DVD and DVB may
/// state one. A file is read ahead only as far as the first event after the frame asked for.
final class PictureSubtitleTrack {
    /// One event: a picture on its canvas from `start` (no pixels: the screen cleared).
    struct Picture {
        /// Times in the track's time base.
        let start: Int64
        /// The end the event states, if any.
        let statedEnd: Int64?
        let canvas: SubtitleCanvas
        /// Where the pixels lie on the canvas.
        let x: Int, y: Int, width: Int, height: Int
        /// Premultiplied RGBA, 0...1, row by row; empty when the event clears the screen.
        let pixels: [Float]
        /// Tells events apart (for what is made of one picture and kept).
        let serial: Int
    }

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let stream: Int32
    /// The file read; nil where the stream's packets are handed over (`take`).
    private let path: String?
    /// Events handed over and not yet asked for.
    private var handed: [Picture] = []
    private let colour: ((SIMD3<Float>) -> SIMD3<Float>)?
    private let streamTimeBase: AVRational
    let timeBase: AVRational
    /// DVB only: the canvas its display definitions state (720x576 until one does).
    private var drawnOn: SubtitleCanvas?
    private var current: Picture?
    private var upcoming: Picture?
    private var ended = false
    /// Whether a picture was asked for yet (the first may seek).
    private var started = false
    private var events = 0

    /// `subtitles`' stream, with times given in `timeBase`; only the pictures marked forced
    /// where it says so (PGS, DVD). `colour` takes the palettes' colours (RGB, 0...1) to those
    /// the pictures are drawn in.
    init(_ subtitles: SubtitleBurn.PictureSubtitles, timeBase: AVRational, colour: ((SIMD3<Float>) -> SIMD3<Float>)? = nil) throws {
        self.colour = colour
        self.timeBase = timeBase
        let options = subtitles.forcedOnly ? ["forced_subs_only": "1"] : [:]
        switch subtitles.origin {
        case .packets(let input):
            (path, stream, streamTimeBase) = (nil, Int32(input.index), input.timeBase)
            decoder = try SubtitleReencoder.openDecoder(for: input, options: options)
            if input.parameters.pointee.codec_id == AV_CODEC_ID_DVB_SUBTITLE { drawnOn = .dvbDefault }
        case .file(let path, let stream, let separate):
            (self.path, self.stream) = (path, Int32(stream))
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
            if separate { upcoming = try nextEvent() }
        }
    }

    /// A packet of the stream, handed over as it is read (`.packets`): its event is queued.
    func take(_ packet: UnsafeMutablePointer<AVPacket>) {
        if let event = decoded(packet) { handed.append(event) }
    }

    deinit {
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    /// The picture on screen at `time` (the track's time base), nil for none. Times asked
    /// for must not go back.
    func picture(at time: Int64) throws -> Picture? {
        if !started {
            started = true
            seek(near: time)
        }
        while true {
            if upcoming == nil && !ended { upcoming = try nextEvent() }
            guard let next = upcoming, next.start <= time else { break }
            (current, upcoming) = (next, nil)
        }
        guard let shown = current, !shown.pixels.isEmpty else { return nil }
        // With no later event, a picture that states no end stays as long as the re-encoded
        // stream would show it.
        let openEnd = ended ? shown.start + av_rescale_q(SubtitleReencoder.openEndedMilliseconds, AVRational(num: 1, den: 1000), timeBase) : nil
        let end = [shown.statedEnd, openEnd].compactMap { $0 }.min()
        return end.map { time < $0 } ?? true ? shown : nil
    }

    /// How far before the first frame asked for the stream is sought: a picture shown for
    /// longer before it is missed.
    static let lookBack = 30.0

    /// Far into the stream (`--start`, a still from the middle of a film), the file is sought
    /// to shortly before `time`, not read from its start to there.
    private func seek(near time: Int64) {
        guard let ctx = format, let dec = decoder else { return }
        let target = av_rescale_q(time, timeBase, AVRational(num: 1, den: AV_TIME_BASE)) - Int64(Self.lookBack * Double(AV_TIME_BASE))
        let start = ctx.pointee.start_time == clarity_nopts_value() ? 0 : ctx.pointee.start_time
        let read = upcoming.map { av_rescale_q($0.start, timeBase, AVRational(num: 1, den: AV_TIME_BASE)) } ?? start
        guard target > read, avformat_seek_file(ctx, -1, Int64.min, target, target, 0) >= 0 else { return }
        avcodec_flush_buffers(dec)
        (current, upcoming, ended) = (nil, nil, false)
    }

    /// The next decoded event of the stream; nil at its end, or, where packets are handed
    /// over, until one comes.
    private func nextEvent() throws -> Picture? {
        guard let ctx = format else { return handed.isEmpty ? nil : handed.removeFirst() }
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
                    ended = true
                    return nil
                }
                throw MediaError.ffmpeg(r, "--burn-subtitles: cannot read the subtitles of \(path ?? "the input")", kind: .inputUnreadable)
            }
            defer { av_packet_unref(p) }
            if p.pointee.stream_index == stream, let event = decoded(p) { return event }
        }
    }

    /// The event `packet` of the stream completes, if any.
    private func decoded(_ packet: UnsafeMutablePointer<AVPacket>) -> Picture? {
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
        return picture(of: subtitle, on: canvas, from: at + ms(subtitle.start_display_time), statedEnd: statedEnd, serial: events)
    }

    /// `subtitle`'s rectangles, their palettes looked up, on one premultiplied RGBA picture
    /// that bounds them all.
    private func picture(of subtitle: AVSubtitle, on canvas: SubtitleCanvas, from start: Int64, statedEnd: Int64?, serial: Int) -> Picture {
        let all: [AVSubtitleRect] = (0..<Int(subtitle.num_rects)).compactMap { subtitle.rects[$0]?.pointee }
        let rects = all.filter { (r: AVSubtitleRect) -> Bool in
            r.type == SUBTITLE_BITMAP && r.w > 0 && r.h > 0 && r.data.0 != nil && r.data.1 != nil
        }
        guard !rects.isEmpty, canvas.width > 0, canvas.height > 0 else {
            return Picture(start: start, statedEnd: statedEnd, canvas: canvas, x: 0, y: 0, width: 0, height: 0, pixels: [], serial: serial)
        }
        let left = rects.map { Int($0.x) }.min()!, top = rects.map { Int($0.y) }.min()!
        let right = rects.map { Int($0.x) + Int($0.w) }.max()!, bottom = rects.map { Int($0.y) + Int($0.h) }.max()!
        let (width, height) = (right - left, bottom - top)
        var pixels = [Float](repeating: 0, count: width * height * 4)
        for rect in rects {
            // Palette entries are 32-bit ARGB in the machine's order (FFmpeg's RGB32).
            let entries = UnsafeRawPointer(rect.data.1!).assumingMemoryBound(to: UInt32.self)
            let colours: Int = max(1, min(256, Int(rect.nb_colors)))
            // Each entry as premultiplied RGBA in the colours drawn.
            let palette: [SIMD4<Float>] = (0..<colours).map { i in
                let argb = entries[i]
                let alpha = Float(argb >> 24) / 255
                let rgb = SIMD3(Float(argb >> 16 & 255), Float(argb >> 8 & 255), Float(argb & 255)) / 255
                let drawn = colour?(rgb) ?? rgb
                return SIMD4(drawn * alpha, alpha)
            }
            let (x, y, stride) = (Int(rect.x) - left, Int(rect.y) - top, Int(rect.linesize.0))
            for row in 0..<Int(rect.h) {
                let line = rect.data.0! + row * stride
                for column in 0..<Int(rect.w) {
                    let entry = palette[min(Int(line[column]), colours - 1)]
                    let at = ((y + row) * width + x + column) * 4
                    for k in 0..<4 { pixels[at + k] = entry[k] }
                }
            }
        }
        return Picture(start: start, statedEnd: statedEnd, canvas: canvas, x: left, y: top, width: width, height: height, pixels: pixels, serial: serial)
    }
}
