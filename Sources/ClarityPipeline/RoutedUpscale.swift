import CFFmpeg
import ClarityEngine
import ClarityMedia
import Foundation

/// Upscales luma tile by tile, each tile through the branch `TileRouter` picks: the classical
/// canvas (swscale's `canvasFilter` over the whole plane, nearly free) or one of several models of
/// rising cost. With a time budget per frame, the branch mix follows the measured costs so
/// the frame fits; without one, every tile takes its best branch. Chroma is scaled
/// classically. Neighbouring tiles on different branches are feathered across the overlap.
/// A frame with no time for even the canvas filter (a Lanczos canvas on a stalled machine)
/// falls back to swscale's bicubic: the last rung before a late frame.
///
/// Under a budget that fits a model on the whole frame, the frame skips the tiles: a
/// whole-frame run pays no window copies or blending, so it is faster than the same model's
/// tiles and, unless the routed tiles promise more expected gain, the better choice.
///
/// A tile's expected gain from a branch comes from the ClassSR classifier when there is one
/// (class probabilities times each branch's measured gain on each class over the canvas
/// filter in use; with no deadline, each tile simply takes its class's branch). Without one,
/// it is the model's validation gain weighted by the tile's detail (mean luma gradient): flat
/// tiles gain nothing.
public final class RoutedUpscale: FrameStage, BranchMixReporting {
    public struct Branch {
        public var model: Model
        /// Validation Y-PSNR gain over the canvas filter, dB (what a tile gains by leaving it).
        public var gain: Double
        public init(model: Model, gain: Double) { self.model = model; self.gain = gain }
    }

    public let branches: [Branch]
    public let classifier: TileClassifier?
    /// For each class, the index in `branches` of the class's model.
    private let classBranch: [Int]
    /// For each branch, the class routed to it (nil: none, or no classifier).
    private let branchClass: [Int?]
    /// `classGains[c][k]`: the mean gain over the canvas of class k's branch on class c tiles.
    private let classGains: [[Double]]
    /// The router branch whose expected gain is the highest on every class (on any tile
    /// without a classifier) and above the canvas's, if one is.
    private let dominantBranch: Int?
    public let tiler: Tiler
    /// Seconds this stage may spend per frame; nil = no deadline.
    public var budget: Double?
    /// The most of `budget` a whole-frame model run may take. Tiles left when a frame runs
    /// past its budget keep the canvas, but a whole-frame run cannot be cut short: under a
    /// hard deadline, a share well below 1 keeps a slowed machine from making the frame late.
    public var wholeFrameShare: Double
    /// Live mode: a frame that carries a due time (`VideoFrame.due`) gets at most what is left
    /// of its time once the tail this clock measures (the queue to the writer and the write)
    /// is set aside; so a frame that waited behind a slow one is planned cheaper, not late.
    public var deadline: FrameDeadline?
    /// Live mode: each frame's budget is this share of its frame time, moved by `deadline`'s
    /// latencies; `budget` is then the most it may reach, what the start-up timing plans for.
    public var share: DeadlineShare?
    /// Under a budget, each frame scores only one of `gainReuse + 1` bands of tile rows, in
    /// turn, and routes every tile by its latest score: a tile's expected gains are at most
    /// `gainReuse` frames old. Consecutive frames of a video hold nearly the same tiles, and at
    /// 4K on 2 cores scoring the whole frame takes 5.5-7 ms of a 33 ms frame. 0 scores every
    /// tile of every frame. Without a budget every frame is classified (plain ClassSR).
    public var gainReuse = 0
    private var latestGains: [[Double]]?
    private var nextBand = 0
    /// Under a budget, the share of the tiles' budget that only tiles staying on last frame's
    /// branch may plan for (`TileRouter`'s hold): the edge of the plan moves with the budget's
    /// jitter only when that jitter is larger than the margin. Whole-frame runs are held
    /// alike: a model starts running whole only within `1 - holdMargin` of the budget, and
    /// the frame's choice between routed tiles and a whole-frame run favours the last frame's
    /// by the same margin.
    public var holdMargin = RoutedUpscale.defaultHoldMargin
    /// On 2 cores at 4K the tiles' budget swings by a third from frame to frame (the canvas's
    /// and the frame's own measured costs). On val material 0.15 halved the tiles changing
    /// branch on a still scene in live mode, and ended `--preset realtime`'s switching
    /// between whole-frame and routed frames, with no loss of quality on pans; 0.3 held still
    /// tiles a little steadier but scored lower in one of two rounds on a 720p pan.
    public static let defaultHoldMargin = 0.15
    /// The last frame's branch per tile, in `counts`' order, and its branch if it ran whole.
    private var lastPlan: [Int]?
    private var lastWhole: Int?
    /// Tiles that changed branch from one frame to the next, and the frames compared.
    private var changes = (tiles: 0, frames: 0)
    /// Nanoseconds on a monotonic clock: what every cost is measured with (replaceable, so
    /// that a test can make the machine look slower).
    public var clock: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    public private(set) var costs: BranchCostModel!
    /// Tiles per branch over every frame so far: the canvas first, then `branches`, then the
    /// fallback canvas when there is one.
    public var branchCounts: [Int] { countsLock.withLock { counts } }
    private var counts: [Int]
    /// Frames run whole by each router branch (the canvases' entries stay 0).
    private var wholeFrames: [Int]
    private let countsLock = NSLock()
    private var output: VideoFormat!
    private var pool: FramePool!
    private var lumaScaler: FrameScaler!
    private var fallbackScaler: FrameScaler?
    private var chroma: ChromaPlanes!
    /// The frame's tiles, fixed by the input size at negotiation.
    private var grid: TileGrid!
    private var maxValue: Float = 255
    private let scratch = CompositeScratch()

    /// The classical filter of the luma canvas every tile without a model keeps.
    public let canvasFilter: ScaleFilter
    /// The cheaper canvas of a frame that has no time for `canvasFilter`: bicubic, unless the
    /// canvas is bicubic already.
    public let fallbackFilter: ScaleFilter?

    public init(branches: [Branch], classifier: TileClassifier? = nil, tiler: Tiler, budget: Double?,
                wholeFrameShare: Double = 1, canvas: ScaleFilter = .bicubic) throws {
        guard let s = branches.first?.model.graph.scale, branches.allSatisfy({ $0.model.graph.scale == s }) else {
            throw MediaError(.invalidArgument, "routing needs one or more models of one scale")
        }
        // int8 takes its scales from a frame; routing times every branch before the first.
        if tiler.precision == .int8, let model = branches.first(where: \.model.lacksInt8Ranges) {
            throw MediaError(.invalidArgument, "--precision int8 needs value ranges, which \(model.model.graph.name) does not carry and "
                             + "routed upscaling (--preset, live) cannot take from the first frame, since it times its models before it: "
                             + "use bf16 or fp32 (or --model, which calibrates on the first frame)")
        }
        let names = branches.map(\.model.graph.name)
        classBranch = try (classifier?.branches ?? []).map { name in
            guard let i = names.firstIndex(of: name) else {
                throw MediaError(.invalidArgument, "the classifier routes to \(name), which is not among the branches (\(names.joined(separator: ", ")))")
            }
            return i
        }
        self.classifier = classifier
        self.branches = branches
        branchClass = branches.indices.map { [classBranch] in classBranch.firstIndex(of: $0) }
        classGains = classifier?.gainPerClass(overCanvas: canvas.rawValue) ?? []
        // Each branch's gain per class (one "class" without a classifier).
        let gains: [[Double]] = branches.indices.map { [branchClass, classGains] b in
            guard classifier != nil else { return [branches[b].gain] }
            return classGains.map { row in branchClass[b].map { row[$0] } ?? 0 }
        }
        dominantBranch = gains.indices.first { b in
            gains[b].allSatisfy { $0 > 0 } && gains.indices.allSatisfy { o in zip(gains[b], gains[o]).allSatisfy { $0 >= $1 } }
        }
            .map { $0 + 1 }
        self.tiler = tiler
        self.budget = budget
        self.wholeFrameShare = wholeFrameShare
        canvasFilter = canvas
        fallbackFilter = canvas == .bicubic ? nil : .bicubic
        counts = [Int](repeating: 0, count: branches.count + (fallbackFilter == nil ? 1 : 2))
        wholeFrames = counts
    }

    /// The canvas by its filter's name, then the models, then the fallback canvas.
    public var branchNames: [String] {
        [canvasFilter.rawValue] + branches.map(\.model.graph.name) + (fallbackFilter.map { [$0.rawValue] } ?? [])
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        try PlanarYUV.check(input, accepted: accepted, user: "routed upscaling")
        maxValue = Float((1 << input.bitDepth) - 1)
        let s = branches[0].model.graph.scale
        var out = input
        out.width = input.width * s
        out.height = input.height * s
        output = out
        pool = try FramePool(format: out)
        // The canvas and chroma are most of a live frame's fixed work: all threads take them.
        func lumaScaler(_ filter: ScaleFilter) throws -> FrameScaler {
            try FrameScaler(planeFrom: (input.width, input.height), to: (out.width, out.height), bitDepth: input.bitDepth, filter: filter,
                            threads: Engine.threads)
        }
        self.lumaScaler = try lumaScaler(canvasFilter)
        fallbackScaler = try fallbackFilter.map(lumaScaler)
        chroma = try ChromaPlanes(from: input, to: out, filter: .bicubic, threads: Engine.threads)
        grid = tiler.grid(width: input.width, height: input.height, models: branches.map(\.model))
        let (figures, kept) = try CostCache.figures(in: costCache, for: costConfiguration(width: input.width, height: input.height),
                                                    usable: { $0.secondsPerTile.count == branches.count + 1 }) {
            try calibrateCosts(width: input.width, height: input.height).startUp
        }
        costs = BranchCostModel(figures)
        if kept { try warmUp(width: input.width, height: input.height) }
        return out
    }

    /// Start-up costs kept per machine and configuration (nil: timed at every start-up).
    public var costCache: CostCache?

    /// Everything the start-up costs depend on, as `costCache` keys them.
    private func costConfiguration(width: Int, height: Int) -> String {
        let models = branches.map { "\($0.model.graph.name) (\($0.model.graph.layers.count) layers, gain \($0.gain))" }
        return "\(CostCache.machine); \(Engine.threads) threads; \(width)x\(height) \(output.bitDepth)-bit x\(branches[0].model.graph.scale); "
            + "tiles \(tiler.tile)x\(tiler.tileWidth ?? tiler.tile), overlap \(tiler.overlap.map(String.init) ?? "auto"), "
            + "batch \(tiler.batchSize), \(tiler.precision.rawValue); canvas \(canvasFilter.rawValue); "
            + "budget \(budget.map { String($0) } ?? "none"), whole-frame share \(wholeFrameShare); "
            + "branches \(models.joined(separator: ", ")); classifier \(classifier?.model.graph.name ?? "none")"
    }

    /// With kept costs: what the timing would have prepared (the tiles', the classifier's and
    /// each whole-frame run's plans, the scalers' buffers), so that no frame pays for it.
    private func warmUp(width: Int, height: Int) throws {
        try tiler.prepare(models: branches.map(\.model), grid: grid)
        let (source, blank, target) = try blankFrame(width: width, height: height)
        chroma.scale(source, into: target)
        lumaScaler.scale(plane: source.plane(0), into: target.plane(0))
        fallbackScaler?.scale(plane: source.plane(0), into: target.plane(0))
        let (data, stride) = target.plane(0)
        try tiler.composite(blank, models: branches.map(\.model), grid: grid, assignment: grid.tiles.indices.map { $0 % (branches.count + 1) },
                            onto: data, stride: stride, wide: wide, maxValue: maxValue, scratch: scratch)
        for (b, seconds) in zip(branches, costs.snapshot.wholeFrame.dropFirst()) where seconds.isFinite {
            try paintWhole(b.model, luma: blank, onto: data, stride: stride)
        }
        _ = try expectedGains(blank)
    }

    /// A blank input frame, its luma as the models take it, and an output frame to paint:
    /// what the start-up timing and warm-up run on.
    private func blankFrame(width: Int, height: Int) throws -> (source: VideoFrame, luma: Plane, target: VideoFrame) {
        let source = try FramePool(format: VideoFormat(width: width, height: height, pixelFormat: output.pixelFormat,
                                                       timeBase: output.timeBase, frameRate: output.frameRate)).makeFrame()
        return (source, Plane(width: width, height: height, repeating: 0.5), try pool.makeFrame())
    }

    /// What the frame's parts cost on this machine, timed on a blank frame of the real size
    /// (each the fastest of five runs after a warm-up): chroma and the conversions; the canvas
    /// and its fallback; the routing; each
    /// model's tiles as `composite` runs them (a checkerboard of tiles among canvas tiles, so
    /// the blending with canvas neighbours is paid as it will be); the fixed cost of
    /// compositing at all; and, under a budget, each model on the whole frame.
    private func calibrateCosts(width: Int, height: Int) throws -> BranchCostModel {
        try tiler.prepare(models: branches.map(\.model), grid: grid)  // no compiling mid-stream
        let (source, blank, target) = try blankFrame(width: width, height: height)
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            try StartUpTiming.fastest(of: 5) {
                let start = clock()
                try body()
                return [Double(clock() - start) / 1e9]
            }[0]
        }
        let overhead = seconds {
            chroma.scale(source, into: target)
            _ = lumaPlane(source)
        }
        let (data, stride) = target.plane(0)
        var wholeFrame = [seconds { lumaScaler.scale(plane: source.plane(0), into: target.plane(0)) }]
        let fallbackCanvas = fallbackScaler.map { s in seconds { s.scale(plane: source.plane(0), into: target.plane(0)) } }
        // Whole-frame runs only serve a budget: with none, routing is plain ClassSR. A model
        // far over the budget, or slower than one with as much gain, never runs whole, and its
        // whole-frame plan is freed (4K plans of every model would hold a gigabyte).
        if let budget {
            for (i, b) in branches.enumerated() {
                wholeFrame.append(try seconds { try paintWhole(b.model, luma: blank, onto: data, stride: stride) })
                for j in 0...i where wholeFrame[j + 1].isFinite {
                    let over = wholeFrame[j + 1] > 1.25 * min(wholeFrameShare * budget, budget - overhead)
                    let dominated = (0...i).contains { k in
                        k != j && branches[k].gain >= branches[j].gain && wholeFrame[k + 1] <= wholeFrame[j + 1]
                    }
                    guard over || dominated else { continue }
                    let whole = wholeFrameTiler(width: width, height: height).grid(width: width, height: height, models: [branches[j].model])
                    branches[j].model.clearPlans(height: whole.windowHeight, width: whole.windowWidth)
                    wholeFrame[j + 1] = .infinity
                }
            }
        }
        let canvas = branches.count
        func composite(_ assignment: [Int]) throws -> Double {
            try seconds {
                try tiler.composite(blank, models: branches.map(\.model), grid: grid, assignment: assignment,
                                    onto: data, stride: stride, wide: wide, maxValue: maxValue, scratch: scratch)
            }
        }
        // Model tiles on the dark squares of the grid's first 6 x 6 tiles.
        let sample = grid.tiles.map { $0.row < 6 && $0.column < 6 && ($0.row + $0.column) % 2 == 0 }
        let count = Double(sample.filter { $0 }.count)
        var perTile: [Double] = [0]  // the canvas: its cost is wholeFrame[0]
        for b in branches.indices {
            perTile.append(try composite(sample.map { $0 ? b : canvas }) / count)
        }
        let cheapest = perTile.indices.dropFirst().min { perTile[$0] < perTile[$1] }!
        let single = try composite(grid.tiles.indices.map { $0 == 0 ? cheapest - 1 : canvas })
        let routing = try seconds { _ = try expectedGains(blank) }
        return BranchCostModel(secondsPerTile: perTile, wholeFrame: wholeFrame, fallbackCanvas: fallbackCanvas ?? .infinity,
                               setup: max(0, single - perTile[cheapest]),
                               overhead: overhead, routing: routing)
    }

    /// Under a budget, a frame takes the first of these that fits: the best model that fits
    /// on the whole frame (tiles pay window copies and blending that a whole-frame run does
    /// not, so when one fits it is faster and usually better); the routed tiles, when the
    /// budget also leaves time to weigh them against it (the whole-frame run wins unless the
    /// routed tiles' expected gain is higher); or the canvas alone, and when even that does
    /// not fit what is left, the fallback canvas.
    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        let start = clock()
        let untilDue = timeLeft(frame)
        let stageBudget = share.flatMap { s in deadline.map(s.budget(after:)) } ?? self.budget
        let budget = stageBudget.map { b in untilDue.map { min(b, $0) } ?? b }
        func since(_ t: UInt64) -> Double { Double(clock() - t) / 1e9 }
        // A frame without model work may take all the time it has left, not just the stage's share.
        func canvasLeft() -> Double? { (untilDue ?? budget).map { $0 - since(start) } }
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        chroma.scale(frame, into: out)
        let luma = lumaPlane(frame)
        costs.observe(overhead: since(start))
        let (data, stride) = out.plane(0)

        var choice: [Int]
        if let budget {
            let bands = gainReuse + 1
            let routing = costs.snapshot.routing / Double(bands)
            let tileBudget = costs.tileBudget(frame: budget, routing: routing)
            let (held, heldWhole) = countsLock.withLock { (lastPlan, lastWhole) }
            // Held as tiles are: a model takes the whole frame only with the margin to spare,
            // and keeps it while it fits.
            let steady = costs.wholeFrameFits(frame: budget * (1 - holdMargin), share: wholeFrameShare)
            let whole = costs.wholeFrameFits(frame: budget, share: wholeFrameShare)
                .filter { $0 == heldWhole || steady.contains($0) }
                .max { branches[$0 - 1].gain < branches[$1 - 1].gain }
            // No routing when the whole-frame model gains most on every class (no tile mix
            // can beat it), or when there is no time to route first.
            if let whole, whole == dominantBranch || tileBudget == nil
                || !costs.wholeFrameFits(frame: budget, reserve: routing, share: wholeFrameShare).contains(whole) {
                return try paintWhole(whole, luma: luma, into: out)
            }
            guard let tileBudget else {
                // No time left for even one model tile: the frame is the canvas, and not even
                // the classifier runs.
                paintCanvasAlone(frame, into: out, left: canvasLeft())
                return out
            }
            let routingStart = clock()
            let gains = try rollingGains(luma, bands: bands)
            costs.observe(routing: since(routingStart) * Double(bands))
            choice = TileRouter.assign(gains: gains, costs: costs.snapshot.secondsPerTile, budget: tileBudget,
                                       held: held, margin: holdMargin)
            // A tie goes to the whole-frame run, the faster of the two; what the last frame
            // ran is favoured by the hold's margin.
            if let whole {
                let favour = 1 / (1 - holdMargin)
                let wholeGain = gains.reduce(0) { $0 + $1[whole] } * (whole == heldWhole ? favour : 1)
                let routedGain = zip(gains, choice).reduce(0) { $0 + $1.0[$1.1] } * (heldWhole == nil ? favour : 1)
                if wholeGain >= routedGain { return try paintWhole(whole, luma: luma, into: out) }
            }
        } else {
            let routingStart = clock()
            let (gains, classes) = try expectedGains(luma)
            // Plain ClassSR: each tile to its class's branch (router index = branch + 1).
            choice = classes?.map { classBranch[$0] + 1 } ?? TileRouter.assign(gains: gains, costs: [], budget: nil)
            costs.observe(routing: since(routingStart))
        }
        guard choice.contains(where: { $0 != 0 }) else {
            paintCanvasAlone(frame, into: out, left: canvasLeft())
            return out
        }
        paintCanvas(frame, into: out)
        let tilesStart = clock()
        // Past the stage's whole budget (the machine stalled), the batches left keep the canvas.
        let cutoff = budget.map { start + UInt64($0 * 1e9) } ?? .max
        // Router branch 0 is the canvas; the tiler numbers the canvas after the models.
        let done = try tiler.composite(luma, models: branches.map(\.model), grid: grid,
                                       assignment: choice.map { $0 == 0 ? branches.count : $0 - 1 },
                                       onto: data, stride: stride, wide: wide, maxValue: maxValue, scratch: scratch,
                                       keepGoing: { clock() < cutoff })
            .map { $0 == branches.count ? 0 : $0 + 1 }
        record(done)
        // Measured against the tiles that ran: a plan cut short still says how slow they were.
        let c = costs.snapshot
        costs.observe(predicted: c.setup + TileRouter.cost(of: done, costs: c.secondsPerTile), actual: since(tilesStart))
        return out
    }

    /// Live mode: the seconds before the frame is due, less its expected tail; the frame's
    /// budget is the smaller of this and `budget`.
    private func timeLeft(_ frame: VideoFrame) -> Double? {
        guard budget != nil, let due = frame.due, let deadline else { return nil }
        return max(0, Double(Int64(bitPattern: due &- DispatchTime.now().uptimeNanoseconds)) / 1e9 - deadline.tail)
    }

    /// The models' input: luma as floats in [0, 1].
    private func lumaPlane(_ frame: VideoFrame) -> Plane {
        SampleConversion.plane(from: frame.plane(0), width: frame.width, height: frame.height, wide: wide, scale: 1 / maxValue)
    }

    /// Samples of more than 8 bits take two bytes.
    private var wide: Bool { maxValue > 255 }

    /// Swscale's luma (`canvasFilter`, or with `fallback` the fallback filter), straight into
    /// the output: the canvas model tiles are blended over.
    private func paintCanvas(_ frame: VideoFrame, into out: VideoFrame, fallback: Bool = false) {
        let start = clock()
        (fallback ? fallbackScaler! : lumaScaler).scale(plane: frame.plane(0), into: out.plane(0))
        costs.observe(canvas: Double(clock() - start) / 1e9, fallback: fallback)
    }

    /// A frame without model tiles: the canvas, or the fallback canvas when the canvas would
    /// not fit in `left` seconds (nil: no deadline) and the fallback would, or the stream is
    /// behind (most of the live clock's recent frames late).
    private func paintCanvasAlone(_ frame: VideoFrame, into out: VideoFrame, left: Double?) {
        let behind = (deadline?.recentLateShare ?? 0) > 0.5
        let fallback = left.map { costs.fallsBack(within: $0, behind: behind) } ?? false
        paintCanvas(frame, into: out, fallback: fallback)
        record(Array(repeating: fallback ? counts.count - 1 : 0, count: grid.tiles.count))
        costs.relax()
    }

    /// Runs a model on the whole frame at the tiles' precision (beyond 1080p in tiles, which
    /// bound the memory and change nothing of the result).
    private func wholeFrameTiler(width: Int, height: Int) -> Tiler { .forFrame(width: width, height: height, precision: tiler.precision) }

    private func paintWhole(_ model: Model, luma: Plane, onto data: UnsafeMutablePointer<UInt8>, stride: Int) throws {
        try wholeFrameTiler(width: luma.width, height: luma.height).run(luma, model: model, into: data, stride: stride, wide: wide, maxValue: maxValue)
    }

    /// Router branch `branch` (1...) on the whole frame's luma.
    private func paintWhole(_ branch: Int, luma: Plane, into out: VideoFrame) throws -> VideoFrame {
        let start = clock()
        let (data, stride) = out.plane(0)
        try paintWhole(branches[branch - 1].model, luma: luma, onto: data, stride: stride)
        costs.observe(predicted: costs.snapshot.wholeFrame[branch], actual: Double(clock() - start) / 1e9)
        record(Array(repeating: branch, count: grid.tiles.count), whole: true)
        return out
    }

    /// Counts a frame's tiles by branch (`counts`' order) and the tiles that changed branch.
    private func record(_ plan: [Int], whole: Bool = false) {
        countsLock.withLock {
            for c in plan { counts[c] += 1 }
            if whole { wholeFrames[plan[0]] += 1 }
            if let last = lastPlan {
                changes.tiles += zip(last, plan).filter { $0 != $1 }.count
                changes.frames += 1
            }
            lastPlan = plan
            lastWhole = whole ? plan[0] : nil
        }
    }

    /// The mean share of the tiles that changed branch from one frame to the next (0 before
    /// a second frame): on a still scene, how much the picture flickers between branches.
    public var branchChangeShare: Double {
        countsLock.withLock { changes.frames > 0 ? Double(changes.tiles) / Double(changes.frames * lastPlan!.count) : 0 }
    }

    /// Every tile's expected gains, with the tiles of one band of rows in `bands` (the next in
    /// turn) scored afresh and the others as last scored (no gain before their first score:
    /// they keep the canvas).
    private func rollingGains(_ luma: Plane, bands: Int) throws -> [[Double]] {
        guard bands > 1 else { return try expectedGains(luma).gains }
        let band = nextBand % bands
        nextBand += 1
        let rows = (grid.rows * band / bands)..<(grid.rows * (band + 1) / bands)
        var gains = latestGains ?? Array(repeating: Array(repeating: 0, count: branches.count + 1), count: grid.tiles.count)
        let fresh = try expectedGains(luma, rows: rows).gains
        for (k, i) in grid.tiles.indices.filter({ rows.contains(grid.tiles[$0].row) }).enumerated() { gains[i] = fresh[k] }
        latestGains = gains
        return gains
    }

    /// Each tile's expected gain from each router branch over the canvas (router branch 0,
    /// which gains nothing) and, with a classifier, its most likely class: for the tiles in
    /// grid rows `rows` (all when nil), in grid order.
    private func expectedGains(_ luma: Plane, rows: Range<Int>? = nil) throws -> (gains: [[Double]], classes: [Int]?) {
        guard let classifier else {
            let gains = grid.tiles.filter { rows?.contains($0.row) ?? true }.map { t in
                let detail = luma.meanGradient(x: t.coreX, y: t.coreY)
                return [0] + branches.map { $0.gain * detail }
            }
            return (gains, nil)
        }
        // The classifier follows the branches into bf16; under int8 it runs in fp32.
        let probabilities = try classifier.probabilities(luma, grid: grid, side: tiler.tile,
                                                         precision: tiler.precision == .bf16 ? .bf16 : .fp32, rows: rows)
        let gains = probabilities.map { p in
            [0] + branches.indices.map { b in
                branchClass[b].map { k in zip(p, classGains).map { $0 * $1[k] }.reduce(0, +) } ?? 0
            }
        }
        return (gains, probabilities.map { p in p.indices.max { p[$0] < p[$1] }! })
    }

    /// What ranks the tiles for the models: the classifier's name, or "detail".
    public var ranking: String { classifier?.model.graph.name ?? "detail" }

    public var branchTiles: [BranchTiles] {
        zip(branchNames, branchCounts).map { BranchTiles(branch: $0, tiles: $1) }
    }

    /// The cost model's current figures, for the run's report.
    public var costReport: String {
        let c = costs.snapshot
        // Infinite: the model never runs whole (far over the budget, or outdone by one as good and faster).
        let whole = zip(branchNames, c.wholeFrame).map { $1.isFinite ? String(format: "%@ %.1f ms", $0, $1 * 1000) : "\($0) not run whole" }
        return zip(branchNames.dropFirst(), c.secondsPerTile.dropFirst()).map { String(format: "%@ %.2f ms/tile", $0, $1 * 1000) }
            .joined(separator: ", ")
            + String(format: "; set-up %.1f ms, routing %.1f ms, rest of the frame %.1f ms", c.setup * 1000, c.routing * 1000, c.overhead * 1000)
            + "; whole frame: " + whole.joined(separator: ", ")
            + (fallbackFilter.map { String(format: "; fallback %@ %.1f ms", $0.rawValue, c.fallbackCanvas * 1000) } ?? "")
    }

    /// "bicubic 40%, bicubicpp-c32-x3 60%" over every tile so far, then the frames that a
    /// model ran whole ("; whole frames: bicubicpp-c16-x3 290").
    public var branchMix: String {
        let tiles = branchCounts, whole = wholeFrameCounts
        let total = Double(max(1, tiles.reduce(0, +)))
        let mix = zip(branchNames, tiles).map { name, n in "\(name) \(Int((100 * Double(n) / total).rounded()))%" }
            .joined(separator: ", ")
        let wholeRuns: [String] = zip(branchNames, whole).filter { $0.1 > 0 }.map { name, n in "\(name) \(n)" }
        return (wholeRuns.isEmpty ? mix : mix + "; whole frames: " + wholeRuns.joined(separator: ", "))
            + String(format: "; tiles changing branch: %.2f%% a frame", 100 * branchChangeShare)
    }

    /// Frames each router branch ran on the whole frame (the canvases' entries stay 0).
    public var wholeFrameCounts: [Int] { countsLock.withLock { wholeFrames } }
}

extension Plane {
    /// Mean absolute difference between horizontal and vertical neighbours, both inside the
    /// region (clipped to the plane): how much detail a tile holds.
    func meanGradient(x: Range<Int>, y: Range<Int>) -> Double {
        let xs = x.clamped(to: 0..<width), ys = y.clamped(to: 0..<height)
        guard !xs.isEmpty, !ys.isEmpty else { return 0 }
        var sum: Float = 0
        data.withUnsafeBufferPointer { p in
            for r in ys {
                let row = p.baseAddress! + r * width
                for c in xs.lowerBound..<(xs.upperBound - 1) { sum += abs(row[c + 1] - row[c]) }
                if r + 1 < ys.upperBound {
                    let next = row + width
                    for c in xs { sum += abs(next[c] - row[c]) }
                }
            }
        }
        let count = ys.count * (xs.count - 1) + (ys.count - 1) * xs.count
        return count > 0 ? Double(sum) / Double(count) : 0
    }
}
