import ClarityEngine
import Foundation

/// The models shipped with Clarity, and how a `--model` argument finds one.
public enum ModelCatalog {
    /// Bundled model files, by name (the file name without `.safetensors`).
    public static var bundled: [URL] {
        guard let folder = Bundle.module.url(forResource: "Weights", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) else {
            return []
        }
        return files.filter { $0.pathExtension == "safetensors" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Loads the model `argument` names: a path to a `.safetensors` file, a bundled model's
    /// full name (`bicubicpp-c32-x3`), or a family (`bicubicpp`, `esr-max`, ...), which picks
    /// the bundled member of that family with the best validation PSNR at `scale`: its own
    /// when it upscales by `scale`, else what it scored there followed by a classical resize
    /// (`val_psnr_at`; an x3 model then bicubic can beat an undertrained x2 one). Where no
    /// member has a figure at `scale`, the nearest scale above it (the rest is a classical
    /// downscale), else the nearest below (the rest a classical upscale).
    public static func load(_ argument: String, scale: Int) throws -> Model {
        if argument.hasSuffix(".safetensors") || argument.contains("/") {
            guard FileManager.default.fileExists(atPath: argument) else {
                throw CatalogError("model file not found: \(argument)")
            }
            do {
                return try Model(contentsOf: URL(fileURLWithPath: argument))
            } catch let error as EngineError {
                if case .unreadableFile = error { throw CatalogError("\(error)") }
                throw CatalogError("\(argument) is not a model Clarity can use: \(error)")
            }
        }
        let files = bundled
        if let exact = files.first(where: { $0.deletingPathExtension().lastPathComponent == argument }) {
            return try Model(contentsOf: exact)
        }
        let family = try files.filter { $0.lastPathComponent.hasPrefix(argument + "-") }.map { try Model(contentsOf: $0) }
        let scored = family.compactMap { m -> (model: Model, psnr: Double)? in
            let s = ModelSummary(m)
            return (m.graph.scale == scale ? s.validationPSNR : s.validationPSNRAt[scale]).map { (m, $0) }
        }
        if let best = scored.max(by: { $0.psnr < $1.psnr }) { return best.model }
        guard let nearest = nearestScale(in: Set(family.map(\.graph.scale)), reaching: Double(scale)) else {
            let names = files.map { $0.deletingPathExtension().lastPathComponent }
            let families = Set(names.map(family(of:)))
            throw CatalogError("no bundled model or family '\(argument)'\(NearestName.hint(argument, among: names + families.sorted())); "
                               + "bundled: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        return family.filter { $0.graph.scale == nearest }
            .max { ModelSummary($0).validationPSNR ?? 0 < ModelSummary($1).validationPSNR ?? 0 }!
    }
}

extension ModelCatalog {
    /// Of the models' `scales`, the smallest that reaches `ratio` (a classical downscale does the
    /// rest, which costs less than upscaling what a model left), else the largest.
    public static func nearestScale(in scales: Set<Int>, reaching ratio: Double) -> Int? {
        scales.filter { Double($0) >= ratio - 1e-9 }.min() ?? scales.max()
    }

    /// A model's family: its name up to the first size part (`bicubicpp-c32-x3`: `bicubicpp`).
    public static func family(of name: String) -> String {
        name.split(separator: "-").prefix { part in
            !(part.count > 1 && part.first!.isLetter && part.dropFirst().allSatisfy(\.isNumber))
        }.joined(separator: "-")
    }
}

/// What `clarity models` shows of a model, read from its file's metadata.
public struct ModelSummary {
    public let name: String
    public let task: String
    public let scale: Int
    public let parameters: Int?
    /// Per output pixel; a classifier's, which has no picture out, per input pixel.
    public let macsPerOutputPixel: Double?
    public let validationPSNR: Double?
    public let validationPSNRBicubic: Double?
    /// Validation PSNR of swscale's classical filters at the model's scale, by filter name:
    /// the canvases a router puts model tiles on.
    public let validationPSNRCanvas: [String: Double]
    /// Validation PSNR at other output scales, reached by a classical resize after the model.
    public let validationPSNRAt: [Int: Double]
    public let testPSNR: Double?
    public let testPSNRBicubic: Double?
    /// An artifact remover's val figures: the mean Y-PSNR of its output at its calibrated
    /// early exit, and of the compressed input, over the levels it was calibrated on (H.264
    /// QP 22-42).
    public let validationEarlyExit: (output: Double, input: Double)?

    public init(_ model: Model) {
        let g = model.graph
        name = g.name
        task = g.task
        scale = g.scale
        let info = (g.infoJSON.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
        func number(_ key: String) -> Double? { (info[key] as? NSNumber)?.doubleValue }
        parameters = number("params").map { Int($0) }
        macsPerOutputPixel = number("macs_per_output_pixel") ?? number("macs_per_input_pixel")
        validationPSNR = number("val_psnr")
        validationPSNRBicubic = number("val_psnr_bicubic")
        validationPSNRCanvas = (info["val_psnr_canvas"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        let at = info["val_psnr_at"] as? [String: Any] ?? [:]
        validationPSNRAt = Dictionary(uniqueKeysWithValues: at.compactMap { k, v in
            Int(k).flatMap { scale in (v as? NSNumber).map { (scale, $0.doubleValue) } }
        })
        testPSNR = number("test_psnr")
        testPSNRBicubic = number("test_psnr_bicubic")
        let inputs = (info["val_psnr_input"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        let gains = ((info["early_exit_calibration"] as? [String: Any])?["val_delta_psnr_at_threshold"] as? [String: Any] ?? [:])
            .compactMapValues { ($0 as? NSNumber)?.doubleValue }
        let levels = gains.keys.filter { inputs[$0] != nil }
        if levels.isEmpty {
            validationEarlyExit = nil
        } else {
            let input = levels.map { inputs[$0]! }.reduce(0, +) / Double(levels.count)
            validationEarlyExit = (input + levels.map { gains[$0]! }.reduce(0, +) / Double(levels.count), input)
        }
    }

    /// What the model adds over `canvas` (a swscale filter) on the val split, in dB: over PIL's
    /// bicubic where the file has no figure for that filter.
    public func validationGain(over canvas: String) -> Double? {
        validationPSNR.map { $0 - (validationPSNRCanvas[canvas] ?? validationPSNRBicubic ?? $0) }
    }
}

public struct CatalogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
