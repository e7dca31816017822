import ArgumentParser

/// The input and output of the commands that go from one stream to another (`-` is stdin or
/// stdout; the media layer maps it to FFmpeg's pipes).
struct MediaPaths: ParsableArguments {
    @Argument(help: "Input file or URL (- for stdin).")
    var input: String

    @Argument(help: "Output file (- for stdout).")
    var output: String

    @Option(name: .customLong("input-format"), help: "Force the input's demuxer (e.g. yuv4mpegpipe, matroska).")
    var inputFormat: String?

    /// Frames come from a pipe, at the writer's pace, not from a file with its own timing.
    var inputIsPipe: Bool { input == "-" || input.hasPrefix("pipe:") }
}
