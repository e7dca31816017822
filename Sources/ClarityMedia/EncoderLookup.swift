import CFFmpeg

/// FFmpeg's encoders as users name them (`--codec`, `--audio-codec`): by an encoder's name or,
/// as ffmpeg's `-c` takes it, a codec's; a name that is neither is refused with what it likely
/// meant, and an encoder FFmpeg has only as an experiment with one that is not.
enum EncoderLookup {
    /// The encoder `name` names: an encoder of that name, else the codec's usual encoder
    /// (`hevc`: libx265, `mp3`: libmp3lame, `av1`: libaom-av1); nil for neither.
    static func find(_ name: String) -> UnsafePointer<AVCodec>? {
        if let byName = avcodec_find_encoder_by_name(name) { return byName }
        return avcodec_descriptor_get_by_name(name).flatMap { avcodec_find_encoder($0.pointee.id) }
    }

    /// `find(name)`, or a refusal (64) naming the software encoders of `type` it is likely to
    /// mean: those whose names hold it (`x265`: libx265) and the usual encoders of codecs it
    /// is a word of the name of (`h265`: libx265, as FFmpeg calls H.265 HEVC).
    static func encoder(_ name: String, of type: AVMediaType) throws -> UnsafePointer<AVCodec> {
        if let found = find(name) { return found }
        let letters = { (text: String) in text.lowercased().filter { $0.isLetter || $0.isNumber } }
        let asked = letters(name)
        // A GPU's encoders need a machine that has one.
        let unsuggested = AV_CODEC_CAP_EXPERIMENTAL | AV_CODEC_CAP_HARDWARE | AV_CODEC_CAP_HYBRID
        var iterator: UnsafeMutableRawPointer?
        var meant: [String] = []
        while asked.count >= 3, let c = av_codec_iterate(&iterator) {
            guard av_codec_is_encoder(c) != 0, c.pointee.type == type, c.pointee.capabilities & unsuggested == 0,
                  let descriptor = avcodec_descriptor_get(c.pointee.id), let usual = avcodec_find_encoder(c.pointee.id) else { continue }
            let codecWords = (String(cString: descriptor.pointee.name) + " " + String(cString: descriptor.pointee.long_name))
                .split(whereSeparator: { " /()".contains($0) }).map { letters(String($0)) }
            let match = letters(String(cString: c.pointee.name)).contains(asked) ? c : codecWords.contains(asked) ? usual : nil
            if let encoder = match.map({ String(cString: $0.pointee.name) }), !meant.contains(encoder) { meant.append(encoder) }
        }
        let kind = type == AVMEDIA_TYPE_AUDIO ? "audio encoder" : "encoder"
        let examples = type == AVMEDIA_TYPE_AUDIO ? ": aac, libopus, flac, ac3, ..." : ""
        let guess = meant.isEmpty ? "" : "did you mean \(meant.prefix(3).joined(separator: " or "))? "
        throw MediaError(.invalidArgument, "unknown \(kind) '\(name)' (\(guess)see `ffmpeg -encoders`\(examples))")
    }

    /// FFmpeg's encoders of `codec` that are not experiments (libx264 and libx264rgb for H.264).
    static func encoders(of codec: AVCodecID) -> [String] {
        var iterator: UnsafeMutableRawPointer?
        var names: [String] = []
        while let c = av_codec_iterate(&iterator) {
            if av_codec_is_encoder(c) != 0 && c.pointee.id == codec && c.pointee.capabilities & AV_CODEC_CAP_EXPERIMENTAL == 0 {
                names.append(String(cString: c.pointee.name))
            }
        }
        return names
    }

    /// Refuses (64) an encoder FFmpeg has only as an experiment (`opus`, `vorbis`, `truehd`,
    /// `dca`: "add '-strict -2'"), naming one of the same codec that is not, where there is.
    /// They failed once the run had started, with exit 1.
    static func refuseExperimental(_ codec: UnsafePointer<AVCodec>) throws {
        guard codec.pointee.capabilities & AV_CODEC_CAP_EXPERIMENTAL != 0 else { return }
        let other = encoders(of: codec.pointee.id).first
        let name = String(cString: codec.pointee.name)
        throw MediaError(.invalidArgument, "FFmpeg has the \(name) encoder only as an experiment, whose output may not play"
                         + (other.map { "; use \($0)" } ?? ""))
    }
}
