import ArgumentParser
import ClarityMedia

/// `--start` and `--duration`: the part of the input to process, in ffmpeg's time syntax.
struct RangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start this far into the input: seconds, or [HH:]MM:SS[.frac] (as ffmpeg's -ss). The part starts at time 0 in the output; audio and subtitles are cut alike.",
                               valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("Process this much of the input, from --start (same syntax).", valueName: "time"))
    var duration: String?

    func validate() throws { _ = try parsed() }

    var range: InputRange { (try? parsed()) ?? .all }

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
