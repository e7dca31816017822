import CFFmpeg
import Foundation

/// Encodes the video stream, copies other streams untouched, and muxes them into one output.
///
/// Use: `addVideo`, any number of `addCopy`, `start`, writes, then `finish` (which renames the
/// temporary file into place) or `abort`.
public final class MediaWriter {
    public let output: OutputFile
    /// The muxer's name (mp4, matroska, yuv4mpegpipe, ...).
    public let containerName: String

    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    private var frameTimeBase = AVRational(num: 1, den: 1)
    private var copyMap: [Int: (stream: UnsafeMutablePointer<AVStream>, timeBase: AVRational)] = [:]
    /// The last decoding time muxed in each copied stream (its own time base), by output index.
    private var lastDTS: [Int32: Int64] = [:]
    /// Whether the output is MP4 in fragments (into a pipe) or Smooth Streaming's.
    private var writesFragments = false
    /// Copied streams that are re-encoded, by input stream index.
    private var reencoders: [Int: StreamReencoder] = [:]
    /// Copied ADTS AAC whose frames go in bare, by the same key (fragmented MP4).
    private var adtsCopies: [Int: ADTSCopy] = [:]
    private var durations: [Int64: Int64] = [:]
    /// The earliest time of a frame given to the encoder (its time base).
    private var earliestFrame: Int64?
    private let packet = av_packet_alloc()!
    private var started = false
    private var closed = false
    public private(set) var framesWritten = 0
    /// Damaged input the output could not take: copied packets the muxer rejected, and
    /// frames whose timestamp went backwards. Dropped, counted, and reported.
    public private(set) var droppedPackets = 0
    public private(set) var droppedFrames = 0
    private var lastFramePTS: Int64?
    /// The encoder's clock where it ticks once a frame.
    private var frameClock: FrameClock?
    /// Frames a second where the output counts frames rather than times them.
    public var framesCountedPerSecond: Double? { frameClock.map { av_q2d($0.rate) } }
    /// What the video encoder warned of as it opened with the user's options, once `addVideo`
    /// has opened it.
    public private(set) var encoderWarnings: String?
    /// Where the encoder codes a rate other than the frames' (MPEG-2: the nearest it lists).
    public var restatedFrameRate: (written: Double, input: Double)? { frameClock?.restated }
    /// The constant quantizer of encoders that read it from each frame (`ConstantQuality`).
    private var frameQuality: Int32?
    /// Audio encoded again as the user asks (`--audio-codec`, `--audio-bitrate`, `--af`), set
    /// before streams are added (`encodeAudio`).
    public private(set) var audioEncoding = AudioEncoding()
    /// Tags the user gives (`--metadata`), set over the input's; an empty value removes one.
    public var givenTags: [String: String] = [:]
    /// Frames that came faster than a once-a-frame clock ticks, left out to keep time.
    public private(set) var framesLeftOutToKeepTime = 0
    private var captions = CaptionCarry()
    /// What frames go through before the encoder: HDR made SDR for outputs that cannot say
    /// HDR (`ToneMapper`), the user's filters (`--post-vf`), burnt-in subtitles
    /// (`SubtitleBurn`), palettes for encoders of palettes (`Palettizer`).
    private var conversions: [any FrameConversion] = []
    /// The stream of burnt picture subtitles whose packets come with the copied ones, and the
    /// overlay that takes them.
    private var subtitlePackets: (stream: Int, overlay: SubtitleOverlay)?
    private var subtitleOverlay: SubtitleOverlay?
    /// Where a file of burnt subtitles turned out damaged after its first events (FFmpeg's
    /// reason, and how many came before): the rest were not drawn.
    public var burntSubtitleDamage: SubtitleDamage? { subtitleOverlay?.damage }
    /// Subtitle files added (`--add-subtitles`): the key their packets are written under, and
    /// those still waiting for the video to reach their time.
    private var addedSubtitles: [(key: Int, file: SubtitleFile, waiting: ArraySlice<Packet>)] = []
    /// The peak (cd/m2) of HDR frames made SDR, nil where none are.
    public private(set) var toneMappedPeak: Double?
    /// Whether the encoder writes closed captions into the video (x264, MPEG-2: `a53cc`).
    private var writesCaptions = false
    /// Whether the output is frames and nothing else (pictures, y4m, raw frames in any
    /// container): no place for captions, and no loss to report.
    private var writesBareFrames = false
    /// Frames whose closed captions were lost because the encoder cannot write them (outputs
    /// of bare frames aside).
    public private(set) var framesWithCaptionsLost = 0
    /// The size frames are encoded at where the encoder takes the video's only without its
    /// last row or column (odd sides in 4:2:0); nil when frames are encoded whole.
    public private(set) var encodedSize: (width: Int, height: Int)?
    /// Whether the video is coded as fields (`EncoderSettings.fieldOrder`), once `addVideo` has opened it.
    public var codesFields: Bool { encoder.map { $0.pointee.field_order != AV_FIELD_PROGRESSIVE } ?? false }
    /// The video encoder's name (libx264), once `addVideo` has opened it.
    public var videoEncoderName: String? { encoder?.pointee.codec.map { String(cString: $0.pointee.name) } }
    /// Whether the video encoder keeps every sample exactly and has no rate to set (FFV1, Ut
    /// Video, PNG, raw video), once `addVideo` has opened it.
    public var videoEncoderIsLossless: Bool {
        guard let id = encoder?.pointee.codec_id, let descriptor = avcodec_descriptor_get(id) else { return false }
        return descriptor.pointee.props & AV_CODEC_PROP_LOSSY == 0
    }

    /// Prepares a muxer for `output`; `format` names one (e.g. "matroska"), otherwise it is
    /// guessed from the file name.
    public init(output: OutputFile, format: String? = nil) throws {
        self.output = output
        var oformat: UnsafePointer<AVOutputFormat>?
        if let format {
            guard let f = Self.muxer(named: format) else { throw Self.unknownFormat(format) }
            // Pictures into a pipe go one after another, where image2 wants files to name.
            oformat = String(cString: f.pointee.name) == "image2" && output.writesInPlace && !output.isURL ? av_guess_format("image2pipe", nil, nil) : f
        } else if output.writesInPlace && !output.isURL {
            // Stdout, or a pipe or device by its path: raw frames, as `pipe` writes them, unless
            // its name has an extension (a named pipe `out.mkv`, which had been given y4m;
            // stdout sent to out.mkv).
            let named = output.formatName.hasPrefix("pipe:") ? nil : av_guess_format(nil, output.formatName, nil)
            oformat = named ?? av_guess_format("yuv4mpegpipe", nil, nil)
        } else {
            oformat = av_guess_format(nil, output.finalPath, nil)
            guard oformat != nil else {
                throw MediaError(.invalidArgument, output.isURL
                    ? "name the container of '\(output.finalPath)' with --format (e.g. mpegts for udp:// and srt://, flv for rtmp://)"
                    : "cannot tell the container from '\(output.finalPath)': add an extension or --format")
            }
        }
        // Video onto a terminal (an output of - not redirected) would only garble it.
        if PipeName.isTerminal(output.finalPath, standard: 1), oformat.map({ String(cString: $0.pointee.name) }) != "null" {
            throw MediaError(.invalidArgument, "\(output.name) is a terminal, where the video would show as garbage: send it to a file "
                             + "(> out.y4m) or a program (| ffplay -)")
        }
        if let oformat, let why = Self.unwritable(oformat) { throw MediaError(.invalidArgument, why) }
        // Muxers that open their own files write in place; pictures (image2) keep their
        // temporary names, renamed when complete.
        if let oformat, (oformat.pointee.flags & AVFMT_NOFILE) != 0, String(cString: oformat.pointee.name) != "image2" {
            output.writeInPlace()
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        let r = avformat_alloc_output_context2(&ctx, oformat, nil, output.writingPath)
        guard r >= 0, let ctx else { throw MediaError.ffmpeg(r, "cannot create the output container") }
        context = ctx
        let muxer = String(cString: ctx.pointee.oformat.pointee.name)
        // Blu-ray's transport stream: asked for by name, or by the file's, as FFmpeg's muxer takes it.
        let bluray = muxer == "mpegts" && (format?.lowercased() == "m2ts" || av_match_ext(output.formatName, "m2ts") != 0)
        containerName = bluray ? "m2ts" : muxer
        // y4m's high bit depths (C420p10, ...) are an extension every reader of it takes
        // (ffmpeg, x264, x265, dav1d); FFmpeg writes them only when told it may.
        if containerName == "yuv4mpegpipe" { ctx.pointee.strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL }
    }

    /// Why Clarity cannot write with `oformat`, before anything is set up; nil where it can.
    /// Muxers that write through others (segment, tee, fifo, webm_chunk) hold no codec of their
    /// own and take their set-up as options (they were refused as if the video's codec were at
    /// fault, "the segment container cannot hold libx264 video"); FFmpeg 5.1's AMV muxer is an
    /// experiment (its audio encoder refused first).
    private static func unwritable(_ oformat: UnsafePointer<AVOutputFormat>) -> String? {
        let f = oformat.pointee, name = String(cString: f.name)
        if f.flags & AVFMT_NOFILE != 0 && f.video_codec == AV_CODEC_ID_NONE && f.audio_codec == AV_CODEC_ID_NONE {
            return "the \(name) muxer writes through other muxers, set up by options of its own, which Clarity does not pass: "
                + "an HLS playlist (.m3u8) or a DASH manifest (.mpd) cuts the output into segments"
        }
        if name == "amv" {
            return "FFmpeg 5.1 writes AMV only as an experiment (ffmpeg -strict -2, with its audio in blocks of one frame), "
                + "which Clarity does not: an .avi output with --codec mjpeg plays on most such players"
        }
        return nil
    }

    deinit {
        if !closed { abort() }
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    /// MP4 and QuickTime's muxers (FFmpeg's movenc): the only ones of FFmpeg 5.1 that write a
    /// stream's display matrix, and that need fragments to be written without seeking.
    private static let quickTimeFamily: Set = ["mp4", "mov", "ipod", "3gp", "3g2", "psp", "f4v", "ismv"]

    /// Whether the output keeps a stream's rotation as a display matrix; elsewhere frames
    /// must be turned upright before they are written.
    public var carriesDisplayMatrix: Bool { Self.quickTimeFamily.contains(containerName) }

    /// The muxer `name` names: by its own name, or by an extension it writes (`mkv`, `ts`,
    /// `y4m`, `wmv`, `m4a`), as the output's name would choose it; not pictures' (`jpg`),
    /// whose muxer takes the encoder from the file's name.
    static func muxer(named name: String) -> UnsafePointer<AVOutputFormat>? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        if let byName = av_guess_format(name, nil, nil) { return byName }
        let byExtension = av_guess_format(nil, "out." + name.lowercased(), nil)
        return byExtension.map { String(cString: $0.pointee.name) } == "image2" ? nil : byExtension
    }

    /// The refusal of `format`, which names no muxer: what does, or for a picture format's
    /// extension, how to send such pictures into a pipe (with its encoder).
    private static func unknownFormat(_ format: String) -> MediaError {
        let file = "out." + format.lowercased()
        let pictures = av_guess_format(nil, file, nil).flatMap { f in
            String(cString: f.pointee.name) == "image2" ? avcodec_find_encoder(av_guess_codec(f, nil, file, nil, AVMEDIA_TYPE_VIDEO)) : nil
        }
        let instead = pictures.map { "a picture's format comes from its file's name, \(file); into a pipe: --format image2pipe --codec "
            + String(cString: $0.pointee.name) } ?? "a muxer's name, or an extension such as mkv or ts: see `ffmpeg -muxers`"
        return MediaError(.invalidArgument, "unknown output format '\(format)' (\(instead))")
    }

    /// The encoder for frames asked to be coded by `asked` (nil: none named): the default, or
    /// the one named, except that y4m's raw frames, `rawvideo` elsewhere, come from
    /// `wrapped_avframe` (its muxer takes no other).
    public func videoCodec(asked: String?) -> String {
        guard let asked else { return defaultVideoCodec }
        let named = EncoderLookup.find(asked).map { String(cString: $0.pointee.name) } ?? asked
        return containerName == "yuv4mpegpipe" && named == "rawvideo" ? defaultVideoCodec : named
    }

    /// The encoder that suits this output when the user names none: raw frames for y4m and
    /// nut (lossless pipes); the format's own for pictures (PNG for .png, MJPEG for .jpg), for
    /// containers that cannot hold H.264 and for bare streams (.hevc); libx264 otherwise.
    private var defaultVideoCodec: String {
        switch containerName {
        case "yuv4mpegpipe": return "wrapped_avframe"
        case "nut": return "rawvideo"
        default: break
        }
        guard let oformat = context?.pointee.oformat else { return "libx264" }
        let own = av_guess_codec(oformat, nil, output.formatName, nil, AVMEDIA_TYPE_VIDEO)
        // Pictures and animations (PNG, JPEG, GIF, WebP, raw frames): intra-only or lossless-only codecs.
        let props = avcodec_descriptor_get(own)?.pointee.props ?? 0
        let pictures = (props & AV_CODEC_PROP_INTRA_ONLY) != 0 || (props & (AV_CODEC_PROP_LOSSY | AV_CODEC_PROP_LOSSLESS)) == AV_CODEC_PROP_LOSSLESS
        guard pictures || !ContainerCodecs.holds(oformat, AV_CODEC_ID_H264, AVMEDIA_TYPE_VIDEO),
              let encoder = avcodec_find_encoder(own) else { return "libx264" }
        return String(cString: encoder.pointee.name)
    }

    /// Pixel formats to give `codec` (empty: any): true colour for encoders of palettes, which
    /// the writer then gives palettes of their own (`Palettizer`).
    public static func pixelFormats(forCodec codec: String) throws -> [AVPixelFormat] {
        let own = try ownPixelFormats(forCodec: codec)
        return Palettizer.isNeeded(for: own) ? [Palettizer.inputFormat] : own
    }

    /// Whether `codec` codes palettes (GIF): 8-bit colour of its own choosing, whatever came in.
    public static func codesPalettes(_ codec: String) -> Bool { (try? ownPixelFormats(forCodec: codec)).map(Palettizer.isNeeded) ?? false }

    /// Pixel formats `codec` itself accepts (empty: any).
    private static func ownPixelFormats(forCodec codec: String) throws -> [AVPixelFormat] {
        let c = try EncoderLookup.encoder(codec, of: AVMEDIA_TYPE_VIDEO)
        guard var p = c.pointee.pix_fmts else { return [] }
        var list: [AVPixelFormat] = []
        // MJPEG and lossless JPEG take studio-range YUV only below normal compliance ("Non
        // full-range YUV is non-standard"): the standard full-range formats alone, as ffmpeg.
        let studio: [AVPixelFormat] = [AV_CODEC_ID_MJPEG, AV_CODEC_ID_LJPEG].contains(c.pointee.id)
            ? [AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P] : []
        // VBN's default texture (DXT5) takes RGBA alone ("DXT formats only support RGBA").
        if c.pointee.id == AV_CODEC_ID_VBN { return [AV_PIX_FMT_RGBA] }
        while p.pointee != AV_PIX_FMT_NONE {
            if !studio.contains(p.pointee) { list.append(p.pointee) }
            p += 1
        }
        // Encoders of frames in a GPU's memory (VAAPI, VideoToolbox's, Vulkan's) need them
        // uploaded there, which the pump does not do.
        let inMemory = list.filter { (av_pix_fmt_desc_get($0).map { $0.pointee.flags & UInt64(AV_PIX_FMT_FLAG_HWACCEL) } ?? 0) == 0 }
        if !list.isEmpty && inMemory.isEmpty {
            let kinds = list.compactMap { av_get_pix_fmt_name($0).map { String(cString: $0) } }.joined(separator: ", ")
            throw MediaError(.unsupported, "the \(codec) encoder takes frames in a GPU's memory (\(kinds)), which Clarity does not hand "
                             + "encoders: a software one (libx264, libx265, libsvtav1) or one that takes frames from memory (h264_nvenc, h264_qsv) does")
        }
        return list
    }

    /// The pixel formats `encoder` is given: its own, or, for one that takes any (raw frames),
    /// those the container takes (empty: any).
    public func pixelFormats(forCodec encoder: String) throws -> [AVPixelFormat] {
        let own = try Self.pixelFormats(forCodec: encoder)
        return own.isEmpty ? ContainerCodecs.pixelFormats(of: containerName, codec: encoder) ?? [] : own
    }

    /// Pictures (one, or a numbered sequence), not a video file.
    public var holdsPicturesOnly: Bool { ["image2", "image2pipe"].contains(containerName) }

    /// Pictures, still or animated (GIF, APNG, WebP): no sound, no text, no HDR (viewed as sRGB).
    public var holdsPictures: Bool { holdsPicturesOnly || ["gif", "webp", "apng"].contains(containerName) }

    /// How this container takes a copy of an input stream.
    public enum Carriage: Equatable {
        case asItIs
        /// Decoded and encoded again, in the named format (audio as AAC, text subtitles in the
        /// container's text format).
        case reencoded(String)
        case not
    }

    /// A codec's name as people write it ("opus": "Opus", "mov_text": "MOV text"): FFmpeg's
    /// long name without its gloss, except where the gloss is that name ("ATSC A/52A (AC-3)").
    public static func displayName(ofCodec name: String) -> String {
        if let known = ["ac3": "AC-3", "eac3": "E-AC-3"][name] { return known }
        guard let long = avcodec_descriptor_get_by_name(name)?.pointee.long_name else { return name }
        return String(String(cString: long).prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
    }

    public func carriage(of stream: StreamInfo) -> Carriage {
        let target: AVCodecID?
        switch stream.kind {
        case .audio:
            if !audioEncoding.isAsked && canCarry(stream) { return .asItIs }
            target = audioEncoder(for: stream)?.pointee.id
        case .subtitle:
            if canCarry(stream) { return .asItIs }
            target = subtitleTarget(for: stream)
        default:
            return canCarry(stream) ? .asItIs : .not
        }
        return target.map { .reencoded(String(cString: avcodec_get_name($0))) } ?? .not
    }

    /// Sets `audioEncoding`, refusing an encoder that is unknown, not of audio, experimental, or
    /// that the container cannot hold, before anything is written.
    public func encodeAudio(_ encoding: AudioEncoding) throws {
        var encoding = encoding
        if let name = encoding.encoder {
            let codec = try EncoderLookup.encoder(name, of: AVMEDIA_TYPE_AUDIO)
            guard codec.pointee.type == AVMEDIA_TYPE_AUDIO else {
                throw MediaError(.invalidArgument, "'\(name)' is not an audio encoder (aac, libopus, flac, ac3, ...)")
            }
            try EncoderLookup.refuseExperimental(codec)
            guard holds(codec.pointee.id, AVMEDIA_TYPE_AUDIO) else {
                throw MediaError(.invalidArgument, "the \(containerName) container cannot hold \(name) audio")
            }
            encoding.encoder = String(cString: codec.pointee.name)
        }
        audioEncoding = encoding
    }

    /// What `stream` is encoded again with: the encoder asked for, else AAC, or the container's
    /// own audio codec where it takes no AAC (Opus for WebM), or AC-3 where that keeps more of
    /// the stream's channels (5.1 into MPEG-PS, whose MP2 is stereo, as DVDs have it).
    private func audioEncoder(for stream: StreamInfo) -> UnsafePointer<AVCodec>? {
        if let name = audioEncoding.encoder { return avcodec_find_encoder_by_name(name) }
        guard let oformat = context?.pointee.oformat else { return nil }
        let channels = stream.parameters.pointee.ch_layout.nb_channels
        let held = [AV_CODEC_ID_AAC, oformat.pointee.audio_codec, AV_CODEC_ID_AC3]
            .filter { $0 != AV_CODEC_ID_NONE && holds($0, AVMEDIA_TYPE_AUDIO) }
            .compactMap { avcodec_find_encoder($0) }
        // The first that keeps the most channels.
        let kept = held.map { AudioReencoder.channelsKept(of: channels, by: $0) }
        return kept.max().flatMap { most in kept.firstIndex(of: most).map { held[$0] } }
    }

    /// What subtitles the container cannot hold as they are become: a format of the same kind
    /// it holds (text as mov_text, pictures as DVD subtitles in MP4).
    private func subtitleTarget(for stream: StreamInfo) -> AVCodecID? {
        guard let oformat = context?.pointee.oformat else { return nil }
        // The container's default first (MP4 names none, and takes mov_text and DVD subtitles).
        return [oformat.pointee.subtitle_codec, AV_CODEC_ID_MOV_TEXT, AV_CODEC_ID_ASS, AV_CODEC_ID_SUBRIP, AV_CODEC_ID_WEBVTT,
                AV_CODEC_ID_DVD_SUBTITLE]
            .first { avformat_query_codec(oformat, $0, FF_COMPLIANCE_NORMAL) == 1 && SubtitleReencoder.converts(stream, to: $0) }
    }

    /// What re-encodes `stream` for this container, when it needs it or the user asks.
    private func reencoder(for stream: StreamInfo) throws -> StreamReencoder? {
        guard case .reencoded = carriage(of: stream), let oformat = context?.pointee.oformat else { return nil }
        let global = (oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0
        if stream.kind == .audio {
            return try audioEncoder(for: stream).map {
                try AudioReencoder(stream, with: $0, bitRate: audioEncoding.bitRate, filters: audioEncoding.filters,
                                   sampleRates: ContainerCodecs.audioSampleRates(of: containerName, codec: $0.pointee.id),
                                   maxChannels: ContainerCodecs.audioChannels(of: containerName, codec: $0.pointee.id), globalHeader: global)
            }
        }
        return try subtitleTarget(for: stream).map { try SubtitleReencoder(stream, to: $0, globalHeader: global) }
    }

    /// Whether this container can carry a copy of `stream` as it is.
    private func canCarry(_ stream: StreamInfo) -> Bool {
        // A cover stays a cover in MP4 and QuickTime, and in Matroska as an attached file.
        if stream.isAttachedPicture {
            if containerName == "matroska" { return CoverFile(stream) != nil }
            if !["mp4", "mov", "ipod"].contains(containerName) { return false }
        }
        let p = stream.parameters.pointee
        if stream.kind == .audio, !ContainerCodecs.holdsAudio(in: containerName, codec: p.codec_id, channels: p.ch_layout.nb_channels,
                                                               rate: p.sample_rate) { return false }
        return holds(p.codec_id, p.codec_type)
    }

    /// Whether this container holds `codec`'s streams.
    private func holds(_ codec: AVCodecID, _ type: AVMediaType) -> Bool {
        guard let ctx = context else { return false }
        return ContainerCodecs.holds(ctx.pointee.oformat, codec, type, as: containerName)
    }

    /// Whether the container holds one audio stream at most (FLV).
    public var holdsOneAudioStream: Bool { ContainerCodecs.holdsOneAudioStream(containerName) }

    /// The tag HEVC goes under where FFmpeg's would not do. AVI has no registered one and FFmpeg
    /// 5.1 writes none (read back as raw video): the one its own reader, VLC and LAV Filters
    /// take. In MP4 and QuickTime FFmpeg writes hev1, which Apple's players refuse: hvc1 (the
    /// parameter sets in the sample description, where the global header puts them), as
    /// ffmpeg's -tag:v hvc1.
    private var hevcTag: String? {
        switch containerName {
        case "avi": return "HEVC"
        case "mp4", "mov", "ipod": return "hvc1"
        default: return nil
        }
    }

    /// The extension of an output that holds `stream` as it is, where this one cannot: `.m2ts`
    /// for PGS in MPEG-TS (Blu-ray's), else `.mkv` where Matroska does; nil where neither.
    public func outputHolding(_ stream: StreamInfo) -> String? {
        if containerName == "mpegts" && stream.codecID == AV_CODEC_ID_HDMV_PGS_SUBTITLE { return ".m2ts" }
        guard containerName != "matroska" else { return nil }
        if stream.isAttachedPicture { return CoverFile(stream) != nil ? ".mkv" : nil }
        guard let mkv = av_guess_format("matroska", nil, nil),
              ContainerCodecs.holds(mkv, stream.codecID, stream.parameters.pointee.codec_type) else { return nil }
        return ".mkv"
    }

    /// The video encoder `name`, refused (64) where it is unknown, not of video, experimental,
    /// or of a codec this container cannot hold, naming one that holds it. Asked before
    /// anything is set up, so that an audio file's name (`out.mp3`) is answered before
    /// warnings about its audio.
    @discardableResult
    public func videoEncoder(_ name: String) throws -> UnsafePointer<AVCodec> {
        let codec = try EncoderLookup.encoder(name, of: AVMEDIA_TYPE_VIDEO)
        guard codec.pointee.type == AVMEDIA_TYPE_VIDEO else {
            throw MediaError(.invalidArgument, "'\(name)' is not a video encoder")
        }
        try EncoderLookup.refuseExperimental(codec)
        // An audio format holds a cover picture at most, copied: FLAC's muxer ignored the video.
        let audioAlone = context.map { ContainerCodecs.holdsAudioAlone($0.pointee.oformat) } ?? false
        guard let oformat = context?.pointee.oformat, audioAlone || !ContainerCodecs.holds(oformat, codec.pointee.id, AVMEDIA_TYPE_VIDEO) else {
            return codec
        }
        // The common containers that hold it; failing those, the ones that hold most (GIF: QuickTime and NUT).
        let holders = [[("mp4", ".mp4"), ("matroska", ".mkv")], [("mov", ".mov"), ("nut", ".nut")]].lazy.map { candidates in
            candidates.filter { (muxer: String, _: String) in
                guard let other = av_guess_format(muxer, nil, nil), other != oformat else { return false }
                return ContainerCodecs.holds(other, codec.pointee.id, AVMEDIA_TYPE_VIDEO)
            }.map { $0.1 }
        }.first { !$0.isEmpty } ?? []
        let way = holders.isEmpty ? "" : ": an \(holders.joined(separator: " or ")) output holds it"
        if let own = ContainerCodecs.soleVideoCodec(of: oformat) {
            let ownName = String(cString: avcodec_get_name(own))
            let encoder = avcodec_find_encoder(own).map { "--codec \(String(cString: $0.pointee.name))" } ?? "which FFmpeg cannot encode"
            let what = ContainerCodecs.writesBareStream(oformat) ? "a bare \(ownName) stream" : "\(ownName) video alone"
            throw MediaError(.invalidArgument, "the \(containerName) muxer writes \(what) (\(encoder)), not \(name)\(way)")
        }
        if audioAlone {
            throw MediaError(.invalidArgument, "the \(containerName) container holds audio (a cover picture at most), not video\(way) "
                             + "(its audio alone: ffmpeg -i IN -vn \(output.finalPath))")
        }
        throw MediaError(.invalidArgument, "the \(containerName) container cannot hold \(name) video\(way)")
    }

    /// Adds the encoded video stream. `format` is what frames will look like when written.
    /// The stream says what `source` (the input's video stream) says of its content: tags,
    /// disposition, and the side data that still holds after enhancing (rotation, HDR
    /// mastering, ...).
    public func addVideo(format: VideoFormat, encoder settings: EncoderSettings, describedLike source: StreamInfo? = nil) throws {
        guard let ctx = context else { return }
        let codec = try videoEncoder(settings.codec)
        var format = format
        let pictures = holdsPictures
        if format.colour.isHDR && (pictures || settings.toneMapsHDR) {
            let peak = settings.hdrPeak ?? ToneMapper.peak(of: HDRStaticMetadata(source?.sideData ?? []))
            var sdr = ToneMapper.sdr(format, pictures: pictures)
            if !pictures && settings.pixelFormat == nil, let eight = ToneMapper.eightBit(format, among: try pixelFormats(forCodec: settings.codec)) {
                sdr.pixelFormat = eight
            }
            conversions.append(try ToneMapper.chain(from: format, to: sdr, peak: peak, curve: settings.toneCurve))
            (format, toneMappedPeak) = (sdr, peak)
        }
        if let graph = settings.postFilters {
            conversions.append(try FilterChain.ending(with: graph, option: "--post-vf", format: format, keeping: format, purpose: "--post-vf filters"))
        }
        if let burn = settings.subtitleBurn {
            let overlay = try SubtitleOverlay(burn, format: format, clockStart: settings.clockStart)
            if case .packets(let input) = burn.origin { subtitlePackets = (input.index, overlay) }
            subtitleOverlay = overlay
            conversions.append(overlay)
        }
        let own = try Self.ownPixelFormats(forCodec: settings.codec)
        if format.pixelFormat == Palettizer.inputFormat && Palettizer.isNeeded(for: own) {
            conversions.append(try Palettizer.chain(for: format))
            format.pixelFormat = AV_PIX_FMT_PAL8
        }
        if codec.pointee.id == AV_CODEC_ID_DVVIDEO && [480, 576].contains(format.height) {
            // Standard-definition DV's frames imply their rate (NTSC's or PAL's): another is
            // refused, since it would play at the wrong speed.
            let rate = format.height == 480 ? AVRational(num: 30000, den: 1001) : AVRational(num: 25, den: 1)
            guard av_cmp_q(format.frameRate, rate) == 0 else {
                throw MediaError(.invalidArgument, "DV cannot hold \(format.width)x\(format.height) at "
                                   + String(format: "%.5g fps (%@)", av_q2d(format.frameRate), Self.sizeRules["dvvideo"]!))
            }
            // Its 525-line profiles take 4:1:1 or 4:2:2, not the 4:2:0 of its 625-line ones
            // that the pump gives: NTSC DV in 4:1:1, as camcorders wrote it.
            if format.height == 480 && format.pixelFormat == AV_PIX_FMT_YUV420P {
                conversions.append(try FilterChain(format: format, filters: [("format", "pix_fmts=yuv411p")], purpose: "DV's 4:1:1"))
                format.pixelFormat = AV_PIX_FMT_YUV411P
            }
        }
        if !own.isEmpty && !own.contains(format.pixelFormat) {
            // Another encoder of the codec that says it takes it (libx264rgb: RGB; libaom-av1: 4:4:4).
            let other = EncoderLookup.encoders(of: codec.pointee.id).first { name in
                name != settings.codec && (try? Self.ownPixelFormats(forCodec: name))?.contains(format.pixelFormat) == true
            }
            throw MediaError(.invalidArgument, "\(settings.codec) cannot encode \(format.pixelFormatName): it takes "
                             + own.map(VideoFormat.name).joined(separator: ", ") + (other.map { " (\($0) takes \(format.pixelFormatName))" } ?? ""))
        }
        if let held = ContainerCodecs.pixelFormats(of: containerName, codec: settings.codec), !held.contains(format.pixelFormat) {
            throw MediaError(.invalidArgument, "\(containerName) cannot hold \(format.pixelFormatName) frames; it holds "
                             + held.map(VideoFormat.name).joined(separator: ", "))
        }
        if let limit = Self.sizeLimit(container: containerName, codec: codec.pointee.id, width: format.width, height: format.height) {
            throw MediaError(.invalidArgument, "\(limit), not \(format.width)x\(format.height)")
        }
        frameTimeBase = format.timeBase
        let even = format.evenSides
        let odd = even.width != format.width || even.height != format.height
        var (r, reasons) = try openEncoder(codec, format: format, settings: settings, source: source, quietly: odd)
        // Some encoders (x264, x265, OpenH264, SVT-AV1) take chroma-subsampled video only at
        // even sides: an odd side loses its last row or column, as HandBrake does, rather
        // than failing as ffmpeg does.
        if r < 0 && odd {
            avcodec_free_context(&encoder)
            var trimmed = format
            (trimmed.width, trimmed.height) = even
            (r, reasons) = try openEncoder(codec, format: trimmed, settings: settings, source: source)
            if r >= 0 { encodedSize = even }
        }
        guard r >= 0, let enc = encoder else {
            let what = "cannot open the \(settings.codec) encoder for \(format)"
            // An encoder library that fails without a word (x264 whose threads the system
            // refuses) is short of resources, not of a right option.
            if r == clarity_averror_external() && reasons == nil && !MediaError.ranOutOfMemory(r, reasons: nil) {
                throw MediaError(.codec, "\(what): it failed without saying why (\(MediaError.text(r))), most often for want of "
                                 + "memory or threads (ulimit -v, ulimit -u, a container's limits)")
            }
            let hint = Self.sizeRules[String(cString: codec.pointee.name)].map { " (\($0))" } ?? ""
            throw MediaError.ffmpeg(r, what + hint, kind: .invalidArgument, reasons: reasons)
        }
        guard let st = avformat_new_stream(ctx, nil) else { throw MediaError(.codec, "cannot add a video stream") }
        r = avcodec_parameters_from_context(st.pointee.codecpar, enc)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot describe the video stream") }
        if enc.pointee.codec_id == AV_CODEC_ID_HEVC, let tag = hevcTag {
            st.pointee.codecpar.pointee.codec_tag = tag.utf8.reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        st.pointee.time_base = enc.pointee.time_base
        st.pointee.avg_frame_rate = enc.pointee.framerate
        st.pointee.sample_aspect_ratio = format.sampleAspectRatio
        if let source {
            // Made SDR, the picture no longer has the HDR10 light levels it was graded for.
            try Self.attach(source.sideData.filter { $0.describesPresentation && (toneMappedPeak == nil || !$0.describesHDR) }, to: st)
            MediaMetadata.set(source.tags, into: &st.pointee.metadata)
            st.pointee.disposition = source.disposition
        }
        videoStream = st
    }

    /// The size rule a picture of `width`x`height` breaks, where the muxer or encoder would
    /// find out only once started: ICO's header codes sides of 256 at most (FFmpeg's muxer
    /// refused at the header, 73), X-Face's pictures are 48x48 (its encoder refused the first
    /// frame, 1).
    private static func sizeLimit(container: String, codec: AVCodecID, width: Int, height: Int) -> String? {
        if container == "ico" && max(width, height) > 256 {
            return "ICO pictures are 256x256 at most (--size 256x-2 keeps the aspect)"
        }
        if codec == AV_CODEC_ID_XFACE && (width, height) != (48, 48) { return "X-Face pictures are 48x48 (--size 48x48)" }
        return nil
    }

    /// What encoders that take only some sizes and rates take, for the message when one refuses.
    private static let sizeRules = [
        "dnxhd": "DNxHD's profiles take 1920x1080 or 1280x720 at their own bitrates; without --encoder-option profile=..., DNxHR takes any size",
        "dvvideo": "DV takes 720x480 at 29.97 fps or 720x576 at 25: --size 720x480 --fps 29.97, or --size 720x576 --fps 25",
    ]

    /// Sets up `encoder` for frames of `format` and opens it; FFmpeg's result. The reasons
    /// for a refusal come back beside its code: FFmpeg's, after those the encoder library
    /// printed itself (x264, x265, SVT-AV1), which `quietly` drops, for a try that may be repeated.
    private func openEncoder(_ codec: UnsafePointer<AVCodec>, format: VideoFormat, settings: EncoderSettings,
                             source: StreamInfo?, quietly: Bool = false) throws -> (code: Int32, reasons: String?) {
        let enc = avcodec_alloc_context3(codec)!
        encoder = enc
        enc.pointee.width = Int32(format.width)
        enc.pointee.height = Int32(format.height)
        enc.pointee.pix_fmt = format.pixelFormat
        enc.pointee.sample_aspect_ratio = format.sampleAspectRatio
        // Frames that still have their fields are coded as fields (x264's and MPEG-2's
        // interlaced coding); the rest are progressive.
        enc.pointee.field_order = settings.fieldOrder ?? AV_FIELD_PROGRESSIVE
        if settings.fieldOrder != nil { enc.pointee.flags |= AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME }
        format.colour.apply(to: enc)
        frameClock = context.map { FrameClock(codec: codec, container: $0.pointee.oformat, format: format) } ?? nil
        enc.pointee.framerate = frameClock?.rate ?? format.frameRate
        enc.pointee.time_base = frameClock?.timeBase ?? format.timeBase
        writesCaptions = Self.has(option: "a53cc", codec)
        writesBareFrames = holdsPictures || containerName == "yuv4mpegpipe" || [AV_CODEC_ID_RAWVIDEO, AV_CODEC_ID_WRAPPED_AVFRAME].contains(codec.pointee.id)
        enc.pointee.thread_count = Int32(settings.threads)
        if let flags = context?.pointee.oformat.pointee.flags, (flags & AVFMT_GLOBALHEADER) != 0 {
            enc.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        let name = String(cString: codec.pointee.name)
        if let crf = settings.crf, let quality = ConstantQuality(crf: crf, encoder: name, hasOption: { Self.has(option: $0, codec) }) {
            for (k, v) in quality.options { av_dict_set(&options, k, v, 0) }
            frameQuality = quality.frameQuality
        }
        if let preset = settings.preset {
            guard Self.has(option: "preset", codec) else {
                let hint = ["cpu-used", "speed"].first { Self.has(option: $0, codec) }.map { "its speed is --encoder-option \($0)=N" }
                    ?? "give its own options with --encoder-option"
                throw MediaError(.invalidArgument, "\(settings.codec) has no speed preset (--encoder-preset): \(hint)")
            }
            av_dict_set(&options, "preset", preset, 0)
        }
        // A value that is none of an option's names: FFmpeg says only "Undefined constant".
        for (k, v) in (settings.preset.map { [("preset", $0)] } ?? []) + settings.options.map({ ($0.key, $0.value) }) {
            if let names = Self.names(of: k, codec), !names.contains(v), Double(v) == nil {
                throw MediaError(.invalidArgument, "\(settings.codec)'s \(k) is one of \(names.joined(separator: ", ")), not '\(v)'")
            }
        }
        // Flags added or taken away (+cgop) go with those set here (+qscale), not in their place.
        for (k, v) in settings.options { av_dict_set(&options, k, v, k == "flags" && ["+", "-"].contains(v.first) ? AV_DICT_APPEND : 0) }
        // DNxHD's own profiles take 1080 or 720 lines at fixed rates only: DNxHR, any size, at the
        // negotiated format's depth and chroma, unless a profile is named.
        if name == "dnxhd" && settings.options["profile"] == nil {
            let fullChroma = av_pix_fmt_desc_get(format.pixelFormat).map { $0.pointee.log2_chroma_w == 0 } ?? false
            av_dict_set(&options, "profile", fullChroma ? "dnxhr_444" : format.bitDepth > 8 ? "dnxhr_hqx" : "dnxhr_hq", 0)
        }
        // x265 prints its own banner and statistics past FFmpeg's log level: quiet unless asked.
        var extra = name == "libx265" ? [(key: "log-level", value: "error")] : []
        // HDR10 metadata goes into the encoder's SEI as well as the container.
        if toneMappedPeak == nil { extra += source.map { HDRStaticMetadata($0.sideData).encoderParameters(for: name) } ?? [] }
        if name.hasPrefix("libx264"), let asm = X264Instructions.parameter { extra.append(asm) }
        if !extra.isEmpty {
            let option = name == "libx265" ? "x265-params" : "x264-params"
            let given = settings.options[option]
            let added = extra.filter { !(given ?? "").contains($0.key + "=") }.map { "\($0.key)=\($0.value)" }
            if !added.isEmpty { av_dict_set(&options, option, ((given.map { [$0] } ?? []) + added).joined(separator: ":"), 0) }
        }
        // With options of the user's, what the encoder says of them (x264 and x265 warn of
        // the `x264-params` they cannot parse, and go on without them). What the encoder
        // library prints itself (x264's profile checks, x265's parameter checks) is kept too.
        let ((r, logged), printed) = StandardErrorCapture.during {
            FFmpegLog.reasons(warnings: settings.optionsNamed) { avcodec_open2(enc, codec, &options) }
        }
        if r >= 0, let left = av_dict_get(options, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw MediaError(.invalidArgument, "\(settings.codec) has no option '\(String(cString: left.pointee.key))'")
        }
        if r >= 0 {
            if !quietly { StandardErrorCapture.replay(printed) }
            if settings.optionsNamed { encoderWarnings = logged }
            return (r, logged)
        }
        // A refusal: the library's own words first, but for a try expected to fail (tried again).
        let said = [quietly ? nil : StandardErrorCapture.reasons(in: printed), logged].compactMap { $0 }
        return (r, said.isEmpty ? nil : said.joined(separator: "; "))
    }

    private static func attach(_ sideData: [StreamInfo.SideData], to stream: UnsafeMutablePointer<AVStream>) throws {
        for d in sideData {
            guard let target = av_stream_new_side_data(stream, d.kind, d.bytes.count) else {
                throw MediaError(.codec, "cannot attach side data to a stream")
            }
            target.update(from: d.bytes, count: d.bytes.count)
        }
    }

    /// The named values of `codec`'s option `name`, where it is a number chosen by name (libwebp's
    /// `preset`: none, default, picture, ...), or x264's and x265's presets, a string FFmpeg hands
    /// them (or their number, 0-9); nil for any other option.
    private static func names(of name: String, _ codec: UnsafePointer<AVCodec>) -> [String]? {
        if name == "preset" && EncoderSettings.namedPresetEncoders.contains(String(cString: codec.pointee.name)) {
            return EncoderSettings.namedPresets
        }
        return options(of: codec) { object in
            guard let option = av_opt_find(object, name, nil, 0, AV_OPT_SEARCH_FAKE_OBJ), let unit = option.pointee.unit,
                  [AV_OPT_TYPE_INT, AV_OPT_TYPE_INT64].contains(option.pointee.type) else { return nil }
            var names: [String] = []
            var next = av_opt_next(object, nil)
            while let o = next {
                if o.pointee.type == AV_OPT_TYPE_CONST, let u = o.pointee.unit, strcmp(u, unit) == 0 { names.append(String(cString: o.pointee.name)) }
                next = av_opt_next(object, o)
            }
            return names.isEmpty ? nil : names
        } ?? nil
    }

    private static func has(option: String, _ codec: UnsafePointer<AVCodec>) -> Bool {
        options(of: codec) { av_opt_find($0, option, nil, 0, AV_OPT_SEARCH_FAKE_OBJ) != nil } ?? false
    }

    /// `body` over `codec`'s private options, as FFmpeg looks them up without an encoder (its
    /// class as a fake object); nil for a codec that has none.
    private static func options<T>(of codec: UnsafePointer<AVCodec>, _ body: (UnsafeMutableRawPointer) -> T) -> T? {
        guard let cls = codec.pointee.priv_class else { return nil }
        var c: UnsafePointer<AVClass>? = cls
        return withUnsafeMutablePointer(to: &c) { body(UnsafeMutableRawPointer($0)) }
    }

    /// Adds an untouched copy of an input stream (`key`: the stream its packets say they are
    /// of; the input's index unless given).
    public func addCopy(_ input: StreamInfo, key: Int? = nil) throws {
        guard let ctx = context else { return }
        let key = key ?? input.index
        // Matroska's cover is a file, written with the header: its packet is not copied.
        if containerName == "matroska", let cover = CoverFile(input) { return try cover.add(to: ctx, tags: input.tags) }
        guard let st = avformat_new_stream(ctx, nil) else { throw MediaError(.codec, "cannot add a stream") }
        if let reencoder = try reencoder(for: input) {
            let r = avcodec_parameters_from_context(st.pointee.codecpar, reencoder.encoder)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot describe stream #\(input.index)") }
            st.pointee.time_base = reencoder.encoder.pointee.time_base
            reencoders[key] = reencoder
        } else {
            let r = avcodec_parameters_copy(st.pointee.codecpar, input.parameters)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot copy stream #\(input.index)") }
            st.pointee.codecpar.pointee.codec_tag = 0
            st.pointee.time_base = input.timeBase
        }
        try Self.attach(input.sideData, to: st)
        MediaMetadata.set(input.tags, into: &st.pointee.metadata)
        st.pointee.disposition = input.disposition
        copyMap[key] = (st, reencoders[key]?.encoder.pointee.time_base ?? input.timeBase)
    }

    /// Adds `file` as a subtitle stream, after the copied ones when the output starts;
    /// refused at once where the container holds no such subtitles (even converted). Its
    /// packets follow the video's as it passes their time.
    public func addSubtitles(_ file: SubtitleFile) throws {
        if case .not = carriage(of: file.stream) {
            throw MediaError(.invalidArgument, "--add-subtitles \(file.path): the \(containerName) container cannot hold \(file.stream.codecName) subtitles"
                             + (outputHolding(file.stream).map { "; an \($0) output holds them" } ?? ""))
        }
        addedSubtitles.append((-1 - addedSubtitles.count, file, file.packets[...]))
    }

    /// The packets of added subtitle files up to `seconds` of the output (nil: all that are left).
    private func writeAddedSubtitles(upTo seconds: Double?) throws {
        for i in addedSubtitles.indices {
            let timeBase = addedSubtitles[i].file.stream.timeBase
            while let p = addedSubtitles[i].waiting.first, seconds.map({ Double(p.avPacket.pointee.pts) * av_q2d(timeBase) <= $0 }) ?? true {
                addedSubtitles[i].waiting.removeFirst()
                p.avPacket.pointee.stream_index = Int32(addedSubtitles[i].key)
                try write(p)
            }
        }
    }

    /// The file's tags (with `givenTags` over them) and chapters, before `start`.
    public func setMetadata(_ metadata: MediaMetadata) throws {
        guard let ctx = context else { return }
        var tags = metadata.tags.filter { tag in !givenTags.keys.contains { $0.caseInsensitiveCompare(tag.key) == .orderedSame } }
        tags.merge(givenTags.filter { !$0.value.isEmpty }) { _, given in given }
        MediaMetadata.set(tags, into: &ctx.pointee.metadata)
        guard !metadata.chapters.isEmpty else { return }
        // As ffmpeg's own tool does: libavformat has no public call that adds a chapter, and
        // frees the array and every chapter with the context.
        let size = MemoryLayout<UnsafeMutablePointer<AVChapter>?>.size
        guard let array = av_realloc_array(ctx.pointee.chapters, metadata.chapters.count, size) else {
            throw MediaError(.codec, "cannot add chapters")
        }
        ctx.pointee.chapters = array.assumingMemoryBound(to: UnsafeMutablePointer<AVChapter>?.self)
        let microseconds = AVRational(num: 1, den: 1_000_000)
        for (i, c) in metadata.chapters.enumerated() {
            guard let chapter = av_mallocz(MemoryLayout<AVChapter>.size)?.assumingMemoryBound(to: AVChapter.self) else {
                throw MediaError(.codec, "cannot add chapters")
            }
            chapter.pointee.id = Int64(i + 1)
            chapter.pointee.time_base = microseconds
            chapter.pointee.start = Int64((c.start * 1e6).rounded())
            chapter.pointee.end = Int64((c.end * 1e6).rounded())
            MediaMetadata.set(c.tags, into: &chapter.pointee.metadata)
            ctx.pointee.chapters[i] = chapter
            ctx.pointee.nb_chapters = UInt32(i + 1)
        }
    }

    /// Where a segmenting muxer cuts, set when it starts; nil for others.
    private var segmentKeyFrames: SegmentKeyFrames?

    /// Muxer options of the user's (`--output-option`), by FFmpeg name; `movflags` adds to the
    /// flags chosen here where it begins with + or -, as ffmpeg's flags do.
    public var muxerOptions: [String: String] = [:]

    /// Segments a streaming output (HLS, DASH) keeps listed, and on disk, as a live stream's
    /// window (those older are deleted); nil: every one, a film's.
    public var liveWindow: Int?

    /// Sets the user's muxer options on the context, so that a name the muxer lacks or a value
    /// it refuses is said as such before anything is written.
    private func setMuxerOptions(_ ctx: UnsafeMutablePointer<AVFormatContext>) throws {
        let muxer = String(cString: ctx.pointee.oformat.pointee.name)
        // HLS writes its segments where this names, in a folder it does not make: missing, the
        // first segment failed as "writing out.m3u8: No such file or directory".
        if muxer == "hls", let pattern = muxerOptions["hls_segment_filename"] {
            let folder = (pattern as NSString).deletingLastPathComponent
            guard folder.isEmpty || FileManager.default.fileExists(atPath: folder) else {
                throw MediaError(.outputUnwritable, "the folder of hls_segment_filename '\(pattern)' does not exist: make \(folder) first")
            }
        }
        for (key, value) in muxerOptions.sorted(by: { $0.key < $1.key }) {
            let (r, reasons) = FFmpegLog.reasons { av_opt_set(ctx, key, value, AV_OPT_SEARCH_CHILDREN) }
            if r == clarity_averror_option_not_found() {
                throw MediaError(.invalidArgument, "the \(muxer) muxer has no option '\(key)' (see `ffmpeg -h muxer=\(muxer)`)")
            }
            guard r >= 0 else {
                throw MediaError.ffmpeg(r, "the \(muxer) muxer refuses --output-option \(key)=\(value)", kind: .invalidArgument, reasons: reasons)
            }
        }
    }

    /// Opens the output and writes the container header.
    public func start() throws {
        guard let ctx = context, !started else { return }
        try setMuxerOptions(ctx)
        segmentKeyFrames = SegmentKeyFrames(ctx)
        for added in addedSubtitles { try addCopy(added.file.stream, key: added.key) }
        if (ctx.pointee.oformat.pointee.flags & AVFMT_NOFILE) == 0 {
            let r = avio_open(&ctx.pointee.pb, output.writingPath, AVIO_FLAG_WRITE)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot write \(output.name)", kind: .outputUnwritable) }
        }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        // MP4 writes its index last, seeking back to it: into a pipe or over the network it is
        // written in fragments instead, as ffmpeg's -movflags frag_keyframe+empty_moov.
        let pipe = ctx.pointee.pb.map { ($0.pointee.seekable & AVIO_SEEKABLE_NORMAL) == 0 } == true
        let fragments = Self.quickTimeFamily.contains(containerName) && pipe
        // A header written once holds ADTS AAC's set-up from the start, and MP4's fragments
        // take its frames bare (its muxer's own stripping fails there).
        writesFragments = fragments || containerName == "ismv"
        for (key, target) in copyMap where reencoders[key] == nil && (pipe || writesFragments) {
            if ADTSCopy.giveConfig(to: target.stream.pointee.codecpar) && writesFragments { adtsCopies[key] = try ADTSCopy(target.stream) }
        }
        // AC-3 and E-AC-3 state their set-up in their packets, which a first index (fragments,
        // Smooth Streaming's) has not seen: it waits for the first fragment.
        let ac3 = (0..<Int(ctx.pointee.nb_streams)).contains { i in
            [AV_CODEC_ID_AC3, AV_CODEC_ID_EAC3].contains(ctx.pointee.streams[i]!.pointee.codecpar.pointee.codec_id)
        }
        var movflags = (fragments ? "+frag_keyframe+empty_moov+default_base_moof" : "") + (ac3 && writesFragments ? "+delay_moov" : "")
        // A file's index goes before its media (faststart), where players and browsers look for
        // it first: played over the web, the file starts before it has all come.
        if Self.quickTimeFamily.contains(containerName) && !pipe && !writesFragments { movflags += "+faststart" }
        if let theirs = muxerOptions["movflags"] { movflags = theirs.hasPrefix("+") || theirs.hasPrefix("-") ? movflags + theirs : theirs }
        if !movflags.isEmpty { av_dict_set(&options, "movflags", movflags, 0) }
        // An option of Clarity's own, unless the user's (set on the context) say otherwise.
        func unlessGiven(_ key: String, _ value: String) {
            if muxerOptions[key] == nil { av_dict_set(&options, key, value, 0) }
        }
        // An HLS playlist lists every segment: FFmpeg's lists the last five (a live window),
        // and a film's playlist played its last segments alone. A live stream's lists its
        // window, and deletes what leaves it: one left running filled the disk.
        if containerName == "hls" {
            unlessGiven("hls_list_size", liveWindow.map(String.init) ?? "0")
            if liveWindow != nil { unlessGiven("hls_flags", "delete_segments") }
        }
        if containerName == "dash", let liveWindow { unlessGiven("window_size", String(liveWindow)) }
        // Animated pictures play for ever, as FFmpeg's GIFs do: its WebP and APNG played once
        // and stopped on their last frame.
        if containerName == "webp" { unlessGiven("loop", "0") }
        if containerName == "apng" { unlessGiven("plays", "0") }
        // `--format m2ts` into a pipe or a file named otherwise (FFmpeg goes by `.m2ts` alone).
        if containerName == "m2ts" { unlessGiven("mpegts_m2ts_mode", "1") }
        let (r, reasons) = FFmpegLog.reasons { avformat_write_header(ctx, &options) }
        guard r >= 0 else {
            // With the user's muxer options, the likelier fault is theirs (movflags=faststart into a pipe).
            let given = muxerOptions.isEmpty ? "" : " with the --output-option given"
            throw writeError(r, else: MediaError.ffmpeg(r, "cannot write the \(containerName) header\(given)",
                                                        kind: given.isEmpty ? .outputUnwritable : .invalidArgument, reasons: reasons))
        }
        started = true
    }

    /// Encodes one frame. Its timestamp is in the input's time base.
    public func write(_ frame: VideoFrame) throws {
        for f in try convert(frame) { try encode(f) }
        if let pts = frame.pts, !addedSubtitles.isEmpty { try writeAddedSubtitles(upTo: Double(pts) * av_q2d(frameTimeBase)) }
    }

    /// `frame` through the conversions, in order (nil at the end: what they still hold).
    private func convert(_ frame: VideoFrame?, from first: Int = 0) throws -> [VideoFrame] {
        guard first < conversions.count else { return frame.map { [$0] } ?? [] }
        var out: [VideoFrame] = []
        for f in try conversions[first].convert(frame) { out += try convert(f, from: first + 1) }
        if frame == nil { out += try convert(nil, from: first + 1) }
        return out
    }

    private func encode(_ frame: VideoFrame) throws {
        guard let enc = encoder else { return }
        let f = frame.avFrame
        f.pointee.pict_type = AV_PICTURE_TYPE_NONE
        // Which field comes first, on every frame: the stages' frames do not say it.
        let order = enc.pointee.field_order
        f.pointee.interlaced_frame = order == AV_FIELD_PROGRESSIVE ? 0 : 1
        f.pointee.top_field_first = order == AV_FIELD_TT || order == AV_FIELD_TB ? 1 : 0
        if let frameQuality { f.pointee.quality = frameQuality }
        if let encodedSize { (f.pointee.width, f.pointee.height) = (Int32(encodedSize.width), Int32(encodedSize.height)) }
        captions.take(from: f, timeBase: frameTimeBase)
        var pts = f.pointee.pts
        if pts != clarity_nopts_value() {
            if let last = lastFramePTS, pts <= last {
                droppedFrames += 1
                return
            }
            lastFramePTS = pts
            if frameClock != nil {
                guard let tick = frameClock!.tick(for: pts, in: frameTimeBase) else {
                    framesLeftOutToKeepTime += 1
                    return
                }
                pts = tick
            } else {
                pts = av_rescale_q(pts, frameTimeBase, enc.pointee.time_base)
            }
        }
        if !writesCaptions && !captions.isEmpty {
            if !writesBareFrames { framesWithCaptionsLost += 1 }
            captions.discard()
        }
        captions.give(to: f, timeBase: frameTimeBase, all: true)
        f.pointee.pts = pts
        if pts != clarity_nopts_value(), segmentKeyFrames?.isDue(at: Double(pts) * av_q2d(enc.pointee.time_base)) == true {
            f.pointee.pict_type = AV_PICTURE_TYPE_I
        }
        f.pointee.pkt_duration = av_rescale_q(f.pointee.pkt_duration, frameTimeBase, enc.pointee.time_base)
        if f.pointee.pkt_duration > 0 && f.pointee.pts != clarity_nopts_value() {
            durations[f.pointee.pts] = f.pointee.pkt_duration
        }
        if pts != clarity_nopts_value() { earliestFrame = min(earliestFrame ?? pts, pts) }
        if framesWritten == 1 && holdsPicturesOnly && output.isOneFile {
            throw MediaError(.invalidArgument, "\(output.name) holds one picture and the input has more frames: "
                             + "name a numbered sequence instead (e.g. frame%04d.png)")
        }
        let r = avcodec_send_frame(enc, f)
        guard r >= 0 else { throw encodingError(r, "encoding frame \(framesWritten)") }
        framesWritten += 1
        try drainEncoder()
    }

    /// A frame left out (late in live mode): its closed captions go on the next frame written.
    public func leaveOut(_ frame: VideoFrame) {
        captions.take(from: frame.avFrame, timeBase: frameTimeBase)
    }

    /// Writes a packet of a copied stream (or hands one of burnt subtitles to their overlay).
    public func write(_ input: Packet) throws {
        if let (stream, overlay) = subtitlePackets, input.streamIndex == stream { overlay.take(input.avPacket) }
        guard let target = copyMap[input.streamIndex] else { return }
        if let adts = adtsCopies[input.streamIndex] {
            let r = adts.strip(input.avPacket)
            if Self.isDamage(r) { return droppedPackets += 1 }
            guard r >= 0 else { throw MediaError.ffmpeg(r, "copying stream #\(input.streamIndex)") }
        }
        guard let reencoder = reencoders[input.streamIndex] else {
            if target.stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE {
                // A cue of no text (WebVTT's, whose text line was left empty) shows nothing, and
                // Matroska's writer, given one, wrote none of the cues after it (ffmpeg's copy drops it).
                if input.avPacket.pointee.size == 0 { return }
                SubtitleDuration.mend(input.avPacket, timeBase: target.timeBase, codec: target.stream.pointee.codecpar.pointee.codec_id)
            }
            return try mux(input, into: target)
        }
        for p in try reencoder.packets(for: input.avPacket) { try mux(p, into: target) }
    }

    /// Writes a packet (in `target.timeBase`) into an output stream of a copied one.
    private func mux(_ packet: Packet, into target: (stream: UnsafeMutablePointer<AVStream>, timeBase: AVRational)) throws {
        guard let ctx = context else { return }
        let p = packet.avPacket
        av_packet_rescale_ts(p, target.timeBase, target.stream.pointee.time_base)
        let index = target.stream.pointee.index
        p.pointee.stream_index = index
        p.pointee.pos = -1
        // Decoding times that do not rise where the muxer needs them to (MPEG-TS) move on to
        // the next tick, as ffmpeg moves them: those a coarser clock made equal (TrueHD's
        // 1/1200 s frames on Matroska's milliseconds) were refused, and dropped as damage.
        if p.pointee.dts != clarity_nopts_value() {
            let flags = ctx.pointee.oformat.pointee.flags
            if let last = lastDTS[index], (flags & AVFMT_NOTIMESTAMPS) == 0 {
                let least = last + ((flags & AVFMT_TS_NONSTRICT) == 0 ? 1 : 0)
                if p.pointee.dts < least {
                    if p.pointee.pts != clarity_nopts_value() && p.pointee.pts >= p.pointee.dts { p.pointee.pts = max(p.pointee.pts, least) }
                    p.pointee.dts = least
                }
            }
            // Fragments start a track at its first sample: DVD subtitles, with no empty sample
            // before their first picture as MP4's text has, showed it from the start (ffmpeg's
            // fragments alike). A picture of nothing fills the time before it.
            if writesFragments, lastDTS[index] == nil, p.pointee.dts > 0,
               target.stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_DVD_SUBTITLE {
                let blank = Packet(bytes: DVDSubtitleTiming.blank, pts: 0, duration: p.pointee.dts, streamIndex: index)
                let r = av_interleaved_write_frame(ctx, blank.avPacket)
                guard r >= 0 else { throw writeError(r) }
            }
            lastDTS[index] = p.pointee.dts
        }
        let r = av_interleaved_write_frame(ctx, p)
        // A damaged packet the muxer (or its bitstream filter) cannot take is dropped and
        // counted: invalid data, or a corrupted header that claims a feature FFmpeg lacks
        // (aac_adtstoasc: "multiple RDBs per frame with CRC", PATCHWELCOME).
        if Self.isDamage(r) { return droppedPackets += 1 }
        guard r >= 0 else { throw writeError(r) }
    }

    /// Whether FFmpeg refused a packet for what it holds, which is dropped and counted.
    private static func isDamage(_ code: Int32) -> Bool {
        code == clarity_averror_invaliddata() || code == clarity_averror(EINVAL) || code == clarity_averror_patchwelcome()
    }

    /// The encoder's failure; memory running out said as such, with the frames' size.
    private func encodingError(_ code: Int32, _ what: String) -> MediaError {
        guard code == clarity_averror(ENOMEM), let enc = encoder else { return MediaError.ffmpeg(code, what) }
        return MediaError.outOfMemory("\(what) (\(enc.pointee.width)x\(enc.pointee.height))")
    }

    private func drainEncoder() throws {
        guard let ctx = context, let enc = encoder, let st = videoStream else { return }
        while true {
            let r = avcodec_receive_packet(enc, packet)
            if r == clarity_averror_eagain() || r == clarity_averror_eof() { return }
            guard r >= 0 else { throw encodingError(r, "encoding") }
            if packet.pointee.duration == 0, let d = durations.removeValue(forKey: packet.pointee.pts) {
                packet.pointee.duration = d
            }
            // No frame is decoded after it is shown, nor seconds before the first frame given:
            // such a decoding time is the encoder's garbage, and the frame's own time stands for
            // it. x265 times its packets from its third frame, and given fewer (a part of one or
            // two frames) its times were whatever its memory held ("pts (0) < dts
            // (621673360327221409)", 74). Seconds before the frame itself is no garbage: the
            // frame after a gap in the input's clock is decoded before the frames ahead of it.
            let (pts, dts) = (packet.pointee.pts, packet.pointee.dts)
            let slack = av_rescale_q(10, AVRational(num: 1, den: 1), enc.pointee.time_base)
            if pts != clarity_nopts_value(), dts != clarity_nopts_value(), dts > pts || dts < (earliestFrame ?? dts) - slack {
                packet.pointee.dts = pts
            }
            av_packet_rescale_ts(packet, enc.pointee.time_base, st.pointee.time_base)
            packet.pointee.stream_index = st.pointee.index
            let w = av_interleaved_write_frame(ctx, packet)
            guard w >= 0 else { throw writeError(w) }
        }
    }

    /// A closed reader or a full disk by name, wherever the write failed (the header too); any
    /// other failure as `other` says, or as a failed write.
    private func writeError(_ code: Int32, else other: @autoclosure () -> MediaError? = nil) -> MediaError {
        if code == clarity_averror(EPIPE) { return MediaError(.writeFailed, "output closed by the reader") }
        if code == clarity_averror(ENOSPC) { return MediaError(.writeFailed, "disk full writing \(output.name)") }
        return other() ?? MediaError.ffmpeg(code, "writing \(output.name)", kind: .writeFailed)
    }

    /// Audio streams that went through `--af` filters: the input stream's index, and their
    /// seconds in and out.
    public var filteredAudioLengths: [(stream: Int, length: StreamLength)] {
        reencoders.sorted { $0.key < $1.key }.compactMap { index, reencoder in
            (reencoder as? AudioReencoder)?.filteredLength.map { (index, $0) }
        }
    }

    /// Audio streams encoded again with fewer channels than their sound has (after `--af`: a
    /// `pan=5.1` made of mono), mixed down: the input stream's index, the channels, those
    /// kept, and what holds no more (the codec, or the container).
    public var audioMixedDown: [(stream: Int, from: Int32, to: Int32, limit: String)] {
        reencoders.sorted { $0.key < $1.key }.compactMap { index, reencoder in
            guard let audio = reencoder as? AudioReencoder, let mix = audio.mixedDown else { return nil }
            let codec = audio.encoder.pointee.codec_id, name = Self.displayName(ofCodec: String(cString: avcodec_get_name(codec)))
            let byContainer = ContainerCodecs.audioChannels(of: containerName, codec: codec) == mix.to
            return (index, mix.from, mix.to, byContainer ? "the \(containerName) container holds no more of \(name)" : "\(name) codes no more")
        }
    }

    /// Bytes written so far (the final size once finished).
    public var bytesWritten: Int64 {
        if output.isSequence { return output.bytesWritten }
        guard let pb = context?.pointee.pb else { return finalSize }
        return avio_tell(pb)
    }
    private var finalSize: Int64 = 0

    /// Bytes in the output: its end, not where the trailer left off (AVI's goes back to mend
    /// its header).
    private static func size(of pb: UnsafeMutablePointer<AVIOContext>) -> Int64 {
        avio_flush(pb)
        return max(avio_tell(pb), avio_size(pb))
    }

    /// Flushes the encoder, writes the trailer, closes the output and moves it into place.
    public func finish() throws {
        guard let ctx = context, !closed else { return }
        do {
            if let enc = encoder {
                for f in try convert(nil) { try encode(f) }
                // An encoder that was given nothing has nothing to give (and SVT-AV1 would hang).
                if framesWritten > 0 {
                    // A frame-threaded encoder (PNG's) says here what failed in its last frames
                    // (a packet it could not allocate), and has no packet of them to give.
                    let r = avcodec_send_frame(enc, nil)
                    guard r >= 0 || r == clarity_averror_eof() else { throw encodingError(r, "encoding") }
                    try drainEncoder()
                }
            }
            try writeAddedSubtitles(upTo: nil)
            for (index, reencoder) in reencoders.sorted(by: { $0.key < $1.key }) {
                for p in try reencoder.packets(for: nil) { try mux(p, into: copyMap[index]!) }
            }
            if started {
                let r = av_write_trailer(ctx)
                guard r >= 0 else { throw writeError(r) }
                if let pb = ctx.pointee.pb, pb.pointee.error < 0 { throw writeError(pb.pointee.error) }
            }
            let subtitlesOff = started && enablesSubtitlesUnasked
            try close()
            if subtitlesOff { SubtitleTrackEnabling.disableSubtitleTracks(inFileAt: output.writingPath) }
            try output.commit()
        } catch {
            abort()
            throw error
        }
    }

    /// Whether this MP4 or QuickTime file has subtitles none of which is a default, of which
    /// FFmpeg's muxer enables the first all the same (`SubtitleTrackEnabling`).
    private var enablesSubtitlesUnasked: Bool {
        guard let ctx = context, Self.quickTimeFamily.contains(containerName), !writesFragments else { return false }
        let subtitles = (0..<Int(ctx.pointee.nb_streams)).map { ctx.pointee.streams[$0]!.pointee }
            .filter { $0.codecpar.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE }
        return !subtitles.isEmpty && subtitles.allSatisfy { ($0.disposition & AV_DISPOSITION_DEFAULT) == 0 }
    }

    /// Stops writing and removes the partial output.
    public func abort() {
        try? close()
        output.discard()
    }

    /// SVT-AV1 (1.4) frees itself only after the end of its stream, and waits for ever where a
    /// run stops early (a container that refuses AV1, an error); an end of stream before any
    /// frame hangs it too. So it is given a blank frame where it had none, then the end, and
    /// what it still gives is dropped. Other encoders are freed as they are (x264's rest would
    /// cost time).
    private func endStream(of encoder: UnsafeMutablePointer<AVCodecContext>) {
        // An encoder that failed to open has no codec any more.
        guard let codec = encoder.pointee.codec, String(cString: codec.pointee.name) == "libsvtav1" else { return }
        if framesWritten == 0, let frame = av_frame_alloc() {
            var blank: UnsafeMutablePointer<AVFrame>? = frame
            (frame.pointee.width, frame.pointee.height, frame.pointee.format) = (encoder.pointee.width, encoder.pointee.height,
                                                                                 encoder.pointee.pix_fmt.rawValue)
            if av_frame_get_buffer(frame, 0) >= 0 {
                frame.pointee.pts = 0
                avcodec_send_frame(encoder, frame)
            }
            av_frame_free(&blank)
        }
        var rest = av_packet_alloc()
        defer { av_packet_free(&rest) }
        avcodec_send_frame(encoder, nil)
        while avcodec_receive_packet(encoder, rest) >= 0 { av_packet_unref(rest) }
    }

    private func close() throws {
        guard !closed else { return }
        closed = true
        if let enc = encoder { endStream(of: enc) }
        avcodec_free_context(&encoder)
        if let ctx = context {
            var r: Int32 = 0
            if let pb = ctx.pointee.pb { finalSize = Self.size(of: pb) }
            if (ctx.pointee.oformat.pointee.flags & AVFMT_NOFILE) == 0 && ctx.pointee.pb != nil {
                r = avio_closep(&ctx.pointee.pb)
            }
            avformat_free_context(ctx)
            context = nil
            if r < 0 { throw writeError(r) }
        }
    }
}
