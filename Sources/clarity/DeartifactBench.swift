import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import ClarityProcess
import ClarityQuality
import Foundation

/// The measurements behind `clarity bench deartifact`: a lossless clip is encoded with
/// libx264 at each QP (the settings of streams/make_streams.sh), then every method's luma is
/// compared with the clip's: the compressed input itself, ffmpeg's deblock, spp and hqdn3d,
/// and each artifact-removal model with early exit and always at its deepest exit.
struct DeartifactBench {
    struct Row: Codable {
        var qp: Int
        var method: String
        var psnr: Double
        var ssim: Double
        var deltaPSNR: Double
        var deltaSSIM: Double
        var msPerFrame: Double?
        var gmacsPerFrame: Double?
        /// Share of tiles that left at each exit (models only).
        var exitShare: [Double]?
    }

    /// A classical restoration filter run by ffmpeg, set up for the clip's QP.
    struct Filter {
        var name: String
        var graph: (_ qp: Int) -> String

        /// spp is told the stream's quantizer (H.264 QP / 4 on its MPEG scale, the mapping
        /// libavfilter applies to exported quantizers), a head start the blind models lack;
        /// FFmpeg 5.1's spp cannot read H.264's exported quantizers itself.
        static let baselines = [
            Filter(name: "ffmpeg deblock (strong, 4x4)") { _ in "deblock=filter=strong:block=4" },
            Filter(name: "ffmpeg spp (quality 4, QP given)") { "spp=quality=4:qp=\(max(1, ($0 + 2) / 4))" },
            Filter(name: "ffmpeg hqdn3d (defaults)") { _ in "hqdn3d" },
        ]
    }

    var reference: String
    var frames: Int
    /// Every step-th frame is scored (5: frames 0, 5, 10, ... as training/evaluate_rbqe.py).
    var step = 1
    var qps: [Int]
    var models: [(name: String, model: Model)]
    var precision: Precision
    /// Views of each tile averaged (`EarlyExitEnhancer.ensemble`).
    var ensemble = 1

    /// The rows, and the indices of the frames scored.
    func run(progress: (String) -> Void) throws -> (rows: [Row], frames: [Int]) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-bench-deartifact-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let original = try LumaClip(path: reference, frames: frames, step: step)
        var rows: [Row] = []
        for qp in qps {
            let encoded = scratch.appendingPathComponent("qp\(qp).mp4").path
            try ffmpeg(["-i", reference, "-frames:v", String(original.indices.last! + 1), "-an", "-c:v", "libx264", "-preset", "medium",
                        "-threads", "1", "-qp", String(qp), "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p", encoded])
            let compressed = try LumaClip(path: encoded, frames: frames, step: step)
            let base = original.compare(compressed.planes)
            rows.append(Row(qp: qp, method: "compressed input", psnr: base.psnr, ssim: base.ssim, deltaPSNR: 0, deltaSSIM: 0))
            progress(String(format: "QP %d: compressed %.3f dB", qp, base.psnr))
            for filter in Filter.baselines {
                let out = scratch.appendingPathComponent("qp\(qp)-filtered.mkv").path
                try ffmpeg(["-i", encoded, "-vf", filter.graph(qp), "-an", "-c:v", "ffv1", "-pix_fmt", "yuv420p", out])
                let m = original.compare(try LumaClip(path: out, frames: frames, step: step).planes)
                rows.append(Row(qp: qp, method: filter.name, psnr: m.psnr, ssim: m.ssim,
                                deltaPSNR: m.psnr - base.psnr, deltaSSIM: m.ssim - base.ssim))
            }
            for (name, model) in models {
                for deepest in [false, true] {
                    rows.append(try measure(model, name: name, deepest: deepest, qp: qp, compressed: compressed,
                                            original: original, base: base))
                    progress(String(format: "QP %d: %@ %@ %+.3f dB", qp, name, deepest ? "deepest" : "early exit", rows.last!.deltaPSNR))
                }
            }
        }
        return (rows, original.indices)
    }

    private func measure(_ model: Model, name: String, deepest: Bool, qp: Int, compressed: LumaClip, original: LumaClip,
                         base: (psnr: Double, ssim: Double)) throws -> Row {
        let stage = try DeartifactOptions.enhancer(model, deepest: deepest, threshold: nil, ensemble: ensemble, precision: precision)
        let grid = stage.tiler.grid(width: compressed.width, height: compressed.height, models: [model])
        let exitMACs = EngineBenchmark.macsPerOutput(model.graph, height: grid.windowHeight, width: grid.windowWidth)
        var enhanced: [[UInt8]] = []
        var seconds = 0.0, macs = 0
        var exitCounts = [Int](repeating: 0, count: exitMACs.count)
        for plane in compressed.planes {
            let luma = Plane(width: compressed.width, height: compressed.height, data: plane.map { Float($0) / 255 })
            var result: (plane: Plane, exits: [Int])!
            seconds += try BenchProcess.time { result = try stage.enhance(luma) }
            enhanced.append(result.plane.data.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) })
            for e in result.exits where e >= 0 { macs += exitMACs[e] * ensemble; exitCounts[e] += 1 }  // flat tiles cost nothing
        }
        let m = original.compare(enhanced)
        let n = Double(compressed.planes.count), tiles = Double(max(1, exitCounts.reduce(0, +)))
        return Row(qp: qp, method: "\(name) (\(deepest ? "deepest exit" : "early exit")\(stage.viewsNote))", psnr: m.psnr, ssim: m.ssim,
                   deltaPSNR: m.psnr - base.psnr, deltaSSIM: m.ssim - base.ssim,
                   msPerFrame: 1000 * seconds / n, gmacsPerFrame: Double(macs) / n / 1e9,
                   exitShare: exitCounts.map { Double($0) / tiles })
    }

    private func ffmpeg(_ arguments: [String]) throws {
        let r = try ChildProcess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"] + arguments, stdout: .discard)
        guard r.status == 0 else {
            throw MediaError(.codec, "ffmpeg failed (\(r.status)): \(r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
