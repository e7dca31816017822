import CFFmpeg

/// ADTS AAC (MPEG-TS, `.aac`) copied into a container that keeps AAC's set-up in its header
/// and takes bare frames (Matroska, MP4). FFmpeg's muxers strip the ADTS headers themselves
/// (`aac_adtstoasc`) and write the set-up it finds in the first packet into the header after
/// the fact, which a pipe cannot do: Matroska refused ("Error parsing AAC extradata"), and
/// fragmented MP4 (a pipe, Smooth Streaming) stopped at the first packet ("Malformed AAC
/// bitstream detected", 74). ffmpeg fails alike.
final class ADTSCopy {
    /// ADTS's sampling frequency indices.
    private static let rates: [Int32] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    /// The AudioSpecificConfig an ADTS stream states in its headers (the two bytes
    /// `aac_adtstoasc` makes of the first), from what the reader found; nil where ADTS could
    /// not have stated it (an unknown profile, a rate of no index, channels laid out by a PCE).
    static func audioSpecificConfig(of p: AVCodecParameters) -> [UInt8]? {
        guard p.codec_id == AV_CODEC_ID_AAC else { return nil }
        // HE-AAC (SBR) and v2 (PS) are signalled implicitly in ADTS: an LC core at half the
        // rate, in mono for v2; the decoder reports what it makes of them.
        let spectral = [FF_PROFILE_AAC_HE, FF_PROFILE_AAC_HE_V2].contains(p.profile)
        let objectType: Int32
        switch p.profile {
        case FF_PROFILE_AAC_MAIN, FF_PROFILE_AAC_LOW, FF_PROFILE_AAC_SSR, FF_PROFILE_AAC_LTP: objectType = p.profile + 1
        case _ where spectral: objectType = 2
        default: return nil
        }
        let channels = p.profile == FF_PROFILE_AAC_HE_V2 ? 1 : p.ch_layout.nb_channels
        guard let rate = rates.firstIndex(of: spectral ? p.sample_rate / 2 : p.sample_rate),
              let configuration = (1...6).contains(channels) ? channels : channels == 8 ? 7 : nil else { return nil }
        let bits = Int(objectType) << 11 | rate << 7 | Int(configuration) << 3
        return [UInt8(bits >> 8), UInt8(bits & 0xFF)]
    }

    /// Gives a stream of AAC without a set-up (ADTS's) the one its headers state, for a header
    /// written once; whether it had none.
    @discardableResult
    static func giveConfig(to p: UnsafeMutablePointer<AVCodecParameters>) -> Bool {
        guard p.pointee.codec_id == AV_CODEC_ID_AAC, p.pointee.extradata_size == 0 else { return false }
        if let config = audioSpecificConfig(of: p.pointee),
           let bytes = av_mallocz(config.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) {
            bytes.update(from: config, count: config.count)
            p.pointee.extradata = bytes
            p.pointee.extradata_size = Int32(config.count)
        }
        return true
    }

    private var filter: UnsafeMutablePointer<AVBSFContext>?

    /// Strips the ADTS headers of `stream`'s packets, for a muxer that does not (fragmented MP4).
    init(_ stream: UnsafeMutablePointer<AVStream>) throws {
        guard let kind = av_bsf_get_by_name("aac_adtstoasc"), av_bsf_alloc(kind, &filter) >= 0, let f = filter else {
            throw MediaError(.codec, "cannot set up FFmpeg's aac_adtstoasc")
        }
        avcodec_parameters_copy(f.pointee.par_in, stream.pointee.codecpar)
        f.pointee.time_base_in = stream.pointee.time_base
        let r = av_bsf_init(f)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot set up FFmpeg's aac_adtstoasc") }
    }

    deinit { av_bsf_free(&filter) }

    /// `packet`'s frame without its ADTS header, in its place; FFmpeg's error for a damaged one.
    func strip(_ packet: UnsafeMutablePointer<AVPacket>) -> Int32 {
        let sent = av_bsf_send_packet(filter, packet)
        return sent < 0 ? sent : av_bsf_receive_packet(filter, packet)
    }
}
