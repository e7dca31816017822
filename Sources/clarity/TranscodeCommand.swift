import ArgumentParser

struct Transcode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enhance a file into a new file; audio and subtitles are copied.",
        discussion: """
            Decodes the first video stream of IN (anything FFmpeg reads), processes every frame and \
            encodes it into OUT; the container comes from OUT's extension or --format. Timestamps, \
            colour properties, bit depth, alpha and closed captions (where the encoder writes them: \
            x264, MPEG-2) carry over; colour the input does not state is written as players \
            guess it from the input's size, so that an upscaled DVD keeps its colours. OUT \
            appears only when complete.

            Examples:
              clarity transcode in.mp4 out.mp4 --scale 3                  (Bicubic++, the default upscaler)
              clarity transcode in.mp4 out.mp4 --scale 3 --model bicubic  (classical, as ffmpeg's scale)
              clarity transcode in.mkv out.mkv --size 3840x2160 --filter lanczos --codec ffv1
              clarity transcode in.mp4 out.mp4 --preset balanced --crop auto
              clarity transcode in.mp4 look.png --preset quality --start 90 --compare
              clarity transcode dvd.vob out.mkv --deinterlace film --size 1920x1080
              clarity transcode film.mkv out.mp4 --size 4k --burn-subtitles 2
              clarity transcode film.mkv out.mkv --scale 2 --add-subtitles film.eng.srt --chapters 3-4
            """)

    @OptionGroup var paths: MediaPaths

    @OptionGroup(title: "Processing") var resize: ResizeOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Artifact removal") var deartifact: DeartifactOptions
    @OptionGroup(title: "Output") var encode: EncodeOptions
    @OptionGroup(title: "Input") var input: InputOptions
    @OptionGroup(title: "Run") var runOptions: RunOptions

    func run() throws {
        var run = EnhanceRun(input: paths.input, inputFormat: paths.inputFormat, output: paths.output,
                             resize: resize, model: model, deartifact: deartifact, encode: encode, run: runOptions)
        run.reading = input.reading
        try run.execute()
    }
}
