import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityPipeline

/// Which learned model processes luma, and how the engine runs it.
struct ModelOptions: ParsableArguments {
    @Option(help: "Upscaler: auto (Bicubic++, the bundled family, whenever the output is larger than the input; the classical filter when --filter names one), bicubic (classical, see --filter), a bundled model or family (bicubicpp, esr-max, esr-tm, esr-tr; `clarity models` lists them), or a .safetensors file.")
    var model = "auto"

    /// What `--model auto` runs when upscaling: the family with the best validation PSNR.
    static let defaultUpscaler = "bicubicpp"

    @Option(help: ArgumentHelp("Largest low-resolution tile for the model: the frame is cut into tiles of one size no larger than this, run a few at a time; 0 = the whole frame at once. Default: the whole frame up to 1920x1080, tiles of 512 beyond (as fast or faster there, in a third of the memory or less: 0.5 GB instead of 2.2 for 4K to 8K).", valueName: "pixels"))
    var tile: Int?

    @Option(help: "Tile overlap in low-resolution pixels (default: the model's receptive radius, which makes tiles seam-free).")
    var overlap: Int?

    @Option(help: PrecisionChoice.help)
    var precision: PrecisionChoice = .auto

    @Option(help: ArgumentHelp("Routed upscaling within a time per frame: realtime (33 ms), balanced (150 ms), quality (1 s) or classsr (no limit: each tile to its class's model), from presets/, or a preset JSON file. The best bundled model that fits runs on the whole frame, or else each tile goes to bicubic or a model; replaces --model. Between the x2 models up to twice the size (1080p to 4K), the x3 ones beyond (720p to 4K; the default without --scale or --size).", valueName: "preset"))
    var preset: String?

    @Option(help: "Frames --model and --deartifact process at once, each on its share of the threads (0 = auto: 2 where there are two or more threads). Side by side, frames of a compute-bound model such as Bicubic++ C32 go about 30% faster on 2 cores than one frame split across both. Not with --preset, which takes one frame at a time.")
    var parallelFrames = 0

    @Flag(help: Routing.recalibrateHelp)
    var recalibrate = false

    /// The learned upscaler, by name, for pictures of `input` (nil: before the input is known);
    /// nil when the classical filter resizes alone. `auto` takes the default family whenever
    /// the output is larger than the input, unless a preset routes or `--filter` is named.
    func upscaler(_ resize: ResizeOptions, input: VideoFormat?) throws -> String? {
        switch model {
        case "bicubic": return nil
        case "auto": return try preset == nil && resize.filter == nil && resize.upscales(input) ? Self.defaultUpscaler : nil
        default: return model
        }
    }

    /// Whether a luma stage runs (a model or a preset's router), not swscale alone.
    func usesLumaStage(_ resize: ResizeOptions, input: VideoFormat?) throws -> Bool {
        try preset != nil || upscaler(resize, input: input) != nil
    }

    /// Whether the run uses the engine at all: a luma stage or artifact removal.
    func runsEngine(_ resize: ResizeOptions, input: VideoFormat?, deartifacting: Bool) throws -> Bool {
        try usesLumaStage(resize, input: input) || deartifacting
    }

    /// How many frames at once, each by its own copy of the stage: a model or artifact
    /// removal (a preset's router keeps per-run statistics in one stage; a classical filter
    /// alone is threaded by swscale).
    func framesAtOnce(_ resize: ResizeOptions, deartifacting: Bool) throws -> Int {
        guard preset == nil, try runsEngine(resize, input: nil, deartifacting: deartifacting) else { return 1 }
        return parallelFrames > 0 ? parallelFrames : 2
    }

    func validate() throws {
        if preset != nil && !["auto", "bicubic"].contains(model) {
            throw ValidationError("--preset routes between the bundled models itself: drop --model")
        }
        if let tile, tile != 0 && tile < 8 { throw ValidationError("--tile must be 0 (whole frames) or at least 8") }
        guard parallelFrames >= 0 else { throw ValidationError("--parallel-frames must be 0 (auto) or more") }
        if let overlap, overlap < 0 { throw ValidationError("--overlap must be 0 or more") }
        if preset != nil, let given = tilingOptions { throw ValidationError("--preset tiles the frame as its file says: drop \(given)") }
    }

    /// `--tile` and `--overlap`, where given: they shape an upscaling model's tiles.
    private var tilingOptions: String? {
        let given = [tile != nil ? "--tile" : nil, overlap != nil ? "--overlap" : nil].compactMap { $0 }
        return given.isEmpty ? nil : given.joined(separator: " and ")
    }

    /// The processing stage for an input: the model (luma) then, when the requested size is not
    /// the model's, a classical resize to it; or the classical filter alone.
    func stage(for input: VideoFormat, resize: ResizeOptions, threads: ThreadPlan) throws -> EnhanceRun.Stage {
        Engine.configure(threads: threads.inference)
        let target = try resize.target()?.inStoredPixels(of: input)
        let filter = try resize.scaleFilter()
        let upscaler = try upscaler(resize, input: input)
        guard preset != nil || upscaler != nil else {
            if let given = tilingOptions {
                throw MediaError(.invalidArgument, "\(given) only shape\(given.contains(" and ") ? "" : "s") an upscaling model's tiles, and no model upscales here "
                                 + "(\(target == nil ? "no --scale or --size" : "--model bicubic or --filter resize classically")): drop \(given)")
            }
            return .init(stage: ClassicalResize(target: target, filter: filter, threads: threads.pipeline))
        }
        let requested = target?.dimensions(of: input)
        if let size = requested, try !resize.upscales(input) {
            throw MediaError(.invalidArgument, "the models upscale, and the output (\(size.width)x\(size.height)) is no larger than the input "
                             + "(\(input.width)x\(input.height)): drop \(preset != nil ? "--preset" : "--model") to resize with --filter")
        }
        if let preset { return try routed(preset, input: input, target: target, filter: filter, threads: threads) }
        guard let upscaler else { preconditionFailure("without a preset, a model upscales here") }
        let scale: Int
        switch target {
        case .factor(let k)? where k >= 1: scale = Int(k.rounded())
        case .size?, .shorterSide?: scale = requested.map { max(1, Int((Double($0.width) / Double(input.width)).rounded())) } ?? 3
        default: scale = 3
        }
        let loaded = try ModelCatalog.loadAsked(upscaler, scale: scale)
        guard loaded.graph.task == "upscale" else {
            let see = loaded.graph.task == "deartifact" ? " (see --deartifact)" : loaded.graph.task == "classify" ? " (it picks each tile's upscaler: see --preset classsr)" : ""
            throw MediaError(.invalidArgument, "\(loaded.graph.name) is \(loaded.graph.taskInWords), not an upscaler\(see)")
        }
        let tiler = Tiler.forFrame(width: input.width, height: input.height, tile: tile, overlap: overlap, precision: precision.resolved)
        let upscale = LumaModelUpscale(model: loaded, tiler: tiler)
        let want = (target ?? .factor(Double(loaded.graph.scale)))
            .dimensions(of: input)
        let exact = want.width == input.width * loaded.graph.scale && want.height == input.height * loaded.graph.scale
        let cut = tiler.grid(width: input.width, height: input.height, models: [loaded]).tiles
        let tiles = cut.count > 1 ? ", in \(cut.count) tiles of \(cut[0].coreX.count)x\(cut[0].coreY.count)" : ""
        let then = exact ? "" : ", then \(filter) to \(want.width)x\(want.height)"
        // Told at the end, so the precision's plan is looked at only where the summary is said.
        return .init(stage: StageChain([upscale, ClassicalResize(target: exact ? nil : .size(width: want.width, height: want.height),
                                                                 filter: filter, threads: threads.pipeline)])) { [precision] in
            "upscaled by \(loaded.graph.name) (\(precision.described(running: loaded))\(tiles))" + then
        }
    }

    /// Routed upscaling with a preset's budget, at the bundled scale nearest the requested size
    /// (x3 when none is given), then a classical resize if the size is not that scale's.
    private func routed(_ name: String, input: VideoFormat, target: ResizeTarget?, filter: ScaleFilter,
                        threads: ThreadPlan) throws -> EnhanceRun.Stage {
        let p: QualityPreset
        do { p = try QualityPreset.load(name) } catch let e as CatalogError { throw MediaError(.invalidArgument, e.description) }
        let canvas = try p.canvas.map { name in
            guard let f = ScaleFilter(rawValue: name) else {
                throw MediaError(.invalidArgument, "preset \(p.name): unknown canvas '\(name)'; choose from \(ScaleFilter.names)")
            }
            return f
        } ?? .bicubic
        let (branches, scale, resize) = try Routing.plan(input: input, target: target, canvas: canvas)
        let stage = try RoutedUpscale(branches: branches, classifier: try Routing.classifier(p.classifier ?? "auto", branches: branches),
                                      tiler: Tiler(tile: p.tile, overlap: p.overlap, batchSize: 16, precision: precision.resolved),
                                      budget: p.frameBudgetMilliseconds.map { $0 / 1000 }, canvas: canvas)
        stage.costCache = .userDefault(refresh: recalibrate)
        if let hold = p.holdMargin { stage.holdMargin = hold }
        return .init(stage: StageChain([stage, ClassicalResize(target: resize, filter: filter, threads: threads.pipeline)])) {
            "preset \(p.name) at x\(scale), tiles ranked by \(stage.ranking); tiles per branch: \(stage.branchMix)\nmeasured costs: \(stage.costReport)"
        }
    }
}

extension Precision: ExpressibleByArgument {}
extension ScaleFilter: ExpressibleByArgument {}
