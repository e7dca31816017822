import ArgumentParser
import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityModels
import Foundation

/// `clarity bench quality`: Y-PSNR, SSIM and speed of the classical filters and the models
/// on a folder or list of photos, LR made on the fly, in one table (DESIGN.md's protocol).
struct BenchQuality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Y-PSNR / SSIM of bicubic, lanczos and the models on photos, with ms per 720p frame.",
        discussion: """
            The training toolkit's protocol (docs/quality.md): HR = BT.601 luma (float) of each photo \
            cropped to multiples of 2 x scale; LR = PIL bicubic downscale, rounded to 8 bits, then \
            --degrade; every method maps the LR luma to 8 bits; Y-PSNR and SSIM with `scale` border \
            pixels removed, averaged over the images. Gains are over swscale bicubic (ffmpeg's \
            scale=flags=bicubic) in the same run; bicubic (PIL) is the toolkit's reference bicubic. \
            ms/720p: one 1280x720 luma plane through the method on this machine.
            """)

    @Option(help: ArgumentHelp("Every image (.png .jpg .jpeg .bmp .tif .tiff) in this folder.", valueName: "dir"))
    var images: String?

    @Option(help: ArgumentHelp("A file listing images, one path a line (the toolkit's split files).", valueName: "file"))
    var list: String?

    @Option(help: ArgumentHelp("Where relative paths of --list start (default: $CLARITY_CACHE, else /work/cache, as training/common.py).",
                               valueName: "dir"))
    var root: String?

    @Option(help: "Upscaling factor.")
    var scale = 3

    @Option(help: ArgumentHelp("Comma list of models: bundled names or families, or .safetensors files (default: every bundled model at --scale; 'none' for the classical rows only). A model of another scale is followed by bicubic to --scale, as --model does (its ms/720p: the model alone).",
                               valueName: "a,b,c"))
    var models: String?

    @Option(help: ArgumentHelp("LR degradation: clean, or h264qp<QP> (one libx264 intra frame at that QP).", valueName: "kind"))
    var degrade: Degradation = .clean

    @Option(help: "Model arithmetic: fp32, bf16 or int8 (int8 calibrates each model on the first image).")
    var precision: Precision = .fp32

    @OptionGroup(title: "Artifact removal before upscaling (every method scored again on the cleaned LR)")
    var deartifact: DeartifactOptions

    @Flag(help: "Skip the speed measurement.")
    var noSpeed = false

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        guard (images == nil) != (list == nil) else { throw ValidationError("give exactly one of --images and --list") }
        guard (1...8).contains(scale) else { throw ValidationError("--scale must be 1 to 8") }
    }

    func run() throws {
        try reportingErrors {
            FFmpegLog.show(verbose: false)  // errors are reported as Clarity's (libx264 logs every round trip)
            let methods: [QualityBench.Method] = [.swscale(.bicubic), .swscale(.lanczos), .pil(.bicubic)]
                + (try loadModels())
            let paths = try imagePaths()
            guard !paths.isEmpty else { throw MediaError(.invalidArgument, "no images (.png .jpg .jpeg .bmp .tif .tiff) in \(images ?? list!)") }
            var bench = QualityBench(scale: scale, degradation: degrade, precision: precision)
            if let stage = try deartifact.stage(precision: precision) {
                bench.deartifact = (stage, "\(stage.model.graph.name) (\(deartifact.deartifact.rawValue))")
            }
            let rows = try bench.run(images: paths, methods: methods, timing: !noSpeed) { line in
                if !json { Console.write(line + "\n") }
            }
            let command = CommandLine.arguments.map(Self.shellQuoted).joined(separator: " ")
            if json {
                try printJSON(rows: rows, paths: paths, command: command)
            } else {
                printTable(rows: rows, images: paths.count, command: command)
            }
        }
    }

    private func imagePaths() throws -> [String] {
        let extensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff"]
        if let images {
            let folder = URL(fileURLWithPath: images)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: images) else {
                throw MediaError(.inputNotFound, "cannot read the folder \(images)")
            }
            return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                .map { folder.appendingPathComponent($0).path }
        }
        let file = list!
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw MediaError(.inputNotFound, "cannot read \(file)") }
        let base = root ?? ProcessInfo.processInfo.environment["CLARITY_CACHE"] ?? "/work/cache"
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: base).appendingPathComponent($0).path }
    }

    private func loadModels() throws -> [QualityBench.Method] {
        let arguments: [String]
        if let models {
            arguments = models == "none" ? [] : models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            arguments = ModelCatalog.bundled.map { $0.path }
        }
        var out: [QualityBench.Method] = []
        for argument in arguments {
            let model = try ModelCatalog.loadAsked(argument, scale: scale)
            // Bundled models of other scales are not asked for; a named one is resized after.
            if model.graph.scale != scale && models == nil { continue }
            let isFile = argument.hasSuffix(".safetensors") || argument.contains("/")
            let name = isFile ? URL(fileURLWithPath: argument).deletingPathExtension().lastPathComponent : model.graph.name
            out.append(.model(model, name: model.graph.scale == scale ? name : "\(name), then bicubic"))
        }
        return out
    }

    /// "<model> <mode>" when the LR is also cleaned before upscaling.
    private var cleaning: String? { deartifact.isOn ? "\(deartifact.model) \(deartifact.deartifact.rawValue)" : nil }

    private func printTable(rows: [QualityBench.Row], images: Int, command: String) {
        print("clarity bench quality  \(BenchMachine.summary)")
        print("command: \(command)")
        let cleaned = cleaning.map { ", artifact removal \($0)" } ?? ""
        print("\(images) images, x\(scale), LR \(degrade)\(cleaned), models in \(precision.rawValue)\n")
        let width = max(20, rows.map(\.method.count).max() ?? 0) + 2
        print("method".padding(toLength: width, withPad: " ", startingAt: 0)
              + "Y-PSNR dB    SSIM   vs bicubic dB   ms/720p   MACs/px")
        for r in rows {
            let ms = r.msPer720pFrame.map { String(format: "%9.1f", $0) } ?? "        -"
            let macs = r.macsPerOutputPixel.map { String(format: "%9.0f", $0) } ?? "        -"
            print(r.method.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "%9.3f  %6.4f   %+12.3f", r.psnr, r.ssim, r.gainOverBicubic) + "  " + ms + " " + macs)
        }
    }

    private func printJSON(rows: [QualityBench.Row], paths: [String], command: String) throws {
        struct Report: Codable {
            var machine: String, command: String, scale: Int, degradation: String, precision: String
            /// "<model> <mode>" when the LR was also cleaned before upscaling.
            var deartifact: String?
            var images: [String]
            var rows: [QualityBench.Row]
        }
        let report = Report(machine: BenchMachine.summary, command: command, scale: scale, degradation: degrade.description,
                            precision: precision.rawValue,
                            deartifact: cleaning,
                            images: paths, rows: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    /// An argument as a shell would need it typed.
    static func shellQuoted(_ s: String) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=,:+@%"))
        if !s.isEmpty && s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
