import Foundation

/// A point on the speed / quality curve of routed upscaling: how much upscaling work a frame
/// may take. `presets/` (the bundle's Presets folder) holds realtime, balanced and quality;
/// a user's own JSON file works the same.
public struct QualityPreset: Decodable, Sendable {
    public var name: String
    public var about: String
    /// Milliseconds of upscaling work per frame; nil = no limit.
    public var frameBudgetMilliseconds: Double?
    public var tile: Int
    public var overlap: Int
    /// Swscale's name of the classical filter under the routed tiles; nil = bicubic.
    public var canvas: String?
    /// What ranks the tiles for the models, as `clarity live --classifier` takes it: "auto"
    /// (the bundled ClassSR classifier; the default) or "none" (tile detail, which costs a
    /// fraction of the classifier's time and leaves the rest to model tiles).
    public var classifier: String?
    /// Under a budget, the share of the tiles' time only tiles keeping last frame's branch
    /// may plan for (as `clarity live --hold-margin`); nil = the router's default.
    public var holdMargin: Double?

    enum CodingKeys: String, CodingKey {
        case name, about, tile, overlap, canvas, classifier
        case frameBudgetMilliseconds = "frame_budget_ms"
        case holdMargin = "hold_margin"
    }

    public static var bundled: [String] {
        guard let folder = Bundle.module.url(forResource: "Presets", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A bundled preset by name, or a JSON file by path.
    public static func load(_ argument: String) throws -> QualityPreset {
        let url: URL
        if argument.hasSuffix(".json") || argument.contains("/") {
            url = URL(fileURLWithPath: argument)
        } else if let u = Bundle.module.url(forResource: "Presets/\(argument)", withExtension: "json") {
            url = u
        } else {
            // The design's first sketch named a "deartifact-only" preset; presets route upscaling.
            let artifacts = argument.lowercased().contains("artifact")
                ? " (presets route upscaling; artifact removal is --deartifact auto, alone or beside --scale or a preset)" : ""
            throw CatalogError("no preset '\(argument)'\(NearestName.hint(argument, among: bundled)); bundled: \(bundled.joined(separator: ", "))"
                               + artifacts)
        }
        guard FileManager.default.fileExists(atPath: url.path) else { throw CatalogError("preset file not found: \(argument)") }
        guard let data = try? Data(contentsOf: url) else { throw CatalogError("cannot read the preset \(url.path)") }
        do {
            let preset = try JSONDecoder().decode(QualityPreset.self, from: data)
            guard preset.tile >= 8, preset.overlap >= 0, (preset.frameBudgetMilliseconds ?? 1) >= 0 else {
                throw CatalogError("preset \(url.path): tile must be at least 8, overlap and frame_budget_ms not negative")
            }
            guard (0..<1).contains(preset.holdMargin ?? 0) else {
                throw CatalogError("preset \(url.path): hold_margin must be in [0, 1)")
            }
            return preset
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError("preset \(url.path) is not valid: \(error)")
        }
    }
}
