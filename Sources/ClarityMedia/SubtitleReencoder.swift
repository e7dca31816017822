import CFFmpeg

/// A subtitle stream the output container cannot hold as it is, decoded and encoded again in
/// a format of the same kind that it holds: text (SubRip, ASS into MP4) as the container's
/// text format (mov_text), cue for cue as ffmpeg converts it; pictures (Blu-ray's PGS, DVB)
/// as DVD subtitles. A picture is written once its end is known: PGS states no end, only a
/// later event that replaces or clears the picture, and MP4 needs each sample's duration.
final class SubtitleReencoder {
    /// The encoder's settings, for the output stream's parameters.
    let encoder: UnsafeMutablePointer<AVCodecContext>
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private let pictures: Bool
    /// The picture on screen and its time, held until the event that ends it.
    private var shown: (subtitle: AVSubtitle, pts: Int64)?
    /// DVB only: the canvas its pictures are drawn on (720x576 until a display definition
    /// says otherwise), scaled onto the encoder's, `canvas`.
    private var drawnOn: SubtitleCanvas?
    private let canvas: SubtitleCanvas

    /// How long the last picture stays when nothing ends it, in milliseconds.
    static let openEndedMilliseconds: Int64 = 5000

    /// Whether the subtitles of `codec` are text, pictures, or neither (nil).
    static func holdsText(_ codec: AVCodecID) -> Bool? {
        guard let props = avcodec_descriptor_get(codec)?.pointee.props else { return nil }
        if (props & AV_CODEC_PROP_TEXT_SUB) != 0 { return true }
        return (props & AV_CODEC_PROP_BITMAP_SUB) != 0 ? false : nil
    }

    /// Whether this class can carry `input` into a container whose subtitle codec is `target`:
    /// text into text, pictures into pictures (pictures cannot become text, nor text pictures),
    /// and pictures only on a canvas of known size (the DVD encoder places pictures on it from
    /// the start; the reader gives DVB's, unstated until decoded, the video's: `SubtitleCanvas`).
    static func converts(_ input: StreamInfo, to target: AVCodecID) -> Bool {
        let p = input.parameters.pointee
        guard target != AV_CODEC_ID_NONE, let kind = holdsText(p.codec_id) else { return false }
        return holdsText(target) == kind && avcodec_find_encoder(target) != nil && (kind || (p.width > 0 && p.height > 0))
    }

    /// `globalHeader`: the container wants the codec's set-up out of band (MP4).
    init(_ input: StreamInfo, to target: AVCodecID, globalHeader: Bool) throws {
        guard let encoding = avcodec_find_encoder(target) else {
            throw MediaError(.unsupported, "cannot convert subtitle stream #\(input.index): no \(String(cString: avcodec_get_name(target))) encoder")
        }
        pictures = Self.holdsText(target) == false
        let dec = try Self.openDecoder(for: input)
        decoder = dec
        encoder = avcodec_alloc_context3(encoding)!
        // The decoder's ASS header (styles) is what the text encoders start from.
        if let header = dec.pointee.subtitle_header, dec.pointee.subtitle_header_size > 0 {
            let size = Int(dec.pointee.subtitle_header_size)
            encoder.pointee.subtitle_header = av_mallocz(size + 1)?.assumingMemoryBound(to: UInt8.self)
            encoder.pointee.subtitle_header?.update(from: header, count: size)
            encoder.pointee.subtitle_header_size = Int32(size)
        }
        // The pictures' canvas (the video's size, as the input states it).
        encoder.pointee.width = input.parameters.pointee.width
        encoder.pointee.height = input.parameters.pointee.height
        encoder.pointee.time_base = input.timeBase
        if globalHeader { encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        let r = avcodec_open2(encoder, encoding, nil)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot open the subtitle encoder for stream #\(input.index)") }
        canvas = SubtitleCanvas(width: Int(encoder.pointee.width), height: Int(encoder.pointee.height))
        if input.codecID == AV_CODEC_ID_DVB_SUBTITLE { drawnOn = .dvbDefault }
    }

    deinit {
        if var s = shown?.subtitle { avsubtitle_free(&s) }
        avcodec_free_context(&decoder)
        var e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&e)
    }

    /// The converted packets of `input` (timestamps in the encoder's time base, which is the
    /// input's): text at once, a picture when the next event ends it; at the end (nil), the
    /// picture still on screen.
    func packets(for input: UnsafeMutablePointer<AVPacket>?) throws -> [Packet] {
        guard let dec = decoder else { return [] }
        guard let input else { return try endShown(at: nil) }
        var subtitle = AVSubtitle()
        var got: Int32 = 0
        let pts = input.pointee.pts != Int64.min ? input.pointee.pts : input.pointee.dts
        if drawnOn != nil, let stated = SubtitleCanvas.statedByDVB(input.pointee) { drawnOn = stated }
        guard avcodec_decode_subtitle2(dec, &subtitle, &got, input) >= 0, got != 0 else { return [] }
        drawnOn?.scale(&subtitle, onto: canvas)
        guard pictures else {
            defer { avsubtitle_free(&subtitle) }
            let duration = input.pointee.duration > 0 ? input.pointee.duration : milliseconds(Int64(subtitle.end_display_time))
            return try encode(&subtitle, at: pts, lasting: duration).map { [$0] } ?? []
        }
        guard pts != Int64.min else {
            avsubtitle_free(&subtitle)
            return []
        }
        let ended = try endShown(at: pts)
        if subtitle.num_rects > 0 { shown = (subtitle, pts) } else { avsubtitle_free(&subtitle) }
        return ended
    }

    /// Writes the picture on screen, ended by an event at `next` (nil: the stream's end), or
    /// earlier where the picture states its own end (DVB's time-out).
    private func endShown(at next: Int64?) throws -> [Packet] {
        guard let (held, pts) = shown else { return [] }
        shown = nil
        var subtitle = held
        defer { avsubtitle_free(&subtitle) }
        let stated = [0, UInt32.max].contains(subtitle.end_display_time) ? nil : milliseconds(Int64(subtitle.end_display_time))
        let gap = next.map { $0 - pts }
        let duration = [stated, gap].compactMap { $0 }.min() ?? milliseconds(Self.openEndedMilliseconds)
        guard duration > 0 else { return [] }
        return try encode(&subtitle, at: pts, lasting: duration).map { [$0] } ?? []
    }

    /// `ms` milliseconds in the encoder's time base.
    private func milliseconds(_ ms: Int64) -> Int64 {
        av_rescale_q(ms, AVRational(num: 1, den: 1000), encoder.pointee.time_base)
    }

    /// One packet of `subtitle`, shown from `pts` for `duration` (both in the encoder's time
    /// base); nil when the encoder makes nothing of it.
    private func encode(_ subtitle: inout AVSubtitle, at pts: Int64, lasting duration: Int64) throws -> Packet? {
        // The encoders take the display window from the subtitle, starting at its packet.
        let start = milliseconds(Int64(subtitle.start_display_time))
        let tb = encoder.pointee.time_base
        subtitle.end_display_time = UInt32(clamping: av_rescale_q(max(duration - start, 0), tb, AVRational(num: 1, den: 1000)))
        subtitle.start_display_time = 0
        let size = avcodec_encode_subtitle(encoder, &buffer, Int32(buffer.count), &subtitle)
        guard size > 0 else { return nil }
        var out: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&out) }
        guard let p = out, av_new_packet(p, size) >= 0 else { throw MediaError(.codec, "cannot allocate a subtitle packet") }
        p.pointee.data.update(from: buffer, count: Int(size))
        p.pointee.pts = pts + start
        p.pointee.dts = p.pointee.pts
        p.pointee.duration = duration - start
        return Packet(movingFrom: p)
    }
}

extension SubtitleReencoder: StreamReencoder {}
