import ArgumentParser
import ClarityMedia
import ClarityEngine
import ClarityPipeline

/// The shared body of `transcode` and `pipe`: open, negotiate, pump, report.
struct EnhanceRun {
    var input: String
    var inputFormat: String?
    var output: String
    var resize: ResizeOptions
    var model: ModelOptions
    var deartifact: DeartifactOptions
    var encode: EncodeOptions
    var run: RunOptions

    func execute() throws {
        run.configureLogging()
        try reportingErrors {
            let threads = ThreadPlan(total: run.totalThreads)
            let reader = try MediaReader(url: input, format: inputFormat, decoderThreads: 1)
            let upscale = try model.stage(for: reader.videoFormat, resize: resize, threads: threads)
            let enhancer = try deartifact.stage(precision: model.precision)
            let stage: FrameStage = enhancer.map { StageChain([$0, upscale]) } ?? upscale
            let file = try OutputFile(output, overwrite: encode.overwrite)
            let writer = try MediaWriter(output: file, format: encode.format)
            let pump = try FramePump(
                reader: reader, stage: stage, writer: writer,
                encoder: encode.settings(container: writer.containerName, threads: threads.total),
                copy: encode.streamsToCopy(from: reader, into: writer, quiet: run.quiet))
            let printer = ProgressPrinter(mode: run.progress, quiet: run.quiet)
            let interrupts = InterruptHandler { pump.stop() }
            let result = try pump.run(onProgress: printer.update)
            withExtendedLifetime(interrupts) {}
            printer.finish(result)
            if let enhancer, !run.quiet { Console.write("artifact removal (\(enhancer.model.graph.name)), tiles per exit: \(enhancer.exitMix)\n") }
            if result.interrupted {
                if !run.quiet {
                    Console.warning("interrupted: \(file.isPipe ? "the stream" : file.finalPath) holds the \(result.framesWritten) frames written before Ctrl-C")
                }
                throw ExitCode(ExitStatus.interrupted)
            }
        }
    }
}
