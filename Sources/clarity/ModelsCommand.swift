import ArgumentParser
import ClarityEngine
import ClarityModels
import Foundation

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled models: size, cost, quality and speed.",
        discussion: """
            MACs/px: multiply-accumulates per output pixel (a classifier's per input pixel; an \
            artifact remover's at its deepest exit). PSNR is Y-PSNR (BT.601 luma, border = scale) from the model file: on the validation split \
            (used to pick the model) and, when evaluated, on the test split, each with bicubic's \
            figure on the same images (upscalers); an artifact remover's is the mean over its \
            validation frames at H.264 QP 22-42 with early exit as calibrated, the gain over the \
            compressed input (its test figures: clarity bench deartifact). Speed is measured now, on this machine: one \
            1280x720 luma plane through the upscaler (fp32, whole frame), or through the \
            artifact remover at its deepest exit (--deartifact max: fp32, tiles side by side). \
            Early exit and routing have their own benchmarks (clarity bench deartifact, \
            clarity bench live).
            """)

    @Flag(help: "Skip the speed measurement.")
    var noSpeed = false

    func run() throws {
        let files = ModelCatalog.bundled
        guard !files.isEmpty else {
            print("No bundled models in this build.")
            return
        }
        print("name".padding(toLength: 22, withPad: " ", startingAt: 0) + "task          params  MACs/px   val dB (gain)   test dB (gain)   ms/720p")
        for url in files {
            let model = try Model(contentsOf: url)
            let s = ModelSummary(model)
            func psnr(_ v: Double?, _ b: Double?) -> String {
                guard let v else { return "-".padding(toLength: 15, withPad: " ", startingAt: 0) }
                return String(format: "%6.2f (%+.2f)  ", v, v - (b ?? v))
            }
            var ms: Double?
            if !noSpeed {
                switch s.task {
                case "upscale": ms = try LumaTiming.model(model)
                case "deartifact": ms = try LumaTiming.deartifact(model)
                default: break
                }
            }
            let speed = ms.map { String(format: "%.1f", $0) } ?? "-"
            print(s.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + (s.task == "upscale" ? "upscale x\(s.scale)" : s.task).padding(toLength: 11, withPad: " ", startingAt: 0)
                  + String(format: "%9d ", s.parameters ?? 0)
                  + (s.macsPerOutputPixel.map { String(format: "%8.0f", $0) } ?? "       -") + "   "
                  + psnr(s.validationPSNR ?? s.validationEarlyExit?.output, s.validationPSNRBicubic ?? s.validationEarlyExit?.input) + " " + psnr(s.testPSNR, s.testPSNRBicubic) + "  " + speed)
        }
        print("\nUpscaling without --model runs \(ModelOptions.defaultUpscaler): "
              + (try [2, 3, 4].map { scale in
                  let m = try ModelCatalog.load(ModelOptions.defaultUpscaler, scale: scale).graph
                  return "x\(scale) \(m.name)" + (m.scale == scale ? "" : " then bicubic")
              }.joined(separator: ", ")) + ".")
        print("--preset and live route " + (try Routing.bundledScales().sorted().map { scale in
            let branches = try Routing.branches(models: nil, scale: scale, canvas: .lanczos)
            let classifier = try Routing.classifier("auto", branches: branches)?.model.graph.name
            return "at x\(scale) between " + branches.map(\.model.graph.name).joined(separator: ", ")
                + " (classifier: \(classifier ?? "none, tile detail"))"
        }.joined(separator: "; ")) + ", cheapest first; live and --preset realtime rank tiles by detail (live unless --classifier auto).")
    }
}
