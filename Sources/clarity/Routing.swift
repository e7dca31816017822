import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityPipeline

/// What the router routes to, as `live` and the quality presets choose it.
enum Routing {
    /// The router's start-up costs are timed once per machine and configuration and kept.
    static let recalibrateHelp: ArgumentHelp = "Time the router's costs afresh and replace the figures kept for this machine and configuration (in $XDG_CACHE_HOME or ~/.cache, clarity/costs; timed once, then reused so that later runs start sooner)."

    /// The named classifier (a bundled name or a file); for "auto" the bundled one whose classes
    /// all route to `branches` (none when no such classifier is bundled); nil for "none".
    static func classifier(_ name: String, branches: [RoutedUpscale.Branch]) throws -> TileClassifier? {
        if name == "none" { return nil }
        do {
            if name != "auto" { return try TileClassifier(model: try ModelCatalog.load(name, scale: 1)) }
            let available = Set(branches.map(\.model.graph.name))
            return try ModelCatalog.bundled.map { try Model(contentsOf: $0) }
                .first { $0.graph.task == "classify" && Set($0.graph.branches ?? []).isSubset(of: available) }
                .map(TileClassifier.init)
        } catch let e as CatalogError {
            throw MediaError(.invalidArgument, e.description)
        }
    }

    /// The scales the bundled upscalers come in.
    static func bundledScales() throws -> Set<Int> {
        Set(try ModelCatalog.bundled.map { try Model(contentsOf: $0).graph }.filter { $0.task == "upscale" }.map(\.scale))
    }

    /// What routes an output of `target` (nil: the scale's own): the upscalers (`models`, else
    /// every bundled one) of the scale nearest it (`fixed`, else x2 up to about twice the input,
    /// as 1080p to 4K, x3 beyond; with `models` of another scale only, theirs), and the size a
    /// classical resize then takes the router's output to (nil where the scale gives it exactly).
    static func plan(input: VideoFormat, target: ResizeTarget?, fixed: Int? = nil, models: String? = nil,
                     canvas: ScaleFilter) throws -> (branches: [RoutedUpscale.Branch], scale: Int, resize: ResizeTarget?) {
        let want = target?.dimensions(of: input)
        var candidates = [fixed ?? 3]
        if fixed == nil, let want {
            // Up to 5% beyond a scale is left to the classical resize (332 to 666 pixels is x2).
            let ratio = max(Double(want.width) / Double(input.width), Double(want.height) / Double(input.height)) / 1.05
            var scales = try bundledScales()
            candidates = []
            while let nearest = ModelCatalog.nearestScale(in: scales, reaching: ratio) {
                candidates.append(nearest)
                scales.remove(nearest)
            }
        }
        var firstError: Error = MediaError(.invalidArgument, "no bundled upscaler to route to")
        for (i, scale) in candidates.enumerated() {
            do {
                let branches = try self.branches(models: models, scale: scale, canvas: canvas)
                let resize = want.flatMap { w in
                    w.width == input.width * scale && w.height == input.height * scale ? nil : ResizeTarget.size(width: w.width, height: w.height)
                }
                return (branches, scale, resize)
            } catch {
                if i == 0 { firstError = error }
            }
        }
        throw firstError
    }

    /// The upscalers of a comma list (default every bundled one at `scale`), cheapest first,
    /// each with its validation gain over the `canvas` its tiles are put on.
    static func branches(models: String?, scale: Int, canvas: ScaleFilter) throws -> [RoutedUpscale.Branch] {
        let names = models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? ModelCatalog.bundled.map(\.path)
        var out: [(RoutedUpscale.Branch, Double)] = []
        for name in names {
            let model = try ModelCatalog.loadAsked(name, scale: scale)
            guard model.graph.task == "upscale", model.graph.scale == scale else {
                if models == nil { continue }
                throw MediaError(.invalidArgument, "\(name) is not an x\(scale) upscaler")
            }
            let summary = ModelSummary(model)
            out.append((.init(model: model, gain: max(0, summary.validationGain(over: canvas.rawValue) ?? 0)), summary.macsPerOutputPixel ?? 0))
        }
        guard !out.isEmpty else { throw MediaError(.invalidArgument, "no x\(scale) upscaler to route to") }
        return out.sorted { $0.1 < $1.1 }.map(\.0)
    }
}
