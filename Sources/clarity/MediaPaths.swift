import ArgumentParser

/// The input and output of the commands that go from one stream to another (`-` is stdin or
/// stdout; the media layer maps it to FFmpeg's pipes).
struct MediaPaths: ParsableArguments {
    @Argument(help: "Input file or URL (- for stdin; redirected from a file, read as that file).")
    var input: String

    @Argument(help: "Output file (- for stdout: y4m into a pipe unless --format says; redirected to a file, in the container its name says).")
    var output: String

    @Option(name: .customLong("input-format"), help: "Force the input's demuxer (e.g. yuv4mpegpipe, matroska).")
    var inputFormat: String?
}
