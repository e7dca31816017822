import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityPipeline

/// What the router routes to, as `live` and the quality presets choose it.
enum Routing {
    /// The router's start-up costs are timed once per machine and configuration and kept.
    static let recalibrateHelp: ArgumentHelp = "Time the router's costs afresh and replace the figures kept for this machine and configuration (in $XDG_CACHE_HOME or ~/.cache, clarity/costs; timed once, then reused so that later runs start sooner)."

    /// The named classifier; by default the bundled one whose classes all route to `branches`
    /// (none when no such classifier is bundled); nil for "none".
    static func classifier(_ name: String?, branches: [RoutedUpscale.Branch]) throws -> TileClassifier? {
        if name == "none" { return nil }
        do {
            if let name { return try TileClassifier(model: try ModelCatalog.load(name, scale: 1)) }
            let available = Set(branches.map(\.model.graph.name))
            return try ModelCatalog.bundled.map { try Model(contentsOf: $0) }
                .first { $0.graph.task == "classify" && Set($0.graph.branches ?? []).isSubset(of: available) }
                .map(TileClassifier.init)
        } catch let e as CatalogError {
            throw MediaError(.invalidArgument, e.description)
        }
    }

    /// The scale to route at for an output `ratio` times the input: the bundled upscalers'
    /// nearest (1080p to 4K routes between x2 models, 720p to 4K between x3 ones).
    static func scale(reaching ratio: Double) throws -> Int {
        let scales = try ModelCatalog.bundled.map { try Model(contentsOf: $0).graph }.filter { $0.task == "upscale" }.map(\.scale)
        guard let scale = ModelCatalog.nearestScale(in: Set(scales), reaching: ratio) else {
            throw MediaError(.invalidArgument, "no bundled upscaler to route to")
        }
        return scale
    }

    /// For an output of `target` (nil: the scale's own), the scale to route at (`fixed`, else
    /// the nearest bundled one) and the size a classical resize then takes the router's output
    /// to (nil where the scale gives it exactly).
    static func plan(input: VideoFormat, target: ResizeTarget?, fixed: Int? = nil) throws -> (scale: Int, resize: ResizeTarget?) {
        guard let target else { return (fixed ?? 3, nil) }
        let shift = input.chromaShift
        let want = target.dimensions(forWidth: input.width, height: input.height, multiple: (1 << shift.x, 1 << shift.y))
        let scale = try fixed ?? self.scale(reaching: max(Double(want.width) / Double(input.width), Double(want.height) / Double(input.height)))
        let exact = want.width == input.width * scale && want.height == input.height * scale
        return (scale, exact ? nil : .size(width: want.width, height: want.height))
    }

    /// The upscalers of a comma list (default every bundled one at `scale`), cheapest first,
    /// each with its validation gain over bicubic.
    static func branches(models: String?, scale: Int) throws -> [RoutedUpscale.Branch] {
        let names = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? ModelCatalog.bundled.map(\.path)
        var out: [(RoutedUpscale.Branch, Double)] = []
        for name in names {
            let model: Model
            do { model = try ModelCatalog.load(name, scale: scale) } catch let e as CatalogError { throw MediaError(.invalidArgument, e.description) }
            guard model.graph.task == "upscale", model.graph.scale == scale else {
                if models == nil { continue }
                throw MediaError(.invalidArgument, "\(name) is not an x\(scale) upscaler")
            }
            let summary = ModelSummary(model)
            let gain = (summary.validationPSNR ?? 0) - (summary.validationPSNRBicubic ?? summary.validationPSNR ?? 0)
            out.append((.init(model: model, gain: max(0, gain)), summary.macsPerOutputPixel ?? 0))
        }
        guard !out.isEmpty else { throw MediaError(.invalidArgument, "no x\(scale) upscaler to route to") }
        return out.sorted { $0.1 < $1.1 }.map(\.0)
    }
}
