import ArgumentParser
import CFFmpeg
import ClarityMedia

extension Deinterlacing: ExpressibleByArgument {}

/// How the input is read: the part to process (`--start`, `--duration`, in ffmpeg's time
/// syntax, and `--frames`), what becomes of interlaced video, the rate of an untimed input, and the demuxer's
/// options.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start this far into the input: seconds, or [HH:]MM:SS[.frac] (as ffmpeg's -ss). The part starts at time 0 in the output; audio and subtitles are cut alike.",
                               valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("Process this much of the input, from --start (same syntax).", valueName: "time"))
    var duration: String?

    @Option(help: ArgumentHelp("Stop at this time of the input (same syntax; as ffmpeg's -to): --start 1:00 --to 1:30 is 30 s. Not with --duration.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Process only these chapters, numbered from 1 as players number them: 3, or 3-5 (from the start of the third to the end of the fifth). In place of --start and --duration; the part keeps its chapters.",
                               valueName: "N[-M]"))
    var chapters: String?

    @Option(help: ArgumentHelp("Process only the first N frames (of the part --start chooses); 0: all. Copied audio and subtitles stop with them.",
                               valueName: "N"))
    var frames = 0

    @Option(help: ArgumentHelp("Keep only this part of the picture, before anything else but deinterlacing: W:H:X:Y as the picture is shown (a phone's portrait clip upright; W:H centres it), as ffmpeg's crop filter after its autorotate; or auto: the black bars of a letterboxed (or pillarboxed) picture, found on frames across the file.",
                               valueName: "W:H[:X:Y]|auto"))
    var crop: String?

    @Option(help: ArgumentHelp("Interlaced video: auto (deinterlace what the input says is interlaced), on (every frame, for an input interlaced but not flagged so), double (one frame per field: 25i becomes 50p), film (inverse telecine: film carried in 29.97 fps video by 3:2 pulldown, as on NTSC DVDs, back to its 23.976 whole frames), off (frames as decoded: written interlaced at the input's size, combed on motion when resized). FFmpeg's bwdif (film: fieldmatch and decimate first), before any other processing.",
                               valueName: "mode"))
    var deinterlace: Deinterlacing = .auto

    @Option(help: ArgumentHelp("Output frame rate: frames dropped or repeated to it (as ffmpeg's fps filter), after deinterlacing and before any enhancing, so that a frame left out costs nothing: a 60 fps phone clip at 30 has half its frames upscaled; DV's and DVD's 29.97 or 25. In live mode the deadline follows it (30: 33.3 ms). 24, 29.97, 30000/1001, ntsc, pal, ...",
                               valueName: "fps"))
    var fps: String?

    @Option(name: .customLong("vf"),
            help: ArgumentHelp("FFmpeg filters for each frame before any enhancing (after deinterlacing, --fps, --crop and turning upright: on the picture as shown), as ffmpeg's -vf takes them: a denoiser for a noisy source (hqdn3d, nlmeans), colour (eq=saturation=1.1, curves), ... They may change the size (scale=iw/2:-2, pad, transpose=1: what follows is set up for the frames they give, --size too) and the rate (minterpolate=fps=60); their frames are converted back to the pixel format that came in.",
                               valueName: "filters"))
    var vf: String?

    @Option(name: .customLong("video-stream"),
            help: ArgumentHelp("The video stream to enhance, by its index in the input, as ffprobe and Clarity's warnings number streams (#1) and as ffmpeg's -map 0:1 takes it: a file's second angle, or a programme of a broadcast recording. Default: FFmpeg's choice, usually the first; the others are dropped.",
                               valueName: "index"))
    var videoStream: Int?

    @Option(name: .customLong("input-rate"),
            help: ArgumentHelp("Frame rate of an input without timing of its own: a picture sequence (read at 25 fps otherwise) or a raw H.264 / HEVC stream (read at the rate it claims). 24, 29.97, 30000/1001, ntsc, ...",
                               valueName: "fps"))
    var inputRate: String?

    @Option(name: .customLong("input-option"),
            help: ArgumentHelp("A demuxer option by FFmpeg name, key=value; repeatable. What an input that does not describe itself needs: raw frames (--input-format rawvideo with video_size=1280x720, pixel_format=yuv420p, framerate=30), a camera (--input-format v4l2 with video_size, framerate, input_format=mjpeg); pictures named by a shell pattern ('shots/*.jpg' with pattern_type=glob). An option the demuxer lacks is an error.",
                               valueName: "key=value"))
    var inputOptions: [String] = []

    @Option(name: .customLong("input-timeout"),
            help: ArgumentHelp("Seconds a network input (udp://, rtmp://, http://, ...) may send nothing before it is taken as ended and the output finished with what came (default 10); 0: wait for ever. Longer for a source that pauses (a camera that reconnects), shorter to finish sooner once a stream stops.",
                               valueName: "seconds"))
    var inputTimeout: Double?

    func validate() throws { _ = try parsed() }

    /// How to read the input.
    var reading: InputReading { (try? parsed()) ?? InputReading() }

    private func parsed() throws -> InputReading {
        func rate(_ text: String?, _ option: String) throws -> AVRational? {
            try text.map { text in
                guard let r = InputReading.frameRate(text) else {
                    throw ValidationError("\(option) takes a frame rate (24, 29.97, 30000/1001, ntsc), not '\(text)'")
                }
                return r
            }
        }
        let cropping = try crop.map { text in
            guard let c = Cropping(text) else {
                throw ValidationError("--crop takes W:H, W:H:X:Y (whole pixels, as ffmpeg's crop) or auto, not '\(text)'")
            }
            return c
        } ?? Cropping.none
        if let videoStream, videoStream < 0 { throw ValidationError("--video-stream takes a stream's index (0, 1, ...), not \(videoStream)") }
        guard frames >= 0 else { throw ValidationError("--frames takes a count of frames (0: all), not \(frames)") }
        if let vf, vf.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--vf takes FFmpeg filters (hqdn3d, eq=contrast=1.1, ...), not nothing") }
        var reading = InputReading(range: try range(), deinterlace: deinterlace, frameRate: try rate(inputRate, "--input-rate"),
                                   demuxerOptions: try KeyValueOptions.parse(inputOptions, flag: "--input-option"),
                                   frameLimit: frames > 0 ? frames : nil, crop: cropping, rate: try rate(fps, "--fps"))
        if let inputTimeout, !(inputTimeout >= 0 && inputTimeout.isFinite) {
            throw ValidationError("--input-timeout takes seconds (10, 0.5; 0: wait for ever), not \(inputTimeout)")
        }
        reading.inputTimeout = inputTimeout
        reading.filterGraph = vf
        reading.videoStream = videoStream
        if let chapters {
            guard start == nil && duration == nil && to == nil else {
                throw ValidationError("--chapters chooses the part: not with --start, --duration or --to")
            }
            let bounds = chapters.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int($0) }
            guard let first = bounds.first ?? nil, let last = bounds.last ?? nil, first >= 1, last >= first else {
                throw ValidationError("--chapters takes a chapter's number (1, 2, ...) or a span of them (3-5), not '\(chapters)'")
            }
            reading.chapters = first...last
        }
        return reading
    }

    private func range() throws -> InputRange {
        func seconds(_ text: String?, _ option: String) throws -> Double? {
            guard let text else { return nil }
            guard let s = InputRange.seconds(text) else {
                throw ValidationError("\(option) takes a time: seconds (90, 1.5) or [HH:]MM:SS[.frac] (1:30), not '\(text)'")
            }
            return s
        }
        let start = try seconds(start, "--start") ?? 0
        var duration = try seconds(duration, "--duration")
        if let duration, duration <= 0 { throw ValidationError("--duration must be more than 0") }
        if let end = try seconds(to, "--to") {
            if duration != nil { throw ValidationError("--to and --duration both say where the part ends: give one of them") }
            guard end > start else { throw ValidationError("--to must be later than --start (\(self.start ?? "0"))") }
            duration = end - start
        }
        return InputRange(start: start, duration: duration)
    }
}
