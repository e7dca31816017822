import ArgumentParser
import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityModels
import Foundation

/// `clarity bench deartifact`: how much each artifact remover gains over the compressed
/// input, per QP, against ffmpeg's classical filters, and what early exit saves.
struct BenchDeartifact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deartifact",
        abstract: "Delta Y-PSNR / SSIM over H.264 at each QP: RBQE (early exit and deepest) vs ffmpeg deblock, spp, hqdn3d.",
        discussion: """
            The reference clip (lossless) is encoded with libx264 at each QP (preset medium, GOP 30, \
            2 B-frames, one thread: intra and inter frames, as streams/make_streams.sh does). Every \
            method sees the decoded luma and is scored against the reference's: mean over frames of \
            Y-PSNR and SSIM, as deltas over the compressed input. spp is given the stream's \
            QP (a head start the blind models do not get). Models report ms and GMACs per \
            frame on this machine and the share of tiles that left at each exit.
            """)

    @Option(help: ArgumentHelp("Lossless reference clips (comma list).", valueName: "a,b"))
    var reference = "streams/dune-pan-720p-lossless.mkv,streams/mosaic-pan-720p-lossless.mkv"

    @Option(help: ArgumentHelp("Comma list of QPs.", valueName: "a,b,c"))
    var qps = "22,27,32,37,42"

    @Option(help: "Frames scored per clip (0 = all).")
    var frames = 15

    @Option(help: "Score every Nth frame (5: frames 0, 5, 10, ..., the protocol of training/evaluate_rbqe.py).")
    var step = 1

    @Option(help: ArgumentHelp("Comma list of artifact-removal models: bundled names or .safetensors files (default: every bundled one).", valueName: "a,b"))
    var models: String?

    @Option(help: "Model arithmetic: fp32, bf16 or int8.")
    var precision: Precision = .fp32

    @Option(help: "Views of each tile the models average (1, 2, 4 or 8): a self-ensemble, about that many times the work (MACs count every view).")
    var ensemble = 1

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        guard frames >= 0 else { throw ValidationError("--frames must be 0 or more") }
        guard step >= 1 else { throw ValidationError("--step must be 1 or more") }
        try DeartifactOptions.validateEnsemble(ensemble, option: "--ensemble")
        guard !qpList.isEmpty, qpList.allSatisfy({ (0...51).contains($0) }) else { throw ValidationError("--qps must list QPs from 0 to 51") }
    }

    private var qpList: [Int] { qps.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        try reportingErrors {
            FFmpegLog.show(verbose: false)
            let loaded = try loadModels()
            guard !loaded.isEmpty else { throw MediaError(.invalidArgument, "no artifact-removal model is bundled; name one with --models") }
            var all: [(clip: String, rows: [DeartifactBench.Row], frames: [Int])] = []
            for clip in reference.split(separator: ",").map(String.init) {
                let bench = DeartifactBench(reference: clip, frames: frames, step: step, qps: qpList, models: loaded, precision: precision,
                                            ensemble: ensemble)
                let (rows, scored) = try bench.run { if !json { Console.write("  \(clip): \($0)\n") } }
                all.append((clip, rows, scored))
            }
            let command = CommandLine.arguments.map(BenchQuality.shellQuoted).joined(separator: " ")
            if json {
                struct Report: Codable {
                    var machine: String, command: String, clips: [String: [DeartifactBench.Row]]
                    /// The frames scored in each clip.
                    var frames: [String: [Int]]
                }
                let report = Report(machine: BenchMachine.summary, command: command,
                                    clips: Dictionary(uniqueKeysWithValues: all.map { ($0.clip, $0.rows) }),
                                    frames: Dictionary(uniqueKeysWithValues: all.map { ($0.clip, $0.frames) }))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("clarity bench deartifact  \(BenchMachine.summary)")
                print("command: \(command)")
                for (clip, rows, scored) in all { printTable(clip: clip, rows: rows, frames: scored) }
            }
        }
    }

    private func loadModels() throws -> [(name: String, model: Model)] {
        let names = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? ModelCatalog.bundled.map(\.path)
        return try names.compactMap { argument in
            let model = try ModelCatalog.loadAsked(argument, scale: 1)
            guard model.graph.task == "deartifact" else {
                if models == nil { return nil }
                throw MediaError(.invalidArgument, "\(argument) is \(model.graph.taskInWords), not an artifact-removal model")
            }
            return (model.graph.name, model)
        }
    }

    private func printTable(clip: String, rows: [DeartifactBench.Row], frames scored: [Int]) {
        let which = step == 1 ? "the first \(scored.count)" : "\(scored.count), every \(step)th from 0 to \(scored.last ?? 0)"
        print("\n\(clip), \(which) frames, models in \(precision.rawValue)")
        let width = max(34, rows.map(\.method.count).max() ?? 0) + 2
        print("QP  " + "method".padding(toLength: width, withPad: " ", startingAt: 0)
              + "Y-PSNR dB  dPSNR dB     SSIM     dSSIM   ms/frame  GMACs/frame  tiles per exit")
        for r in rows {
            let ms = r.msPerFrame.map { String(format: "%9.0f", $0) } ?? "        -"
            let gmacs = r.gmacsPerFrame.map { String(format: "%12.1f", $0) } ?? "           -"
            let share = r.exitShare.map { $0.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: "/") } ?? ""
            print(String(format: "%2d  ", r.qp) + r.method.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "%9.3f  %+8.3f  %7.4f  %+8.4f", r.psnr, r.deltaPSNR, r.ssim, r.deltaSSIM)
                  + "  " + ms + "  " + gmacs + "  " + share)
        }
        // Averages over QPs per method.
        print("mean over QPs:")
        var order: [String] = []
        for r in rows where !order.contains(r.method) { order.append(r.method) }
        for m in order {
            let mine = rows.filter { $0.method == m }
            let n = Double(mine.count)
            print("    " + m.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "           %+8.3f           %+8.4f", mine.map(\.deltaPSNR).reduce(0, +) / n,
                           mine.map(\.deltaSSIM).reduce(0, +) / n)
                  + (mine.first?.gmacsPerFrame != nil ? String(format: "  %9.0f  %12.1f", mine.compactMap(\.msPerFrame).reduce(0, +) / n,
                                                              mine.compactMap(\.gmacsPerFrame).reduce(0, +) / n) : ""))
        }
    }
}
