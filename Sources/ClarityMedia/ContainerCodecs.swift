import CFFmpeg

/// Which codecs a container holds. FFmpeg's answer (`avformat_query_codec`) is the start, but
/// some muxers answer no for codecs they write (under a borrowed tag), some cannot answer, and
/// MPEG-TS writes anything, as data no one reads back.
enum ContainerCodecs {
    /// Whether `format` holds `codec`. Where Matroska or QuickTime answers no, it may still
    /// write the codec under a borrowed tag, as ffmpeg does (AVI's UtVideo; CineForm); other
    /// muxers mean no (RealMedia wrote H.264 tagged as RealVideo 2, image2 H.264 into `.png`
    /// files), AVI's aside, whose reader finds some untagged codecs by their headers. Some
    /// muxers cannot answer (MPEG-PS, MXF, y4m): then, if it has a default codec of that
    /// type, it is asked to write a header for such a stream (MPEG-PS has audio but takes no
    /// AAC). RoQ's writes any, as nothing reads back: it holds RoQ's own video and audio.
    /// MPEG-TS, which would write anything, holds the codecs it has stream types for, and so
    /// do HLS's segments (FLAC, Vorbis and PCM went into them as data no one reads back);
    /// MPEG-PS the video its readers find (VP9 and FFV1 read back as MP3, MJPEG as nothing).
    /// `container` names what the muxer writes where it has modes: `m2ts` for MPEG-TS's Blu-ray one.
    static func holds(_ format: UnsafePointer<AVOutputFormat>, _ codec: AVCodecID, _ type: AVMediaType, as container: String? = nil) -> Bool {
        let name = container ?? String(cString: format.pointee.name)
        // Attached files (fonts): only Matroska holds them, and its answer covers codecs only.
        if type == AVMEDIA_TYPE_ATTACHMENT { return name == "matroska" }
        if let listed = listedCodecs(name, type) { return listed.contains(codec) }
        if refusedCodecs[name]?.contains(codec) == true { return false }
        let answer = avformat_query_codec(format, codec, FF_COMPLIANCE_NORMAL)
        if answer == 1 { return true }
        if answer == 0 {
            if name == "avi" { return untaggedInAVI.contains(codec) }
            guard tagBorrowers.contains(name) else { return false }
        }
        if type == AVMEDIA_TYPE_VIDEO, soleVideoCodec(of: format) != nil { return false }
        let defaultCodec: AVCodecID
        switch type {
        case AVMEDIA_TYPE_VIDEO: defaultCodec = format.pointee.video_codec
        case AVMEDIA_TYPE_AUDIO: defaultCodec = format.pointee.audio_codec
        case AVMEDIA_TYPE_SUBTITLE: defaultCodec = format.pointee.subtitle_codec
        default: return false
        }
        // Pictures (image2) would write a header for anything, audio too.
        return defaultCodec != AV_CODEC_ID_NONE && starts(format, with: codec, type)
    }

    /// The one codec a muxer of video alone writes: of a bare elementary stream (`.hevc`,
    /// `.m2v`, `.obu`, `.h263`, `.yuv`) or of one picture format (FITS, multipart JPEG,
    /// filmstrip's raw frames, GIF); nil for any other. Such a muxer cannot say what it holds
    /// and many write whatever packets they are given: H.264 went into `out.hevc`, `out.m2v`
    /// and `out.fits` unnoticed. ICO, the one such muxer of pictures that holds two (PNG
    /// beside its BMP), says so when asked.
    static func soleVideoCodec(of format: UnsafePointer<AVOutputFormat>) -> AVCodecID? {
        let f = format.pointee
        let other = f.video_codec == AV_CODEC_ID_H264 ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264
        guard f.audio_codec == AV_CODEC_ID_NONE, f.subtitle_codec == AV_CODEC_ID_NONE,
              f.video_codec != AV_CODEC_ID_NONE, String(cString: f.name) != "ico",
              avformat_query_codec(format, other, FF_COMPLIANCE_NORMAL) == clarity_averror_patchwelcome() else { return nil }
        return f.video_codec
    }

    /// Whether `format` writes a bare stream, without timestamps (`.h264`, `.drc`): its
    /// readers take the frame rate the encoder codes, from its time base (x264's VUI, VC-2's
    /// header), so that 1/12800 was read as 12800 fps.
    static func writesBareStream(_ format: UnsafePointer<AVOutputFormat>) -> Bool {
        soleVideoCodec(of: format) != nil && format.pointee.flags & AVFMT_NOTIMESTAMPS != 0
    }

    /// Whether `format` is a format of audio (`.mp3`, `.wav`, `.flac`): its one video is a
    /// cover picture, if any.
    static func holdsAudioAlone(_ format: UnsafePointer<AVOutputFormat>) -> Bool {
        let f = format.pointee
        return f.audio_codec != AV_CODEC_ID_NONE && [AV_CODEC_ID_NONE, AV_CODEC_ID_PNG].contains(f.video_codec)
    }

    /// Codecs a muxer says it holds but refuses once it starts (FFmpeg 5.1): MP4 takes FLAC and
    /// TrueHD only as an experiment ("add '-strict -2'"); QuickTime and movenc's other modes
    /// (Smooth Streaming, PSP) these, Opus, VP9 and AV1 not at all ("only supported in MP4");
    /// FLV no MPEG-4 or H.263 ("not supported in the official FLV specification"); Matroska
    /// no RealVideo 1 and 2 or RealAudio ("does not yet support muxing"); QuickTime no VP8
    /// ("VP8 muxing is currently not supported") or Microsoft's and IMA's ADPCM ("not yet
    /// implemented", at the first packet); MXF no ProRes (EPERM at the first frame).
    /// And some it writes as nothing reads them: QuickTime Animation in Matroska (no bit
    /// depth: "Unsupported colorspace"), G.726 in NUT (no bits per sample), WMA in NUT and
    /// QuickTime (no block size: "block_align is not set"), DFPWM in QuickTime (undecodable),
    /// FLAC in ASF and WTV (its frames timed together, most at one time), GIF in Matroska
    /// (read back as one frame), PNG in SWF; in WTV MJPEG, Ut Video and Theora (and raw
    /// frames, refused at the header), and AAC, read back a fraction as long.
    private static let refusedCodecs: [String: Set<AVCodecID>] = {
        let mp4Only: Set = [AV_CODEC_ID_FLAC, AV_CODEC_ID_TRUEHD, AV_CODEC_ID_OPUS, AV_CODEC_ID_VP9, AV_CODEC_ID_AV1, AV_CODEC_ID_VP8]
        // Decoders that need the packets' block size, which NUT and QuickTime do not keep.
        let blockSized: Set = [AV_CODEC_ID_WMAV1, AV_CODEC_ID_WMAV2, AV_CODEC_ID_WMAPRO, AV_CODEC_ID_WMAVOICE, AV_CODEC_ID_WMALOSSLESS]
        let mov = mp4Only.union(blockSized).union([AV_CODEC_ID_ADPCM_MS, AV_CODEC_ID_ADPCM_IMA_WAV, AV_CODEC_ID_DFPWM])
        return ["mp4": [AV_CODEC_ID_FLAC, AV_CODEC_ID_TRUEHD], "mov": mov, "ismv": mp4Only, "psp": mp4Only,
                "flv": [AV_CODEC_ID_MPEG4, AV_CODEC_ID_H263],
                "matroska": [AV_CODEC_ID_RV10, AV_CODEC_ID_RV20, AV_CODEC_ID_COOK, AV_CODEC_ID_ATRAC3, AV_CODEC_ID_RA_288, AV_CODEC_ID_SIPR,
                             AV_CODEC_ID_QTRLE, AV_CODEC_ID_GIF],
                "mxf": [AV_CODEC_ID_PRORES], "nut": blockSized.union([AV_CODEC_ID_ADPCM_G726]), "swf": [AV_CODEC_ID_PNG],
                "wtv": [AV_CODEC_ID_MJPEG, AV_CODEC_ID_UTVIDEO, AV_CODEC_ID_THEORA, AV_CODEC_ID_RAWVIDEO, AV_CODEC_ID_AAC, AV_CODEC_ID_FLAC],
                "asf": [AV_CODEC_ID_FLAC], "asf_stream": [AV_CODEC_ID_FLAC]]
    }()

    /// Muxers that write codecs they have no tag of their own for under another's: Matroska
    /// AVI's (`V_MS/VFW/FOURCC`), QuickTime those of its family's other formats.
    private static let tagBorrowers: Set = ["matroska", "mov"]

    /// Codecs AVI has no tag for that FFmpeg's AVI reader finds by their headers: HEVC (written
    /// under `HEVC`), ProRes, DNxHD, HAP and some pictures. Any other untagged went in as data
    /// nothing reads back (GIF, TIFF, RealVideo, QOI, ...: 22 of FFmpeg's encoders).
    private static let untaggedInAVI: Set<AVCodecID> = [
        AV_CODEC_ID_HEVC, AV_CODEC_ID_PRORES, AV_CODEC_ID_DNXHD, AV_CODEC_ID_HAP, AV_CODEC_ID_AVRP, AV_CODEC_ID_SMC,
        AV_CODEC_ID_BMP, AV_CODEC_ID_EXR, AV_CODEC_ID_FITS, AV_CODEC_ID_PAM, AV_CODEC_ID_PFM, AV_CODEC_ID_PHM, AV_CODEC_ID_PPM,
        AV_CODEC_ID_XWD,
    ]

    /// The sample rates the muxer `name` takes for `codec` audio; nil where any will do. MXF
    /// and GXF take 48 kHz alone, the broadcast rate ("only 48khz is implemented"), RoQ
    /// 22.05 kHz ("Audio must be 22050 Hz"); FLV's
    /// header codes 44.1, 22.05 and 11.025 kHz (MP3 at 48 too), except for AAC, whose own
    /// header says more, and Nellymoser's, G.711's and Speex's, which have one of their own
    /// (G.711 at 44.1 kHz read back five times as long, taken for 8).
    static func audioSampleRates(of name: String, codec: AVCodecID) -> [Int32]? {
        if ["mxf", "mxf_d10", "mxf_opatom", "gxf"].contains(name) { return [48000] }
        if name == "roq" { return [22050] }
        guard name == "flv", ![AV_CODEC_ID_AAC, AV_CODEC_ID_NELLYMOSER].contains(codec) else { return nil }
        if [AV_CODEC_ID_PCM_ALAW, AV_CODEC_ID_PCM_MULAW].contains(codec) { return [8000] }
        if codec == AV_CODEC_ID_SPEEX { return [16000] }
        return [44100, 22050, 11025] + (codec == AV_CODEC_ID_MP3 ? [48000] : [])
    }

    /// The pixel formats the muxer `name` takes frames of `codec` in, where it limits them
    /// itself; nil where the encoder's say. y4m's frames come from an encoder that takes any
    /// ("yuv4mpeg can only handle ..."): its deep formats are an extension its readers take;
    /// its alpha (`C444alpha`) they do not, so transparency is dropped there, with a warning,
    /// and `--pix-fmt yuva444p` is refused. QuickTime's raw frames are those it has tags for
    /// (yuv420p was written untagged and not read back; yuv444p read back as RGB). Filmstrip's
    /// raw frames are RGBA ("only AV_PIX_FMT_RGBA is supported", at the header).
    static func pixelFormats(of name: String, codec: String) -> [AVPixelFormat]? {
        if name == "filmstrip" { return [AV_PIX_FMT_RGBA] }
        if name == "mov" && codec == "rawvideo" {
            let tagged: [String] = ["uyvy422", "yuyv422", "rgb24", "bgr24", "argb", "bgra", "rgba", "abgr", "rgb48be", "gray16be", "rgb555be",
                                    "rgb565be"]
            return tagged.map { av_get_pix_fmt($0) }
        }
        guard name == "yuv4mpegpipe" else { return nil }
        let deep = [9, 10, 12, 14, 16].flatMap { bits in ["yuv420p", "yuv422p", "yuv444p"].map { "\($0)\(bits)" } }
        return (["yuv420p", "yuv422p", "yuv444p", "yuv411p", "gray"] + deep + ["gray9", "gray10", "gray12", "gray16"]).map { av_get_pix_fmt($0) }
    }

    /// The most channels the muxer `name` holds of `codec` audio; nil where any will do. FLV's
    /// header codes mono or stereo, except for AAC, whose own header says more: FFmpeg wrote
    /// 5.1 PCM there as stereo, read back as noise three times as long. RoQ's audio is mono
    /// or stereo.
    static func audioChannels(of name: String, codec: AVCodecID) -> Int32? {
        (name == "flv" && codec != AV_CODEC_ID_AAC) || name == "roq" ? 2 : nil
    }

    /// Whether the muxer `name` holds `codec` audio of `channels` channels at `rate` as it is:
    /// at a rate it takes (`audioSampleRates`; FFmpeg refused PCM at 32 kHz in FLV once the
    /// video was set up), and no more channels than it holds (`audioChannels`).
    static func holdsAudio(in name: String, codec: AVCodecID, channels: Int32, rate: Int32) -> Bool {
        if let rates = audioSampleRates(of: name, codec: codec), !rates.contains(rate) { return false }
        return channels <= audioChannels(of: name, codec: codec) ?? channels
    }

    /// Whether the muxer `name` holds one audio stream at most (FLV: "at most one audio stream").
    static func holdsOneAudioStream(_ name: String) -> Bool { name == "flv" }

    /// What the muxer `name` holds of `type`, where it writes anything it is given (nil: ask
    /// it). HLS cuts MPEG-TS segments; its subtitles go beside them, in WebVTT. Blu-ray's
    /// MPEG-TS (m2ts) gives each stream a PID of its kind's range: of subtitles, Blu-ray's own
    /// (PGS, which a plain MPEG-TS writes as data no one reads back); it refused DVB's and
    /// teletext ("Cannot automatically assign PID"). RTP carries one stream a session ("Only
    /// one stream supported in the RTP muxer"): the video.
    private static func listedCodecs(_ name: String, _ type: AVMediaType) -> Set<AVCodecID>? {
        switch name {
        case "mpegts": return transportStreamCodecs
        case "m2ts": return type == AVMEDIA_TYPE_SUBTITLE ? [AV_CODEC_ID_HDMV_PGS_SUBTITLE, AV_CODEC_ID_HDMV_TEXT_SUBTITLE]
            : transportStreamCodecs.filter { avcodec_get_type($0) == type }
        case "hls" where type != AVMEDIA_TYPE_SUBTITLE: return transportStreamCodecs
        case _ where programStreamMuxers.contains(name) && type == AVMEDIA_TYPE_VIDEO: return programStreamVideo
        case "roq": return [AV_CODEC_ID_ROQ, AV_CODEC_ID_ROQ_DPCM]
        case "rtp" where type != AVMEDIA_TYPE_VIDEO: return []
        default: return nil
        }
    }

    /// FFmpeg's muxers of MPEG program streams (`.mpg`, `.vob`, DVD, SVCD, VCD).
    private static let programStreamMuxers: Set = ["mpeg", "vob", "dvd", "svcd", "vcd"]

    /// The video MPEG-PS readers find: MPEG-1, MPEG-2, MPEG-4 Part 2, H.264 and HEVC.
    private static let programStreamVideo: Set<AVCodecID> = [AV_CODEC_ID_MPEG1VIDEO, AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_ID_MPEG4,
                                                             AV_CODEC_ID_H264, AV_CODEC_ID_HEVC]

    /// The codecs MPEG-TS has stream types for. It writes any other as private data, which
    /// players and FFmpeg itself do not read back ("may not be recognized upon reading").
    private static let transportStreamCodecs: Set<AVCodecID> = [
        AV_CODEC_ID_MPEG1VIDEO, AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_ID_MPEG4, AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_CAVS,
        AV_CODEC_ID_AVS2, AV_CODEC_ID_AVS3, AV_CODEC_ID_DIRAC, AV_CODEC_ID_VC1,
        AV_CODEC_ID_MP2, AV_CODEC_ID_MP3, AV_CODEC_ID_AAC, AV_CODEC_ID_AAC_LATM, AV_CODEC_ID_AC3, AV_CODEC_ID_EAC3, AV_CODEC_ID_DTS,
        AV_CODEC_ID_TRUEHD, AV_CODEC_ID_OPUS, AV_CODEC_ID_S302M,
        AV_CODEC_ID_DVB_SUBTITLE, AV_CODEC_ID_DVB_TELETEXT,
    ]

    /// Whether `format`'s muxer writes its header for one stream of `codec` (16x16 4:2:0
    /// video at 25 fps, stereo 48 kHz audio), into memory.
    private static func starts(_ format: UnsafePointer<AVOutputFormat>, with codec: AVCodecID, _ type: AVMediaType) -> Bool {
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var pb: UnsafeMutablePointer<AVIOContext>?
        guard avformat_alloc_output_context2(&ctx, format, nil, nil) >= 0, let ctx else { return false }
        defer {
            avformat_free_context(ctx)
            var buffer: UnsafeMutablePointer<UInt8>?
            if pb != nil { avio_close_dyn_buf(pb, &buffer); av_free(buffer) }
        }
        guard let st = avformat_new_stream(ctx, nil), avio_open_dyn_buf(&pb) >= 0 else { return false }
        let par = st.pointee.codecpar!
        (par.pointee.codec_type, par.pointee.codec_id) = (type, codec)
        if type == AVMEDIA_TYPE_VIDEO {
            (par.pointee.width, par.pointee.height, par.pointee.format) = (16, 16, AV_PIX_FMT_YUV420P.rawValue)
        }
        if type == AVMEDIA_TYPE_AUDIO {
            par.pointee.sample_rate = 48000
            av_channel_layout_default(&par.pointee.ch_layout, 2)
        }
        st.pointee.time_base = AVRational(num: 1, den: type == AVMEDIA_TYPE_VIDEO ? 25 : type == AVMEDIA_TYPE_AUDIO ? 48000 : 90000)
        ctx.pointee.pb = pb
        return avformat_write_header(ctx, nil) >= 0
    }
}
