import ArgumentParser
import CFFmpeg
import ClarityMedia
import ClarityEngine
import ClarityPipeline

/// The shared body of `transcode`, `pipe` and `live`: open, negotiate, pump, report.
struct EnhanceRun {
    /// What processes the frames, built once the input's format is known, and what it has to
    /// say after the run (nil for nothing).
    struct Stage {
        var stage: FrameStage
        /// Live mode: frames released at their timestamps and held to this deadline.
        var deadline: FrameDeadline? = nil
        var summary: () -> String?
        /// What the negotiated stage will not do, said before the first frame (set apart from
        /// the initializer, so that a trailing closure is always the summary).
        var setUpWarning: () -> String? = { nil }

        init(stage: FrameStage, deadline: FrameDeadline? = nil, summary: @escaping () -> String? = { nil }) {
            (self.stage, self.deadline, self.summary) = (stage, deadline, summary)
        }
    }

    var input: String
    var inputFormat: String?
    /// How the input is read (its part, interlacing, rate).
    var reading = InputReading()
    var output: String
    var encode: EncodeOptions
    var run: RunOptions
    var queueDepth = 3
    /// Copies of the stage working on consecutive frames at once.
    var framesAtOnce = 1
    /// Whether no option of the stage asks for anything that changes the picture's content
    /// (no size, model, preset or artifact removal): said before the run, unless filters of
    /// the user's do (`--vf`, `--post-vf`), as a user may have expected more.
    var enhancesNothing = false
    /// Whether the frames of a picture output (PNG, JPEG, GIF, WebP) whose pixels are not square
    /// are made square before the stage, as picture viewers ignore a pixel shape; not where
    /// `--size` gives the size, which the resize makes of square pixels (`4k`, `1440x-1`) or as asked.
    var squaresPictures = true
    /// Segments an HLS or DASH output keeps, as a live stream's window; nil: all (a film's).
    var liveWindow: Int?
    /// Called once per copy.
    var makeStage: (VideoFormat, ThreadPlan) throws -> Stage

    /// transcode and pipe: artifact removal (optional), then the model or classical resize.
    init(input: String, inputFormat: String?, output: String, resize: ResizeOptions, model: ModelOptions,
         deartifact: DeartifactOptions, encode: EncodeOptions, run: RunOptions) {
        let enhancers = EnhancerCopies()
        self.init(input: input, inputFormat: inputFormat, output: output, encode: encode, run: run) { format, threads in
            let usesLumaStage = try model.usesLumaStage(resize, input: format)
            if resize.compare && !usesLumaStage && !deartifact.isOn {
                throw MediaError(.invalidArgument, "--compare sets the enhanced picture beside the classical resize, and "
                                 + "nothing learned runs here: upscale with a model (--scale or --size, without --model bicubic) or add --deartifact")
            }
            let conversion = usesLumaStage || deartifact.isOn ? Self.lumaInput(format, threads: threads) : nil
            let upscale = try model.stage(for: conversion?.format ?? format, resize: resize, threads: threads)
            let enhancer = try deartifact.stage(precision: model.precision.resolved)
            if let enhancer { enhancers.all.append(enhancer) }
            let stages = Self.chain([conversion?.stage, enhancer, upscale.stage])
            let compared = resize.compare ? SplitComparison(stages, filter: try resize.scaleFilter(), threads: threads.pipeline) : stages
            return Stage(stage: compared) {
                let removal = enhancer.map { enhancer in
                    let side = enhancers.all.count > 1 ? ", \(enhancers.all.count) frames at once" : ""
                    return "artifact removal (\(enhancer.model.graph.name)\(enhancer.viewsNote)\(side)), tiles per exit: "
                        + EarlyExitEnhancer.exitMix(of: enhancers.all)
                }
                let lines = [removal, upscale.summary()].compactMap { $0 }
                return lines.isEmpty ? nil : lines.joined(separator: "\n")
            }
        }
        framesAtOnce = (try? model.framesAtOnce(resize, deartifacting: deartifact.isOn)) ?? 1
        squaresPictures = resize.size == nil
        enhancesNothing = !deartifact.isOn && model.preset == nil && ["auto", "bicubic"].contains(model.model) && (try? resize.target()) == nil
    }

    /// What `--vf` and `--af` put out of step: audio retimed otherwise than the video (a tempo
    /// change made to one of them alone), and subtitles, which nothing retimes.
    private static func warnOfStreamsOutOfStep(video: StreamLength?, audio: [(stream: Int, length: StreamLength)], copied: [StreamInfo]) {
        let tempo = video?.ratio ?? 1
        let copies = { (kind: StreamInfo.Kind) in copied.contains { $0.kind == kind } }
        let unretimed = (audio.isEmpty && copies(.audio) ? ["audio"] : []) + (copies(.subtitle) ? ["subtitles"] : [])
        if let video, video.isOutOfStep(), !unretimed.isEmpty {
            Console.warning(String(format: "--vf made the video %.2f s long from %.2f s: the %@ out of step with it (a change of tempo, "
                                   + "such as setpts=PTS/2, needs the audio's alike: --af atempo=2; a cut is --start and --duration)",
                                   video.output, video.input, unretimed.joined(separator: " and ") + (unretimed == ["audio"] ? " is" : " are")))
        }
        for (stream, length) in audio where length.isOutOfStep(with: tempo) {
            Console.warning(String(format: "--af made audio stream #%d %.2f s long from %.2f s: it is out of step with the video "
                                   + "(a change of tempo, such as atempo=1.25, needs the video's alike: --vf setpts=PTS/1.25)",
                                   stream, length.output, length.input))
        }
    }

    /// "column", "row" or "column and row": what an odd size lost to become `even`.
    static func edges(_ whole: VideoFormat, _ even: (width: Int, height: Int)) -> String {
        [whole.width != even.width ? "column" : nil, whole.height != even.height ? "row" : nil]
            .compactMap { $0 }.joined(separator: " and ")
    }

    /// Says what frames lose to the pixel format `encoder` takes, with what keeps it (a video
    /// encoder, or `pictureKeeper` for pictures), and where an RGB input made H.264 or HEVC in
    /// 4:4:4, that few players play it.
    static func warnOfPixelFormat(from input: VideoFormat, to output: VideoFormat, encoder: String, pictureKeeper: String?,
                                  transparent: () -> Bool?) {
        let loss = PixelFormatLoss(from: input.pixelFormat, to: output.pixelFormat, transparent: transparent)
        if !loss.isEmpty {
            let lost = loss.losses.count > 1 ? loss.losses.dropLast().joined(separator: ", ") + " and " + loss.losses.last! : loss.losses[0]
            var keeper = pictureKeeper
            if keeper == nil {
                let codecs = PixelFormatLoss.keepers(of: input.pixelFormat, besides: encoder).prefix(2)
                if !codecs.isEmpty { keeper = "--codec " + codecs.joined(separator: " or ") }
            }
            let instead = keeper.map { " (\($0) keeps it all)" } ?? ""
            Console.warning("\(encoder) takes no \(input.pixelFormatName): written as \(output.pixelFormatName), without \(lost)" + instead)
        }
        if let said = fewPlayers(from: input, to: output, encoder: encoder) { Console.warning(said) }
        if let said = beyondLevels(output, encoder: encoder) { Console.warning(said) }
    }

    /// Where `encoder` writes pictures larger than its codec's largest level holds (H.264,
    /// HEVC, VP9 and AV1 alike: 35,651,584 pixels, 8192x4352): written all the same (12K
    /// H.264 was labelled level 6.2), and decoded by few players. Any encoder of those codecs.
    static func beyondLevels(_ output: VideoFormat, encoder: String) -> String? {
        let levelled = [AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_VP9, AV_CODEC_ID_AV1]
        guard output.width * output.height > 8192 * 4352, let codec = avcodec_find_encoder_by_name(encoder),
              levelled.contains(codec.pointee.id) else { return nil }
        return "\(encoder) writes \(output.width)x\(output.height), more than the codec's largest level holds (35.7 million pixels, "
            + "8192x4352): few players decode it (7680x4320, 8K, fits)"
    }

    /// What to say where `encoder` writes `output` in a form few players play, with what
    /// plays: 8-bit 4:2:0, or for 10-bit 4:2:0 HEVC's Main 10 (HDR in 8 bits would band: HEVC
    /// or SDR alone). Nil where it plays.
    static func fewPlayers(from input: VideoFormat, to output: VideoFormat, encoder: String) -> String? {
        guard fewPlay(output.pixelFormat, from: encoder) else { return nil }
        let what = input.isRGB ? "RGB input (\(input.pixelFormatName)) as \(output.pixelFormatName)"
            : output.pixelFormatName + (output.colour.isHDR ? " HDR" : "") + (output.pixelFormat == input.pixelFormat ? " as the input has it" : "")
        let mainTen = encoder == "libx264" && output.bitDepth == 10 && isFourTwoZero(output.pixelFormat)
        let hevc = "HEVC's Main 10, which most phones and TVs play"
        let instead: String
        if mainTen && output.colour.isHDR {
            instead = "--codec libx265 keeps the HDR in \(hevc), and --sdr makes SDR that every player shows"
        } else {
            let enough = input.isRGB && output.width >= 2 * input.width && output.height >= 2 * input.height
            instead = "--pix-fmt yuv420p writes what they play" + (enough ? " (at this size it still holds every colour sample of the input)" : "")
                + (mainTen ? " (--codec libx265 keeps the 10 bits, as \(hevc))" : "")
        }
        return "\(encoder) writes \(what), which browsers, phones and many players cannot play: \(instead)"
    }

    /// Whether H.264 or HEVC from `encoder` in `format` plays in few places: browsers and
    /// hardware decoders take H.264 in 8-bit 4:2:0 only (High 10 and 4:4:4 had been written
    /// unsaid from 10-bit and 4:4:4 inputs), HEVC in 4:2:0 of 8 or 10 bits.
    private static func fewPlay(_ format: AVPixelFormat, from encoder: String) -> Bool {
        switch encoder {
        case "libx264": return VideoFormat.bitDepth(of: format) > 8 || !isFourTwoZero(format)
        case "libx265": return VideoFormat.bitDepth(of: format) > 10 || !isFourTwoZero(format)
        default: return false
        }
    }

    private static func isFourTwoZero(_ format: AVPixelFormat) -> Bool {
        guard let d = av_pix_fmt_desc_get(format) else { return false }
        return d.pointee.log2_chroma_w == 1 && d.pointee.log2_chroma_h == 1 && d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0
    }

    /// A frame rate as people write it: 12.5, 29.97, 30.
    static func fps(_ rate: Double) -> String { String(format: "%.5g", rate) }

    /// The luma stages take planar YUV or grey: frames in anything else (RGB, RGBA, NV12,
    /// packed YUV) go through a conversion stage first. Nil when `format` needs none.
    static func lumaInput(_ format: VideoFormat, threads: ThreadPlan) -> (format: VideoFormat, stage: FrameStage)? {
        PlanarYUV.conversion(for: format).map { target in
            (format.converted(to: target), ClassicalResize(target: nil, pixelFormat: target, threads: threads.pipeline))
        }
    }

    /// The stages given, one after another (one alone as it is).
    static func chain(_ stages: [FrameStage?]) -> FrameStage {
        let present = stages.compactMap { $0 }
        return present.count == 1 ? present[0] : StageChain(present)
    }

    /// The artifact-removal stage of every copy, so that the report counts every frame's tiles.
    private final class EnhancerCopies {
        var all: [EarlyExitEnhancer] = []
    }

    init(input: String, inputFormat: String?, output: String, encode: EncodeOptions, run: RunOptions,
         queueDepth: Int = 3, makeStage: @escaping (VideoFormat, ThreadPlan) throws -> Stage) {
        self.input = input; self.inputFormat = inputFormat; self.output = output; self.encode = encode; self.run = run
        self.queueDepth = queueDepth; self.makeStage = makeStage
    }

    func execute() throws {
        run.configureLogging()
        try reportingErrors {
            let threads = ThreadPlan(total: run.totalThreads, frameWorkers: framesAtOnce)
            var reading = reading
            // GIF times frames in hundredths of a second, and players show a frame of less than
            // 2 as 10: a 60 fps GIF would play at a third of its speed.
            let gif = encode.format.map { $0.lowercased() == "gif" } ?? output.lowercased().hasSuffix(".gif")
            if gif { reading.fastestRate = AVRational(num: 50, den: 1) }
            let reader = try MediaReader(url: input, format: inputFormat, decoderThreads: 1, reading: reading)
            if !run.quiet, let thinned = reader.thinned {
                Console.warning("GIF times frames in hundredths of a second, and players show a frame of less than 2 as 10: "
                                + "the \(Self.fps(av_q2d(thinned.from))) fps input is written at \(Self.fps(av_q2d(thinned.to))) fps "
                                + "(--fps chooses another rate)")
            }
            if !run.quiet && reader.looksTelecined {
                Console.warning("\(reader.name) looks like film telecined to 29.97 fps (3:2 pulldown: 2 of every 5 frames repeat a field): "
                                + "deinterlaced, 2 frames in 5 mix two film frames; --deinterlace film restores the film's own 23.976 frames")
            }
            if !run.quiet, let vision = DolbyVision(reader.videoStream) { Console.warning(vision.loss(of: reader.name)) }
            if !run.quiet && reading.crop == .auto {
                Console.write(reader.cropAsShown.map { "crop: \($0) (as --crop takes it), black bars found on frames across the input\n" }
                              ?? "crop: no black bars found, frames kept whole\n")
            }
            var sources = [input] + encode.addedSubtitles
            if case .file(let path)? = encode.burnSubtitles { sources.append(path) }
            let file = try OutputFile(output, overwrite: encode.overwrite, sources: sources)
            let writer = try MediaWriter(output: file, format: encode.format)
            writer.muxerOptions = encode.muxerOptions
            writer.liveWindow = liveWindow
            try writer.encodeAudio(encode.audioEncoding)
            writer.givenTags = encode.givenTags
            let picture = (reader.videoStream.parameters.pointee.width, reader.videoStream.parameters.pointee.height)
            var charsets: [(file: String, charset: SubtitleCharset?)] = []
            for path in encode.addedSubtitles {
                let file = try SubtitleFile(path: path, range: reader.range, canvas: picture, charset: encode.subtitleCharset)
                try writer.addSubtitles(file)
                charsets.append((path, file.charset))
                if let damage = file.damage, !run.quiet {
                    Console.warning("--add-subtitles: \(path) is damaged after its first \(damage.before) subtitle packet(s) "
                                    + "(\(damage.reason)): those are kept, the rest left out")
                }
            }
            // What draws on the picture draws on it as it is shown, as ffmpeg's filters after its
            // autorotate do: a phone's portrait clip is turned upright for them, MP4 too.
            let drawsOnPicture = reading.filterGraph != nil || encode.postFilters != nil || encode.burnSubtitles != nil
            if !writer.carriesDisplayMatrix || drawsOnPicture { try reader.turnUpright() }
            let stored = writer.holdsPictures && squaresPictures ? try reader.makePixelsSquare() : nil
            if let stored, !run.quiet {
                let shape = stored.sampleAspectRatio, square = reader.videoFormat
                Console.write("square pixels: the \(stored.width)x\(stored.height) frames, of pixels shaped \(shape.num):\(shape.den), are made "
                              + "\(square.width)x\(square.height) as they are shown, since picture viewers ignore a pixel shape\n")
            }
            let copies = try (0..<threads.frameWorkers).map { _ in try makeStage(reader.videoFormat, threads) }
            let stage = copies[0]
            // A pipe delivers at its writer's pace; a file (also one stdin is redirected from) at its timestamps'.
            stage.deadline?.paced = !reader.readsPipe
            // One picture file: the first frame of the part (`--start 12 still.png`).
            let onePicture = writer.holdsPicturesOnly && file.isOneFile
            if onePicture { reader.limitFrames(to: 1) }
            var encoder = encode.settings(for: writer, threads: threads.total, realTime: stage.deadline != nil)
            try writer.videoEncoder(encoder.codec)
            let burnt = try encode.burnSubtitles.map { try $0.resolved(in: reader) }
            encoder.subtitleBurn = try burnt.map {
                try SubtitleBurn($0, of: reader, forcedOnly: encode.burnForcedOnly, style: encode.subtitleStyle, charset: encode.subtitleCharset)
            }
            if case .file(let path)? = burnt { charsets.append((path, encoder.subtitleBurn?.fileCharset)) }
            for (path, _) in charsets where !run.quiet {
                if let format = SubtitleInput.readByExtension(path) {
                    Console.warning("\(path) does not begin as \(format) files do (a line before the first cue, cues without numbers, "
                                    + "or \"-->\" without spaces): read as \(format) by its name")
                }
            }
            for (path, charset) in charsets where charset?.guessed == true && !run.quiet {
                Console.warning("\(path) is not UTF-8: read as Windows-1252 (Western European); --subtitle-charset names its character set "
                                + "if it is another (CP1251, ISO-8859-2, GB18030, ...)")
            }
            // A stream's subtitles are timed on the input's own clock; a file's from the film's
            // start (the part's as the reader took it: `--chapters` made times).
            if case .stream? = burnt { encoder.clockStart = reader.clockOrigin } else { encoder.clockStart = reader.range.start }
            let pump = try FramePump(
                reader: reader, stages: copies.map(\.stage), writer: writer, encoder: encoder,
                copy: try encode.streamsToCopy(from: reader, into: writer, quiet: run.quiet),
                queueDepth: queueDepth, deadline: stage.deadline)
            let encoderName = writer.videoEncoderName ?? "the encoder"
            for mix in writer.audioMixedDown where !run.quiet {
                Console.warning("audio stream #\(mix.stream)'s \(mix.from) channels are mixed down to \(mix.to): \(mix.limit)")
            }
            let changesPicture = !enhancesNothing || drawsOnPicture
            if !run.quiet, !reader.deinterlaces, let fields = reader.interlacing, changesPicture || !writer.codesFields {
                Console.warning("\(reader.name) is interlaced (\(fields)): each frame is processed whole, both fields together, and written "
                                + (writer.codesFields ? "interlaced, as it came" : "progressive, at its new size")
                                + "; --deinterlace auto removes the combs on motion")
            }
            if !run.quiet, let size = writer.encodedSize {
                let whole = pump.outputFormat
                Console.warning("\(encoderName) encodes \(whole.pixelFormatName) only at even sizes: \(whole.width)x\(whole.height) "
                                + "is written as \(size.width)x\(size.height), without its last \(Self.edges(whole, size)) "
                                + "(--codec ffv1 or libvpx-vp9 keep them; --size chooses another size)")
            }
            if !run.quiet && encode.pixelFormat == nil && writer.toneMappedPeak == nil && !MediaWriter.codesPalettes(encoderName) {
                Self.warnOfPixelFormat(from: reader.videoFormat, to: pump.outputFormat, encoder: encoderName,
                                       pictureKeeper: writer.holdsPicturesOnly ? "a .png" : writer.holdsPictures ? "an .apng" : nil,
                                       transparent: { reader.firstFrameShowsTransparency })
            }
            if !run.quiet, let warning = stage.setUpWarning() { Console.warning(warning) }
            if !run.quiet, writer.videoEncoderIsLossless, let rate = encode.rateOption {
                Console.warning("\(encoderName) is lossless: \(rate) does nothing (it keeps every frame exactly; a lossy encoder such as libx264 takes a rate)")
            }
            if !run.quiet, let said = writer.encoderWarnings {
                Console.warning("\(encoderName), of the options given: \(said)")
            }
            if !run.quiet, let rates = writer.restatedFrameRate {
                Console.warning("\(encoderName) codes only standard frame rates: the video is written at \(Self.fps(rates.written)) fps, "
                                + "the nearest to the input's \(Self.fps(rates.input)), frames left out or held to keep time")
            }
            if !run.quiet, let peak = writer.toneMappedPeak {
                Console.write("tone mapped: the HDR is made SDR\(encode.makesSDR ? "" : " (\(file.name) cannot say HDR)") as BT.2408 maps it: "
                              + "the grade's white, \(Int(ToneMapper.referenceWhite)) cd/m2, becomes white; highlights up to \(Int(peak)) cd/m2 "
                              + "\(encode.tonemap?.effect ?? ToneCurve.mobius.effect)\n")
            } else if !run.quiet && encode.makesSDR {
                Console.warning("\(encode.sdrOptions): \(reader.name) is not HDR (PQ or HLG): its colours are kept as they are")
            }
            // Said once the run is set up, so that a refusal is not preceded by it.
            if !run.quiet && !changesPicture {
                Console.write("not enhanced: the frames are re-encoded\(stored == nil ? " at their size" : "") (--scale or --size upscales with the default model, "
                              + "--deartifact auto removes compression artifacts, --preset routes)\n")
            }
            let printer = ProgressPrinter(mode: run.progress, quiet: run.quiet)
            let interrupts = try InterruptHandler { pump.stop() }
            let result = try pump.run(onProgress: printer.update)
            withExtendedLifetime(interrupts) {}
            printer.finish(result)
            if !run.quiet && result.reshapedFrames > 0 && reader.readsPictureSequence {
                Console.warning("pictures of another size than the first were made its size: enhance such pictures one by one "
                                + "(for f in *.jpg; do clarity transcode \"$f\" \"big-${f%.jpg}.png\" --scale 2; done)")
            }
            if !run.quiet && onePicture && reader.framesLeftBehind {
                Console.warning("\(file.name) holds one picture: the first frame\(reading.range.start > 0 ? " from --start" : "") is written "
                                + "(name a numbered sequence, e.g. frame%04d.png, for every frame)")
            }
            if !run.quiet, let damage = writer.burntSubtitleDamage {
                Console.warning("--burn-subtitles: the subtitles are damaged after their first \(damage.before) event(s) "
                                + "(\(damage.reason)): those were drawn, the rest left out")
            }
            if !run.quiet && writer.framesWithCaptionsLost > 0 {
                Console.warning("the input's closed captions (CEA-608/708, on \(writer.framesWithCaptionsLost) frames) are not in \(file.name): "
                                + "\(encoderName) cannot write them (libx264 and mpeg2video can)")
            }
            if !run.quiet && writer.framesLeftOutToKeepTime > 0 && writer.restatedFrameRate == nil, let clock = writer.framesCountedPerSecond {
                Console.warning("\(writer.framesLeftOutToKeepTime) frame(s) left out to keep time: \(file.name) counts frames at "
                                + "\(Self.fps(clock)) fps, and they came closer together")
            }
            if !run.quiet { Self.warnOfStreamsOutOfStep(video: reader.filteredLength, audio: writer.filteredAudioLengths, copied: pump.copiedStreams) }
            if !run.quiet && reader.wentSilent {
                Console.warning("\(input) sent nothing for \(reader.silence): taken as its end (--input-timeout waits longer)")
            }
            if !run.quiet, let summary = stage.summary() { Console.write(summary + "\n") }
            if result.interrupted {
                if !run.quiet {
                    Console.warning("interrupted: \(file.writesInPlace ? "the stream" : file.name) holds the \(result.framesWritten) frames written before \(interrupts.cause ?? "the stop")")
                }
                throw interrupts.stopped
            }
        }
    }
}
