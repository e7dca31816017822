import ClarityProcess
import Foundation

/// `clarity bench engine`: the Bicubic++-shaped luma network (random weights) on one input
/// size, whole-frame and tiled, in each precision; plus PyTorch on the same network when a
/// Python with torch is found. Times are medians over `iterations` runs after one warm-up
/// (which also compiles the plan and packs the weights); whole-frame and tiled runs take turns.
public enum EngineBenchmark {
    public struct Row: Sendable {
        public var mode: String          // "full-frame" or "tiled 128/8"
        public var requested: Precision
        public var effective: String     // what actually ran (e.g. "fp32 (bf16 unavailable)")
        public var milliseconds: Double
        /// Useful work (the whole-frame network's FLOPs) per second; tiles also redo overlaps.
        public var gflops: Double
        /// The plan's intermediate tensors in its one shared buffer, and each apart.
        public var activationMB: Double, activationMBApart: Double
    }

    public struct Report: Sendable {
        public var width: Int, height: Int, threads: Int, isa: String
        /// FLOPs of the whole-frame network (2 x MACs of the convolutions).
        public var gflopPerFrame: Double
        public var rows: [Row]
        public var torch: String

        public var text: String {
            var s = "Engine benchmark: Bicubic++-shaped luma net (1->32 s2, 32->32, 32->32 + skip, 32->36, shuffle 6), "
            s += "\(width)x\(height) -> \(width * 3)x\(height * 3), \(threads) threads, oneDNN ISA \(isa), Clarity kernels \(Engine.kernelInstructionSet)\n"
            s += String(format: "%.2f GFLOP per frame (whole-frame convolutions)\n", gflopPerFrame)
            s += "mode                 precision  runs as                 ms/frame   GFLOP/s   plan MB (apart)\n"
            for r in rows {
                s += r.mode.padding(toLength: 21, withPad: " ", startingAt: 0)
                s += r.requested.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                s += r.effective.padding(toLength: 22, withPad: " ", startingAt: 0)
                s += String(format: "%9.1f %9.1f %9.1f (%.1f)\n", r.milliseconds, r.gflops, r.activationMB, r.activationMBApart)
            }
            for p in Precision.allCases {
                let mine = rows.filter { $0.requested == p }
                guard let full = mine.first(where: { $0.mode == "full-frame" }), let tiled = mine.first(where: { $0.mode != "full-frame" }) else { continue }
                s += String(format: "tiled / full-frame, %@: %.2f\n", p.rawValue, tiled.milliseconds / full.milliseconds)
            }
            s += "PyTorch CPU: \(torch)\n"
            return s
        }
    }

    public static func run(width: Int = 1280, height: Int = 720, tile: Int = 128, overlap: Int = 8, batchSize: Int = 64,
                           iterations: Int = 5, precisions: [Precision] = Precision.allCases,
                           torchScript: String? = "training/bench_torch.py") throws -> Report {
        let model = try RandomModels.bicubicPlusPlus(channels: 32, scale: 3, seed: 1)
        let plane = Plane(width: width, height: height, data: RandomModels.input(n: 1, h: height, w: width, seed: 2).data)
        let flops = 2 * Double(macs(model.graph, height: height, width: width))
        var rows: [Row] = []
        for p in precisions {
            if p == .int8 {
                // Calibrate on a different random frame-sized sample (as the pipeline would on real frames).
                try model.calibrate(samples: [RandomModels.input(n: 1, h: 144, w: 144, seed: 3)])
            }
            let modes = [("full-frame", Tiler(tile: 0, precision: p)),
                         ("tiled \(tile)/\(overlap) b\(batchSize)", Tiler(tile: tile, overlap: overlap, batchSize: batchSize, precision: p))]
            // Whole-frame and tiled runs alternate, so that drift in the machine's speed (other
            // processes, host steal) falls on both sides of their ratio alike.
            var times = modes.map { _ in [Double]() }
            for (_, tiler) in modes { _ = try tiler.run(plane, model: model) }
            for _ in 0..<iterations {
                for (m, (_, tiler)) in modes.enumerated() {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try tiler.run(plane, model: model)
                    times[m].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
            }
            for (m, (mode, tiler)) in modes.enumerated() {
                let ms = times[m].sorted()[times[m].count / 2]
                let g = tiler.grid(width: width, height: height, models: [model])
                let info = try model.planInfo(batch: mode == "full-frame" ? 1 : batchFor(g.tiles.count, batchSize),
                                              height: g.windowHeight, width: g.windowWidth, precision: p)
                let eff = info.effectivePrecision
                let used = Set(info.layers.map(\.precision))
                let label = used.count > 1 ? used.map(\.rawValue).sorted().joined(separator: "+") + " (mixed)"
                    : eff == p ? "\(p.rawValue) (\(info.layers.first?.kernel ?? "?"))" : "\(eff.rawValue) (\(p.rawValue) n/a)"
                rows.append(Row(mode: mode, requested: p, effective: label, milliseconds: ms, gflops: flops / ms / 1e6,
                                activationMB: Double(info.activationBytes) / 1e6, activationMBApart: Double(info.activationBytesApart) / 1e6))
            }
        }
        let torch = torchScript.map { runTorch(script: $0, width: width, height: height, iterations: iterations) } ?? "not run"
        return Report(width: width, height: height, threads: Engine.threads, isa: Engine.cpuISA,
                      gflopPerFrame: flops / 1e9, rows: rows, torch: torch)
    }

    static func batchFor(_ count: Int, _ batchSize: Int) -> Int {
        let nb = (count + batchSize - 1) / batchSize
        return (count + nb - 1) / nb
    }

    /// Multiply-accumulates of the graph's convolutions for one input of this size.
    public static func macs(_ graph: ModelGraph, height: Int, width: Int) -> Int {
        guard let shapes = try? graph.shapes(height: height, width: width) else { return 0 }
        return graph.layers.map { layerMACs($0, shapes) }.reduce(0, +)
    }

    /// For each output of an early-exit graph, the MACs of every layer up to it in the graph's
    /// order: what a run that stops at that exit costs (the plan runs layers in that order).
    public static func macsPerOutput(_ graph: ModelGraph, height: Int, width: Int) -> [Int] {
        guard let shapes = try? graph.shapes(height: height, width: width) else { return graph.outputs.map { _ in 0 } }
        var total = 0
        var reached: [String: Int] = [:]
        for l in graph.layers {
            total += layerMACs(l, shapes)
            reached[l.name] = total
        }
        return graph.outputs.map { reached[$0] ?? 0 }
    }

    private static func layerMACs(_ l: Layer, _ shapes: [String: ModelGraph.Shape]) -> Int {
        switch l.op {
        case .conv2d(let c):
            let o = shapes[l.name]!
            return o.h * o.w * c.outChannels * (c.inChannels / c.groups) * c.kernel.h * c.kernel.w
        case .convTranspose2d(let c):
            let i = shapes[l.inputs[0]]!
            return i.h * i.w * c.inChannels * (c.outChannels / c.groups) * c.kernel.h * c.kernel.w
        default:
            return 0
        }
    }

    /// Runs `script` with the first Python that imports torch: $CLARITY_PYTHON, then
    /// /work/venv/bin/python, then python3. Returns its one-line result or why it was skipped.
    static func runTorch(script: String, width: Int, height: Int, iterations: Int) -> String {
        guard FileManager.default.fileExists(atPath: script) else { return "skipped (no \(script) here)" }
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["CLARITY_PYTHON"], !p.isEmpty { candidates.append(p) }
        candidates += ["/work/venv/bin/python", "/usr/bin/env python3"]
        for c in candidates {
            let parts = c.split(separator: " ").map(String.init)
            guard parts[0] == "/usr/bin/env" || FileManager.default.isExecutableFile(atPath: parts[0]) else { continue }
            let (ok, out) = shell(parts + ["-c", "import torch"])
            guard ok else { _ = out; continue }
            let (ran, text) = shell(parts + [script, "--width", "\(width)", "--height", "\(height)",
                                             "--threads", "\(Engine.threads)", "--iterations", "\(iterations)"])
            return ran ? text.trimmingCharacters(in: .whitespacesAndNewlines) : "failed: \(text.suffix(300))"
        }
        return "skipped (torch is not installed for $CLARITY_PYTHON, /work/venv/bin/python or python3)"
    }

    private static func shell(_ args: [String]) -> (Bool, String) {
        do {
            let r = try ChildProcess.run(args)
            return (r.status == 0, r.stdoutText + r.stderrText)
        } catch {
            return (false, "\(error)")
        }
    }
}
