import ArgumentParser
import ClarityMedia

/// How the output is encoded and muxed.
struct EncodeOptions: ParsableArguments {
    @Option(help: "Video encoder, by FFmpeg name: libx264, libx265, ffv1 (lossless), rawvideo, ...; or a codec, for its usual encoder, as ffmpeg's -c takes it: hevc, av1, vp9 (default: libx264; for pipes, the container's raw format; for pictures, the picture format's; for a container that holds no H.264, its own: VP9 for WebM, Theora for Ogg; for a bare stream, its codec: x265 for .hevc, MPEG-2 for .m2v).")
    var codec: String?

    @Option(help: "Constant rate factor (lower is better; x264: 0-51; default 18). Encoders without one get their own quality setting for about x264's picture at the same value: MPEG-1/2/4, MJPEG and Xvid a constant quantizer of crf/6 (ffmpeg's -q:v), VP8 a fixed quantizer, rav1e a quantizer (44 at 18), Theora and WebP their quality scales. Not with --bitrate, nor with a rate given as --encoder-option (qp=0: lossless x264).")
    var crf: Double?

    @Option(help: ArgumentHelp("Target video bitrate instead of --crf (8M, 2500k): for streaming and size limits.", valueName: "rate"))
    var bitrate: String?

    @Option(name: .customLong("encoder-option"),
            help: ArgumentHelp("An encoder option by FFmpeg name, key=value; repeatable (tune=film, maxrate=8M, bufsize=16M, g=60, x264-params=...).",
                               valueName: "key=value"))
    var encoderOptions: [String] = []

    @Option(help: "Encoder speed preset (x264, x265: ultrafast, superfast, veryfast, faster, fast, medium, slow, ...; SVT-AV1: 0-13; default: veryfast for x264 and x265, ultrafast in live mode, the encoder's own for others). libvpx-vp9 and libaom-av1 have none: their speed is --encoder-option cpu-used=N (default here: 4 and 6, with row-mt=1); rav1e's is speed=N (default here: 10).")
    var encoderPreset: String?

    @Flag(help: "Make HDR (PQ or HLG) SDR in BT.709, for SDR screens and sites, as BT.2408 maps it: the grade's white (203 cd/m2) becomes white, highlights roll off; in 8 bits, dithered (--pix-fmt yuv420p10le keeps 10). Pictures and GIFs, which cannot say HDR, always get it.")
    var sdr = false

    @Option(help: ArgumentHelp("As --sdr, with this curve for highlights above white: mobius (the default: levels below half of white kept, a smooth roll-off above), hable (filmic: the most highlight detail, the rest darker), reinhard, clip (cut at white). Also for pictures and GIFs.", valueName: "curve"))
    var tonemap: ToneCurve?

    @Option(name: .customLong("hdr-peak"),
            help: ArgumentHelp("As --sdr, with highlights rolled off up to this brightness in cd/m2 (203, the grade's white, to 10000) instead of the one the stream states (its MaxCLL, else its mastering display's peak, else 1000): for a stream that states none, or too much. Lower brightens the highlights and clips what lies above.", valueName: "nits"))
    var hdrPeak: Double?

    @Option(name: .customLong("post-vf"),
            help: ArgumentHelp("FFmpeg filters for each frame after enhancing, just before the encoder, as ffmpeg's -vf takes them: grain that hides an upscale's smoothness (noise=alls=6:allf=t), sharpening (unsharp), a logo or text (drawtext), ... They must keep the frame's size; their frames are converted back to the pixel format the encoder was given. With --start they run on the output's clock, as ffmpeg's filters do (fade=t=in:d=1 fades the part in); --burn-subtitles times subtitles on the film's.",
                               valueName: "filters"))
    var postFilters: String?

    /// The option given that sets the video's rate (`--crf`, `--bitrate`), if any.
    var rateOption: String? { crf != nil ? "--crf" : bitrate != nil ? "--bitrate" : nil }

    /// Whether HDR video is made SDR (`--sdr`, or a curve or peak named).
    var makesSDR: Bool { sdr || tonemap != nil || hdrPeak != nil }

    /// The options given that make HDR SDR, for a warning that the input is not HDR.
    var sdrOptions: String {
        [sdr ? "--sdr" : nil, tonemap != nil ? "--tonemap" : nil, hdrPeak != nil ? "--hdr-peak" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    @Option(name: .customLong("pix-fmt"), help: "Output pixel format (default: the input's when the encoder takes it).")
    var pixelFormat: String?

    @Option(help: ArgumentHelp("Output container, by FFmpeg muxer name or by an extension it writes: mkv, ts, y4m, wmv, ... (default: from the file extension).", valueName: "container"))
    var format: String?

    @Option(name: .customLong("output-option"),
            help: ArgumentHelp("A muxer option by FFmpeg name, key=value; repeatable, as ffmpeg takes them before the output: movflags=+write_colr, mpegts_service_id=7, cluster_time_limit=2000. movflags adds to Clarity's own where it begins with + or - (MP4 and QuickTime files are written with their index first, faststart: movflags=-faststart leaves it last). An option the muxer lacks is an error.",
                               valueName: "key=value"))
    var outputOptions: [String] = []

    /// `--output-option`s by key (checked by `validate`).
    var muxerOptions: [String: String] { (try? KeyValueOptions.parse(outputOptions, flag: "--output-option")) ?? [:] }

    @Flag(help: "Do not copy audio streams.")
    var noAudio = false

    @Option(name: .customLong("audio-codec"),
            help: ArgumentHelp("Encode every audio stream again with this FFmpeg encoder (aac, libopus, flac, ac3, libmp3lame; or a codec, for its usual encoder: mp3) instead of copying it: lossless or surround sound made small, or a codec a device needs. Default (copy): copied, or encoded again only where the container cannot hold it (AAC, or Opus for WebM).",
                               valueName: "encoder"))
    var audioCodec: String?

    @Option(name: .customLong("audio-bitrate"),
            help: ArgumentHelp("Bitrate of audio encoded again (96k, 192k); given alone, every audio stream is encoded again in the container's usual codec (AAC, or Opus for WebM). Default: 192k for stereo, 64k a channel beyond.",
                               valueName: "rate"))
    var audioBitrate: String?

    @Option(name: .customLong("af"),
            help: ArgumentHelp("FFmpeg audio filters for every audio stream, as ffmpeg's -af takes them: loudness made even (loudnorm), hiss removed (afftdn), louder (volume=2). The audio is encoded again (in the container's usual codec unless --audio-codec says).",
                               valueName: "filters"))
    var audioFilters: String?

    /// How audio is encoded again, if the user asks.
    var audioEncoding: AudioEncoding {
        AudioEncoding(encoder: audioCodec == "copy" ? nil : audioCodec, bitRate: audioBitrate.flatMap(EncoderSettings.bitRate), filters: audioFilters)
    }

    @Option(name: .customLong("metadata"),
            help: ArgumentHelp("A tag of the output file, key=value, over the input's (which are copied); repeatable, as ffmpeg's -metadata: title=\"My film\", comment=, an empty value removing the tag.",
                               valueName: "key=value"))
    var metadata: [String] = []

    @Option(name: .customLong("burn-subtitles"),
            help: ArgumentHelp("Burn subtitles into the picture, after enhancing, on the input's clock whatever --start cuts: the input's subtitle stream with this index (as ffprobe and --video-stream number streams) or the first in this language (eng, fra, ...), or a subtitle file (film.srt, .ass, .vtt, TTML's .ttml/.dfxp, a Blu-ray's .sup). Text is drawn at the output's size by libass, with the fonts the file carries, also from a pipe; subtitles stored as pictures (Blu-ray's PGS, DVD, DVB) are scaled from their canvas onto the output, as a player shows them. A burnt track is still copied too, unless --no-subtitles.",
                               valueName: "index|language|file"))
    var burnSubtitles: SubtitleBurn.Source?

    @Option(name: .customLong("add-subtitles"),
            help: ArgumentHelp("Add a subtitle file (film.srt, .ass, .vtt, TTML's .ttml/.dfxp, a Blu-ray's .sup) as a subtitle stream of its own, after the input's; repeatable. Its language is the file name's where the part before the extension says it (film.fra.srt: fra), else a TTML file's own. Timed from the film's start, so --start and --duration cut it alike; MP4 takes text as MOV text.",
                               valueName: "file"))
    var addedSubtitles: [String] = []

    @Option(name: .customLong("subtitle-style"),
            help: ArgumentHelp("ASS style fields for burnt text subtitles, set over their own, as libass takes them: FontSize=24 (on a canvas 288 high, whatever the output's size), FontName=DejaVu Sans, PrimaryColour=&H0000FFFF (yellow: &HAABBGGRR), Outline=2, MarginV=30, ...; fields joined by commas.",
                               valueName: "fields"))
    var subtitleStyle: String?

    @Option(name: .customLong("subtitle-charset"),
            help: ArgumentHelp("Character set of subtitle files (--burn-subtitles FILE, --add-subtitles) that are not UTF-8, as iconv names it: CP1251 (Cyrillic), ISO-8859-2 (Central European), CP1256 (Arabic), GB18030, BIG5, SHIFT_JIS, ... Without it such a file is read as Windows-1252 (Western European), with a warning. Files in UTF-8 are read as they are.",
                               valueName: "charset"))
    var subtitleCharset: String?

    @Flag(name: .customLong("burn-forced-only"),
          help: "Burn only the lines a disc marks as forced (a Blu-ray's PGS or a DVD's subtitles): those that translate dialogue in another language, in a film otherwise in the viewer's own.")
    var burnForcedOnly = false

    /// The tags given (`--metadata`), checked by `validate`. Keys match whatever their case,
    /// as in FFmpeg's dictionaries: the last given wins.
    var givenTags: [String: String] {
        metadata.reduce(into: [:]) { tags, argument in
            guard let (key, value) = (try? KeyValueOptions.parse([argument], flag: "--metadata"))?.first else { return }
            tags = tags.filter { $0.key.caseInsensitiveCompare(key) != .orderedSame }
            tags[key] = value
        }
    }

    @Flag(help: "Do not copy subtitle streams, nor the files attached for them (an MKV's fonts).")
    var noSubtitles = false

    @Option(name: .customLong("audio-stream"),
            help: ArgumentHelp("Copy (or encode) only this audio stream, by its index (as ffprobe numbers streams; ffmpeg's -map 0:2), or every audio stream in a language, by its tag (eng, fra, ...); repeatable, kept in the input's order: one language of several. Default: every audio stream.",
                               valueName: "index|language"))
    var audioStreams: [StreamChoice] = []

    @Option(name: .customLong("subtitle-stream"),
            help: ArgumentHelp("Copy only this subtitle stream, by its index, or those in a language (eng, fra, ...); repeatable. Default: every subtitle stream.",
                               valueName: "index|language"))
    var subtitleStreams: [StreamChoice] = []

    @Flag(name: [.customShort("y"), .long], help: "Replace the output file if it exists, or if another program makes it while the run writes (otherwise the enhanced copy goes beside it, numbered).")
    var overwrite = false

    /// Speed options for encoders whose own defaults are far slower than x264's veryfast (the
    /// default here): at 4K on 2 cores libvpx-vp9 runs 1.6 times faster and libaom-av1 8 times
    /// (files 14% and 30% larger), rav1e 2.5 times at 720p (docs/benchmarks.md). The same
    /// option given by the user wins.
    static let speedDefaults: [String: [String: String]] = [
        "libvpx-vp9": ["row-mt": "1", "cpu-used": "4"],
        "libaom-av1": ["row-mt": "1", "cpu-used": "6"],
        "librav1e": ["speed": "10"],
    ]

    /// Encoder options that set the rate themselves, in place of the default --crf.
    private static let rateOptions: Set = ["crf", "qp", "b", "q", "global_quality", "quality"]

    func validate() throws {
        if let crf, !(0...63).contains(crf) { throw ValidationError("--crf must be between 0 and 63") }
        let options = try KeyValueOptions.parse(encoderOptions, flag: "--encoder-option")
        _ = try KeyValueOptions.parse(metadata, flag: "--metadata")
        _ = try KeyValueOptions.parse(outputOptions, flag: "--output-option")
        for (option, rate, example) in [("--bitrate", bitrate, "8M, 2500k"), ("--audio-bitrate", audioBitrate, "192k, 1.5M")] {
            if let rate, EncoderSettings.bitRate(rate) == nil { throw ValidationError("\(option) takes a bitrate above 0 (\(example)), not '\(rate)'") }
        }
        if let rate = options.keys.sorted().first(where: Self.rateOptions.contains), crf != nil || bitrate != nil {
            throw ValidationError("--encoder-option \(rate)=... sets the rate, as \(crf != nil ? "--crf" : "--bitrate") does: give one of them")
        }
        if crf != nil && bitrate != nil { throw ValidationError("--crf and --bitrate both set the rate: give one of them") }
        // ffmpeg's words for "as it is" and "none", which name no encoder here.
        if codec == "copy" {
            throw ValidationError("--codec copy would keep the video as it is, where Clarity writes it anew: name an encoder (libx264, libx265, ffv1, ...) or leave --codec out")
        }
        if codec?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw ValidationError("--codec takes an encoder's name (libx264, libx265, ffv1, ...), not nothing")
        }
        if audioCodec == "none" { throw ValidationError("--audio-codec none: --no-audio leaves the audio out") }
        if audioCodec?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw ValidationError("--audio-codec takes an encoder's name (aac, libopus, flac, ...) or copy, not nothing")
        }
        if audioCodec == "copy", let other = audioBitrate != nil ? "--audio-bitrate" : audioFilters != nil ? "--af" : nil {
            throw ValidationError("--audio-codec copy keeps the audio as it is, and \(other) would encode it again: give one of them")
        }
        if noAudio, let other = audioCodec != nil ? "--audio-codec" : audioBitrate != nil ? "--audio-bitrate" : audioFilters != nil ? "--af" : nil {
            throw ValidationError("--no-audio drops the audio that \(other) would encode: give one of them")
        }
        if noAudio && !audioStreams.isEmpty { throw ValidationError("--no-audio drops the audio that --audio-stream chooses: give one of them") }
        if noSubtitles && !subtitleStreams.isEmpty {
            throw ValidationError("--no-subtitles drops the subtitles that --subtitle-stream chooses: give one of them")
        }
        if subtitleStyle != nil && burnSubtitles == nil {
            throw ValidationError("--subtitle-style styles the subtitles --burn-subtitles burns: give that too")
        }
        if let subtitleStyle, subtitleStyle.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--subtitle-style takes ASS style fields (FontSize=24,Outline=2, ...), not nothing")
        }
        if let subtitleCharset {
            do { try SubtitleCharset.check(subtitleCharset) } catch let error as MediaError { throw ValidationError(error.message) }
        }
        if burnForcedOnly && burnSubtitles == nil {
            throw ValidationError("--burn-forced-only chooses lines of the subtitles --burn-subtitles burns: give that too")
        }
        if case .stream(let index)? = burnSubtitles, index < 0 {
            throw ValidationError("--burn-subtitles takes a stream's index (0, 1, ...) or a subtitle file, not \(index)")
        }
        if let audioFilters, audioFilters.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--af takes FFmpeg audio filters (loudnorm, volume=2, ...), not nothing")
        }
        if let hdrPeak, !(ToneMapper.referenceWhite...10000).contains(hdrPeak) {
            throw ValidationError("--hdr-peak is a brightness in cd/m2, from 203 (the grade's white) to 10000 (PQ's top): not \(String(format: "%g", hdrPeak))")
        }
        if let postFilters, postFilters.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--post-vf takes FFmpeg filters (unsharp, noise=alls=6:allf=t, ...), not nothing")
        }
    }

    /// `realTime` (live mode): x264 and x265 default to ultrafast, as veryfast cannot keep a
    /// 30 fps pace at 1440p beside the enhancer on 2 cores (docs/benchmarks.md).
    func settings(for writer: MediaWriter, threads: Int, realTime: Bool = false) -> EncoderSettings {
        let codec = writer.videoCodec(asked: self.codec)
        // x264's and x265's presets by name; other encoders' presets mean other things (WebP's: photo, drawing, ...).
        let preset = encoderPreset ?? (EncoderSettings.namedPresetEncoders.contains(codec) ? (realTime ? "ultrafast" : "veryfast") : nil)
        var options = (try? KeyValueOptions.parse(encoderOptions, flag: "--encoder-option")) ?? [:]
        if let bitrate { options["b"] = bitrate }
        options.merge(Self.speedDefaults[codec] ?? [:]) { given, _ in given }
        let rateGiven = options.keys.contains(where: Self.rateOptions.contains)
        var settings = EncoderSettings(codec: codec, crf: rateGiven ? nil : crf ?? 18, preset: preset, threads: threads,
                                       pixelFormat: pixelFormat, options: options)
        settings.optionsNamed = !encoderOptions.isEmpty
        settings.toneMapsHDR = makesSDR
        settings.toneCurve = tonemap ?? .mobius
        settings.hdrPeak = hdrPeak
        settings.postFilters = postFilters
        return settings
    }

    /// The input streams to copy: audio and subtitles unless switched off, with the files
    /// attached beside subtitles (an MKV's fonts), and the cover picture; only those the
    /// container can hold (the others are reported unless `quiet`).
    func streamsToCopy(from reader: MediaReader, into writer: MediaWriter, quiet: Bool) throws -> [StreamInfo] {
        for (chosen, kind, option) in [(audioStreams, StreamInfo.Kind.audio, "--audio-stream"), (subtitleStreams, .subtitle, "--subtitle-stream")] {
            let candidates = reader.streams.filter { $0.kind == kind }
            if let wrong = chosen.first(where: { choice in !candidates.contains(where: choice.picks) }) {
                throw StreamInfo.missing(wrong, option: option, kind: kind, among: candidates, in: reader.name, streams: reader.streams)
            }
        }
        if !quiet && audioEncoding.isAsked {
            let given = [audioCodec.map { _ in "--audio-codec" }, audioBitrate.map { _ in "--audio-bitrate" }, audioFilters.map { _ in "--af" }]
                .compactMap { $0 }.joined(separator: ", ")
            if !reader.streams.contains(where: { $0.kind == .audio }) {
                Console.warning("\(given): \(reader.name) has no audio, so there is nothing to encode again")
            } else if writer.holdsPictures {
                Console.warning("\(given): \(writer.output.name) holds pictures, without sound")
            }
        }
        var audioKept = false
        return reader.streams.filter { s in
            if reader.otherProgrammeStreams.contains(s.index) {
                if !quiet && s.kind != .data {
                    Console.warning("dropping \(s.kind.rawValue) stream #\(s.index) (\(s.codecName)): it belongs to another programme "
                                    + "of the multiplex than the video, #\(reader.videoStream.index)")
                }
                return false
            }
            switch s.kind {
            case .audio where !noAudio && (audioStreams.isEmpty || audioStreams.contains { $0.picks(s) }),
                 .subtitle where !noSubtitles && (subtitleStreams.isEmpty || subtitleStreams.contains { $0.picks(s) }),
                 .attachment where !noSubtitles, .video where s.isAttachedPicture:
                if [.audio, .subtitle].contains(s.kind), let fault = s.headerFault {
                    if !quiet {
                        Console.warning("dropping \(s.kind.rawValue) stream #\(s.index) (\(s.codecName)): \(fault)")
                    }
                    return false
                }
                let carriage = writer.carriage(of: s)
                if s.kind == .audio && carriage != .not {
                    if writer.holdsOneAudioStream && audioKept {
                        if !quiet {
                            Console.warning("dropping audio stream #\(s.index) (\(s.codecName)): the \(writer.containerName) container holds "
                                            + "one audio stream (--audio-stream \(s.index) chooses this one)")
                        }
                        return false
                    }
                    audioKept = true
                }
                switch carriage {
                case .asItIs: return true
                case .reencoded(let codec):
                    // Audio encoded again on request is what the user asked for: nothing to say.
                    if !quiet && !(s.kind == .audio && audioEncoding.isAsked) {
                        Console.warning("re-encoding \(s.kind.rawValue) stream #\(s.index) (\(s.codecName)) as \(MediaWriter.displayName(ofCodec: codec)): the \(writer.containerName) container cannot hold it as it is")
                    }
                    return true
                case .not: break
                }
                // Pictures hold no sound or text: nothing to warn about.
                if !quiet && !writer.holdsPictures {
                    let what = s.isAttachedPicture ? "cover picture" : s.kind.rawValue
                    let way = writer.containerName == "rtp" ? "; RTP carries one stream, and --format rtp_mpegts video and sound together"
                        : writer.outputHolding(s).map { "; an \($0) output keeps it" } ?? ""
                    Console.warning("dropping \(what) stream #\(s.index) (\(s.codecName)): the \(writer.containerName) container cannot hold it\(way)")
                }
                return false
            case .video where s.index != reader.videoStream.index:
                if !quiet {
                    Console.warning("dropping video stream #\(s.index) (\(s.codecName)): only one video stream, #\(reader.videoStream.index), "
                                    + "is enhanced (--video-stream \(s.index) chooses this one)")
                }
                return false
            case .data where s.isTTML && !noSubtitles:
                if !quiet {
                    Console.warning("dropping subtitle stream #\(s.index) (TTML): FFmpeg 5.1 cannot read TTML in MP4; "
                                    + TTMLSubtitles.copyOutHint(stream: s.index, of: reader.name))
                }
                return false
            default:
                return false
            }
        }
    }
}

extension ToneCurve: ExpressibleByArgument {}

extension SubtitleBurn.Source: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension StreamChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
