import ArgumentParser
import ClarityMedia

extension Deinterlacing: ExpressibleByArgument {}

/// How the input is read: the part to process (`--start`, `--duration`, in ffmpeg's time
/// syntax) and what becomes of interlaced video.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start this far into the input: seconds, or [HH:]MM:SS[.frac] (as ffmpeg's -ss). The part starts at time 0 in the output; audio and subtitles are cut alike.",
                               valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("Process this much of the input, from --start (same syntax).", valueName: "time"))
    var duration: String?

    @Option(help: ArgumentHelp("Interlaced video: auto (deinterlace what the input says is interlaced), on (every frame, for an input interlaced but not flagged so), double (one frame per field: 25i becomes 50p), off (frames as decoded, fields combed on motion). FFmpeg's bwdif, before any other processing.",
                               valueName: "mode"))
    var deinterlace: Deinterlacing = .auto

    func validate() throws { _ = try parsed() }

    /// Sets up `run` to read the input this way.
    func apply(to run: inout EnhanceRun) {
        run.range = (try? parsed()) ?? .all
        run.deinterlace = deinterlace
    }

    private func parsed() throws -> InputRange {
        func seconds(_ text: String?, _ option: String) throws -> Double? {
            guard let text else { return nil }
            guard let s = InputRange.seconds(text) else {
                throw ValidationError("\(option) takes a time: seconds (90, 1.5) or [HH:]MM:SS[.frac] (1:30), not '\(text)'")
            }
            return s
        }
        let duration = try seconds(duration, "--duration")
        if let duration, duration <= 0 { throw ValidationError("--duration must be more than 0") }
        return InputRange(start: try seconds(start, "--start") ?? 0, duration: duration)
    }
}
