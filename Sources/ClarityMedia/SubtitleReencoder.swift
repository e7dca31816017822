import CFFmpeg

/// A text subtitle stream the output container cannot hold as it is (SubRip or ASS into
/// MP4), decoded and encoded again in the container's own text format (MP4's mov_text), as
/// ffmpeg would: one packet in, one packet out, each keeping its time and duration.
final class SubtitleReencoder {
    /// The encoder's settings, for the output stream's parameters.
    let encoder: UnsafeMutablePointer<AVCodecContext>
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Whether `input` is text this class can carry into a container whose subtitle codec is
    /// `target` (bitmap subtitles cannot become text).
    static func converts(_ input: StreamInfo, to target: AVCodecID) -> Bool {
        guard target != AV_CODEC_ID_NONE, let d = avcodec_descriptor_get(input.parameters.pointee.codec_id),
              let e = avcodec_descriptor_get(target) else { return false }
        return (d.pointee.props & AV_CODEC_PROP_TEXT_SUB) != 0 && (e.pointee.props & AV_CODEC_PROP_TEXT_SUB) != 0
            && avcodec_find_encoder(target) != nil
    }

    /// `globalHeader`: the container wants the codec's set-up out of band (MP4).
    init(_ input: StreamInfo, to target: AVCodecID, globalHeader: Bool) throws {
        guard let encoding = avcodec_find_encoder(target) else {
            throw MediaError(.unsupported, "cannot convert subtitle stream #\(input.index): no \(String(cString: avcodec_get_name(target))) encoder")
        }
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
        encoder.pointee.time_base = input.timeBase
        if globalHeader { encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        let r = avcodec_open2(encoder, encoding, nil)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot open the subtitle encoder for stream #\(input.index)") }
    }

    deinit {
        avcodec_free_context(&decoder)
        var e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&e)
    }

    /// The converted packet of `input` (timestamps in the encoder's time base, which is the
    /// input's); none when it holds no text, and none at the end (nil).
    func packets(for input: UnsafeMutablePointer<AVPacket>?) throws -> [Packet] {
        guard let dec = decoder, let input else { return [] }
        var subtitle = AVSubtitle()
        var got: Int32 = 0
        guard avcodec_decode_subtitle2(dec, &subtitle, &got, input) >= 0, got != 0 else { return [] }
        defer { avsubtitle_free(&subtitle) }
        let size = avcodec_encode_subtitle(encoder, &buffer, Int32(buffer.count), &subtitle)
        guard size > 0 else { return [] }
        var out: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&out) }
        guard let p = out, av_new_packet(p, size) >= 0 else { throw MediaError(.codec, "cannot allocate a subtitle packet") }
        p.pointee.data.update(from: buffer, count: Int(size))
        p.pointee.pts = input.pointee.pts
        p.pointee.dts = input.pointee.pts
        p.pointee.duration = input.pointee.duration > 0 ? input.pointee.duration
            : av_rescale_q(Int64(subtitle.end_display_time), AVRational(num: 1, den: 1000), encoder.pointee.time_base)
        return [Packet(movingFrom: p)]
    }
}

extension SubtitleReencoder: StreamReencoder {}
