import ArgumentParser
import ClarityEngine

/// `clarity bench engine`: speed of the inference engine on a Bicubic++-shaped network.
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine speed: Bicubic++-shaped luma net on 720p, fp32/bf16/int8, full-frame and tiled, vs PyTorch.")

    @Option(help: "Input width.") var width = 1280
    @Option(help: "Input height.") var height = 720
    @Option(help: "LR tile size for the tiled runs.") var tile = 128
    @Option(help: "Overlap in LR pixels for the tiled runs.") var overlap = 8
    @Option(help: "Tiles per batch (one batch per model when the frame has fewer).") var batch = 64
    @Option(help: "Total threads (default: all cores).") var threads: Int?
    @Option(help: "Timed runs per row (median reported).") var iterations = 5
    @Option(help: "PyTorch reference script ('' to skip).") var torchScript = "training/bench_torch.py"

    func validate() throws {
        guard width >= 1, height >= 1 else { throw ValidationError("--width and --height must be 1 or more") }
        guard tile >= 8, overlap >= 0 else { throw ValidationError("--tile must be at least 8 and --overlap 0 or more") }
        guard batch >= 1, iterations >= 1 else { throw ValidationError("--batch and --iterations must be 1 or more") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more") }
    }

    func run() throws {
        if let threads { Engine.configure(threads: threads) }
        let report = try EngineBenchmark.run(width: width, height: height, tile: tile, overlap: overlap, batchSize: batch,
                                             iterations: iterations, torchScript: torchScript.isEmpty ? nil : torchScript)
        print(report.text, terminator: "")
    }
}
