import CFFmpeg
import Foundation

extension StreamInfo {
    /// Why this stream can be neither copied nor encoded again, said for a warning: its header
    /// names no codec FFmpeg knows, or sound no rate, or no decoder can start on it, in
    /// FFmpeg's words ("Setup header corrupt", "Extradata missing"). A copy carried such a
    /// header into an output where no player reads the stream (a Vorbis track with broken
    /// codebooks left an MP4 with no sound, and Matroska's writer refused the whole output);
    /// a stream of no codec stopped the run. Nil where the decoder starts, where FFmpeg has
    /// none for a codec it knows (the stream is copied unread), and where this FFmpeg lacks a
    /// feature the stream uses (other players may read it).
    public var headerFault: String? {
        if codecID == AV_CODEC_ID_NONE {
            return "its header names no codec FFmpeg \(String(cString: av_version_info())) knows (damaged, or a codec it lacks)"
        }
        // Sound whose rate FFmpeg could not learn (no packet of it where it looked: a stream that
        // begins part-way) stopped Matroska's writer at its header ("sample rate not set", 73).
        if kind == .audio && (parameters.pointee.sample_rate <= 0 || parameters.pointee.ch_layout.nb_channels <= 0) {
            return "FFmpeg found no packet of it to learn its sample rate and channels from (a stream that begins part-way, or holds nothing)"
        }
        guard let codec = avcodec_find_decoder(codecID) else { return nil }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let context, avcodec_parameters_to_context(context, parameters) >= 0 else { return nil }
        context.pointee.strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL
        context.pointee.thread_count = 1
        let opened = FFmpegLog.reasons { avcodec_open2(context, codec, nil) }
        guard opened.result < 0, Self.decoderRefusedDamage(opened.result) else { return nil }
        return "its header is damaged, so no player could read it (\(opened.reasons ?? MediaError.text(opened.result)))"
    }

    /// Whether a decoder that would not open on a stream's header refused damage, rather
    /// than lacked a feature this FFmpeg has not got (or memory).
    static func decoderRefusedDamage(_ code: Int32) -> Bool {
        ![clarity_averror_patchwelcome(), clarity_averror(ENOSYS), clarity_averror(ENOMEM)].contains(code)
    }
}
