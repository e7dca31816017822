import ArgumentParser

struct Pipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enhance frames from stdin to stdout (y4m both ways by default).",
        discussion: """
            Reads a stream on stdin (y4m, or any container FFmpeg can probe; --input-format to \
            force one) and writes the processed frames to stdout. Back-pressure: Clarity reads \
            only as fast as the reader of its output takes frames, so memory stays bounded. When \
            either side closes, Clarity stops cleanly.

            Examples:
              ffmpeg -i in.mp4 -f yuv4mpegpipe - | clarity pipe --scale 3 | ffmpeg -f yuv4mpegpipe -i - out.mkv
              producer | clarity pipe --input-format rawvideo --input-option video_size=1280x720 \\
                --input-option pixel_format=yuv420p --input-option framerate=30 --scale 3 --output-format rawvideo | consumer
            """)

    @Option(name: .customLong("input-format"), help: "Force the input's demuxer (default: probe; y4m is detected).")
    var inputFormat: String?

    @Option(name: .customLong("output-format"), help: "Output container: y4m, nut, matroska (mkv), mpegts (ts), mp4 (fragmented), rawvideo (bare frames in the input's pixel format, no header: the reader is told their size).")
    var outputFormat = "y4m"

    @OptionGroup(title: "Processing") var resize: ResizeOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Artifact removal") var deartifact: DeartifactOptions
    @OptionGroup(title: "Output") var encode: EncodeOptions
    @OptionGroup(title: "Input") var input: InputOptions
    @OptionGroup(title: "Run") var runOptions: RunOptions

    func validate() throws {
        guard ["y4m", "yuv4mpegpipe", "nut", "matroska", "mkv", "mpegts", "ts", "mp4", "rawvideo"].contains(outputFormat) else {
            throw ValidationError("--output-format must be y4m, nut, matroska, mpegts, mp4 or rawvideo")
        }
        if encode.format != nil { throw ValidationError("use --output-format to choose the container of a pipe") }
    }

    func run() throws {
        var encode = encode
        encode.format = outputFormat
        var run = EnhanceRun(input: "pipe:0", inputFormat: inputFormat, output: "pipe:1",
                             resize: resize, model: model, deartifact: deartifact, encode: encode, run: runOptions)
        run.reading = input.reading
        try run.execute()
    }
}
