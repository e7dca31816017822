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

    func run() throws {
        if let threads { Engine.configure(threads: threads) }
        let report = try EngineBenchmark.run(width: width, height: height, tile: tile, overlap: overlap, batchSize: batch,
                                             iterations: iterations, torchScript: torchScript.isEmpty ? nil : torchScript)
        print(report.text, terminator: "")
    }
}
