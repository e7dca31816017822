import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityPipeline

/// Blind compression-artifact removal (RBQE with IQAM early exit) before any upscaling.
struct DeartifactOptions: ParsableArguments {
    enum Mode: String, CaseIterable, ExpressibleByArgument {
        case off, auto, max
    }

    @Option(help: ArgumentHelp(
        "Remove compression artifacts first: off, auto or max.",
        discussion: "auto: each tile leaves the network at the first exit whose output IQAM judges good enough, or that barely changed the exit before it (--deartifact-settle), so lightly compressed regions cost little; max: every tile takes the deepest exit. Works on the input's luma, at its size, before any upscaling (in live mode within --deartifact-share of each frame). Before upscaling a visibly compressed source it pays most: from H.264 QP 37 at x3, Bicubic++ gains about 0.5 dB more with it; from lightly compressed input, nothing."))
    var deartifact: Mode = .off

    @Option(help: "IQAM quality (0-1) at which a tile leaves in auto mode (default: the threshold calibrated with the model; higher = deeper, slower).")
    var deartifactThreshold: Double?

    @Option(help: ArgumentHelp(
        "Auto mode: a tile also leaves at an exit that changed the one before by at most this mean square (8-bit levels squared); 0 turns the test off.",
        discussion: "Deeper exits refine what the earlier ones did; once an exit barely changes the picture, the rest would change it little more. Default: the bound calibrated with the model together with its threshold (on the validation clips it saves rbqe-full over a third of its work for more quality than the IQAM test alone)."))
    var deartifactSettle: Double?

    @Option(help: "Artifact-removal model: a bundled one (rbqe-lite, rbqe-full) or a .safetensors file (default: rbqe-lite).")
    var deartifactModel: String?

    /// The model asked for, or the default.
    var model: String { deartifactModel ?? "rbqe-lite" }

    @Option(help: ArgumentHelp(
        "Views of each tile to average: 1, 2, 4 or 8.",
        discussion: "A self-ensemble: the network also sees each tile flipped (2, 4) and transposed (8), and every exit's output is the mean of the views turned back. About that many times the work, for a little more quality (rbqe-lite's deepest exit on the validation clips: +0.191 dB with 1 view, +0.202 with 2, +0.210 with 4, +0.217 with 8)."))
    var deartifactEnsemble = 1

    var isOn: Bool { deartifact != .off }

    func validate() throws {
        if let t = deartifactThreshold, !(0...1).contains(t) {
            throw ValidationError("--deartifact-threshold must be between 0 and 1")
        }
        if let s = deartifactSettle, !(s >= 0) {
            throw ValidationError("--deartifact-settle must be 0 or more")
        }
        try Self.validateEnsemble(deartifactEnsemble, option: "--deartifact-ensemble")
        // Options that would do nothing are refused rather than ignored.
        let exitOptions = [deartifactThreshold.map { _ in "--deartifact-threshold" }, deartifactSettle.map { _ in "--deartifact-settle" }]
        if deartifact != .auto, let given = exitOptions.compactMap({ $0 }).first {
            throw ValidationError("\(given) tunes where --deartifact auto lets tiles leave the network: "
                                  + (deartifact == .off ? "add --deartifact auto" : "--deartifact max takes every tile to the deepest exit"))
        }
        if deartifact == .off, let given = [deartifactModel.map { _ in "--deartifact-model chooses the model" },
                                            deartifactEnsemble != 1 ? "--deartifact-ensemble averages views" : nil].compactMap({ $0 }).first {
            throw ValidationError("\(given) for artifact removal, which is off: add --deartifact auto or max")
        }
    }

    static func validateEnsemble(_ n: Int, option: String) throws {
        guard EnsembleView.counts.contains(n) else { throw ValidationError("\(option) must be 1, 2, 4 or 8") }
    }

    /// The stage, or nil when off.
    func stage(precision: Precision) throws -> EarlyExitEnhancer? {
        guard deartifact != .off else { return nil }
        let model = try ModelCatalog.loadAsked(self.model, scale: 1)
        guard model.graph.task == "deartifact" else {
            throw MediaError(.invalidArgument, "\(model.graph.name) is \(model.graph.taskInWords), not an artifact-removal model")
        }
        return try Self.enhancer(model, deepest: deartifact == .max, threshold: deartifactThreshold, settle: deartifactSettle,
                                 ensemble: deartifactEnsemble, precision: precision)
    }

    /// The stage for `model`: tiles of the size its threshold was calibrated on, overlapped by
    /// an eighth; the calibrated threshold and settle bound unless `threshold` or `settle`
    /// (0: none) overrides them; `ensemble` views.
    static func enhancer(_ model: Model, deepest: Bool, threshold: Double?, settle: Double? = nil, ensemble: Int = 1,
                         precision: Precision) throws -> EarlyExitEnhancer {
        let calibrated = model.graph.earlyExit
        let bound = settle.map { $0 > 0 ? $0 : nil } ?? calibrated?.settle
        let policy: EarlyExitEnhancer.Policy = deepest ? .deepest
            : .iqam(threshold: threshold ?? calibrated?.threshold ?? paperThreshold, settle: bound)
        let tile = calibrated?.tile ?? 128
        let stage = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: tile, overlap: tile / 8, precision: precision), policy: policy)
        stage.ensemble = ensemble
        return stage
    }

    /// RBQE's knee for HEVC-like codecs, for a model file without its own calibration.
    static let paperThreshold = 0.89
}

extension EarlyExitEnhancer {
    /// Live mode's report: the exits, the tiles that kept their input, each exit's cost, and
    /// where at least nine in ten tiles with something to clean kept their input for want of
    /// time, at the costs the stream measured, what would give one tile room, or where one had
    /// room, the share every tile would need.
    func liveSummary(frameTime: Double) -> String {
        let total = exitCounts.reduce(0, +) + skippedTiles + flatTiles
        func percent(_ n: Int) -> Int { Self.percent(n, of: total) }
        let wanting = skippedTiles > 0 && skippedTiles * 10 >= (total - flatTiles) * 9
        return "artifact removal (\(model.graph.name)\(viewsNote)): " + exitCounts.enumerated()
            .map { "exit \($0.offset + 1) \(percent($0.element))%" }.joined(separator: ", ")
            + (flatTiles > 0 ? ", flat \(percent(flatTiles))%" : "")
            + ", kept their input \(percent(skippedTiles))%; per tile: "
            + exitCosts.enumerated().map { String(format: "exit %d %.2f ms", $0.offset + 1, $0.element * 1000) }.joined(separator: ", ")
            + String(format: "; the rest of the frame %.2f ms (of %.2f ms)", frameCost * 1000, (budget ?? 0) * 1000)
            + (wanting ? "; " + (fitsOneTile ? roomForEveryTile(frameTime: frameTime) : room(frameTime: frameTime, atStartUp: false)) : "")
    }

    /// Where tiles ran but most kept their input: the share every tile's first exit would need.
    private func roomForEveryTile(frameTime: Double) -> String {
        let share = sharesNeeded(frameTime: frameTime).everyTile
        return share > 1
            ? String(format: "every tile's first exit would take %.1f times the frame's time at these costs: live mode cleans ", share)
                + "what it has time for, from the centre outwards (a lower frame rate (--fps) cleans more; a transcode cleans every tile)"
            : String(format: "every tile's first exit would need a --deartifact-share above %.2f at these costs", (share * 100).rounded(.up) / 100)
    }

    /// Live mode, once timed: where a frame's own cost and one tile's first exit do not fit
    /// the budget, what would give it room (the frames pass untouched until the costs fall).
    /// The share named is a floor: a running stream's costs are higher than start-up's (on 2
    /// Zen 4 cores, exits about 1.4 times as dear beside the upscaling of the frame before).
    func roomWarning(frameTime: Double) -> String? {
        guard let budget, let first = exitCosts.first, !fitsOneTile else { return nil }
        return String(format: "artifact removal fits no tile in its %.1f ms of the %.1f ms frame (the frame's own %.1f ms and a tile's "
                      + "first exit %.1f ms), so frames pass untouched: ", budget * 1000, frameTime * 1000, frameCost * 1000, first * 1000)
            + room(frameTime: frameTime, atStartUp: true)
    }

    /// What gives one tile room at the costs held now: a share of the frame or a lower frame rate.
    private func room(frameTime: Double, atStartUp: Bool) -> String {
        let needed = sharesNeeded(frameTime: frameTime).oneTile
        guard needed < 1 else { return "no share of a frame gives one tile room at this frame rate: a lower one (--fps) does" }
        let share = String(format: "%.2f", (needed * 100).rounded(.up) / 100)
        return atStartUp
            ? "a --deartifact-share well above \(share) gives one tile room (at these costs; a running stream's are higher), or a lower frame rate (--fps)"
            : "a --deartifact-share above \(share) gives one tile room (at these costs), or a lower frame rate (--fps)"
    }

    /// "exit 1: 40%, exit 2: 35%, ..." over every tile so far.
    var exitMix: String { Self.exitMix(of: [self]) }

    /// The same over every tile so far of these copies of one stage; flat tiles (kept as
    /// they were) count too when there are any.
    static func exitMix(of copies: [EarlyExitEnhancer]) -> String {
        let counts = copies.map(\.exitCounts).reduce(into: [Int](repeating: 0, count: copies.first?.exitCounts.count ?? 0)) {
            for (i, n) in $1.enumerated() { $0[i] += n }
        }
        let flat = copies.map(\.flatTiles).reduce(0, +)
        let total = counts.reduce(0, +) + flat
        func percent(_ n: Int) -> Int { Self.percent(n, of: total) }
        return counts.enumerated().map { "exit \($0.offset + 1): \(percent($0.element))%" }.joined(separator: ", ")
            + (flat > 0 ? ", flat (kept as they were): \(percent(flat))%" : "")
    }

    /// n of total tiles as a whole percentage (0 when there are none).
    private static func percent(_ n: Int, of total: Int) -> Int { Int((100 * Double(n) / Double(max(1, total))).rounded()) }
}
