import CFFmpeg

/// Decodes a few frames of one stream of a file with a demuxer and decoder of its own, so
/// that the reader can look ahead (HDR metadata in the first frame, black bars across the
/// file, a run of frames for the telecine check) without disturbing what it hands out. Only
/// for inputs that can be opened again: files, not pipes, devices or network streams.
final class FrameSampler {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet = av_packet_alloc()
    private let index: Int

    /// Every stored property has its value before the first way out, so that a failure here
    /// still closes what was opened (in deinit).
    init?(_ file: SecondLook, stream index: Int) {
        self.index = index
        context = file.open()
        guard let ctx = context, index < Int(ctx.pointee.nb_streams),
              let stream = ctx.pointee.streams[index], let par = stream.pointee.codecpar,
              let codec = avcodec_find_decoder(par.pointee.codec_id) else { return nil }
        decoder = avcodec_alloc_context3(codec)
        guard let dec = decoder, packet != nil, avcodec_parameters_to_context(dec, par) >= 0 else { return nil }
        dec.pointee.pkt_timebase = stream.pointee.time_base
        dec.pointee.thread_count = 0  // every core: the run waits for this look ahead
        guard avcodec_open2(dec, codec, nil) >= 0 else { return nil }
    }

    deinit {
        av_packet_free(&packet)
        avcodec_free_context(&decoder)
        avformat_close_input(&context)
    }

    /// The next decoded frame, reading at most `packets` packets; nil at the end.
    func next(packets: Int = 500) -> VideoFrame? {
        guard let ctx = context, let dec = decoder, let packet, let frame = av_frame_alloc() else { return nil }
        let out = VideoFrame(owning: frame)
        for _ in 0..<packets {
            if avcodec_receive_frame(dec, frame) >= 0 { return out }
            let r = av_read_frame(ctx, packet)
            if r >= 0 && Int(packet.pointee.stream_index) != index {
                av_packet_unref(packet)
                continue
            }
            avcodec_send_packet(dec, r >= 0 ? packet : nil)
            av_packet_unref(packet)
            if r < 0 { return avcodec_receive_frame(dec, frame) >= 0 ? out : nil }
        }
        return nil
    }

    /// A frame near `seconds` from the file's start: the key frame at or before it (one
    /// frame to decode, not the run of frames up to the exact time).
    func frame(near seconds: Double) -> VideoFrame? {
        guard let ctx = context, let dec = decoder else { return nil }
        let origin = ctx.pointee.start_time == clarity_nopts_value() ? 0 : ctx.pointee.start_time
        let target = origin + Int64(seconds * 1e6)
        guard avformat_seek_file(ctx, -1, Int64.min, target, target, 0) >= 0 else { return nil }
        avcodec_flush_buffers(dec)
        return next()
    }
}
