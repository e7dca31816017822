import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityQuality
import Foundation

/// Removes compression artifacts from luma with an early-exit network (RBQE): each tile
/// leaves at the first exit whose output IQAM scores as good enough, or that barely changed
/// the exit before it, so lightly compressed regions cost a shallow pass and heavily
/// compressed ones get the whole network. Blind: the bitstream's QP is never read. Chroma
/// passes through unchanged; the size stays.
public final class EarlyExitEnhancer: FrameStage {
    /// How a tile's exit is chosen.
    public enum Policy: Sendable, Equatable {
        /// The first exit with IQAM quality >= `threshold` or, from the second exit on, whose
        /// output differs from the previous exit's by a mean square of at most `settle`
        /// (8-bit levels squared; nil: no such test). The model's calibrated pair by default.
        case iqam(threshold: Double, settle: Double?)
        /// Always the deepest exit.
        case deepest
    }

    public let model: Model
    public let tiler: Tiler
    public let policy: Policy
    private let iqam: IQAM
    private var pool: FramePool!
    private var maxValue: Float = 255
    /// How many tiles left at each exit, over every frame so far.
    public private(set) var exitCounts: [Int]
    /// The exit of each tile of the last frame, row by row (-1: kept its input for want of
    /// time; `flatTile`: kept it, having nothing to clean).
    public private(set) var lastExits: [Int] = []
    /// Tiles that kept their input for want of time, over every frame so far.
    public private(set) var skippedTiles = 0
    /// Tiles that kept their input as flat, over every frame so far.
    public private(set) var flatTiles = 0
    /// The exit recorded for a flat tile: one whose samples span at most `flatSpan` (a
    /// letterbox bar, a fade to black). IQAM scores such a tile as all blocking, so it would
    /// never leave early and would pay for the deepest exit with nothing to remove.
    public static let flatTile = -2
    /// Two 8-bit levels, as a fraction of the sample range.
    public static let flatSpan: Float = 2 / 255
    /// Live mode: seconds this stage may spend on a frame (nil: no limit, every tile runs).
    /// What the frame costs besides its tiles comes off first; then tiles start, side by
    /// side, from the picture's centre outwards only while their first exit's cost still fits
    /// the time left on the wall clock, and go one exit deeper only while that exit's does:
    /// under pressure tiles leave earlier, then keep their input, and where not one tile fits
    /// the frame passes untouched. Set before negotiation, which then times the exits and the frame.
    public var budget: Double?
    /// Seconds a tile spends on each exit past the one before (with its IQAM score): timed
    /// at negotiation under a budget, then kept current by every frame (a slower figure
    /// believed at once, a faster one gradually).
    public private(set) var exitCosts: [Double] = []
    /// Seconds a frame takes besides its tiles' exits (the luma's conversion, the flat tests,
    /// the changed cores' stitching, the frame's copy): about 1.5 ms at 720p, against live
    /// mode's default 5 ms share of a 30 fps frame, so it is counted, or a frame would pay it
    /// for no tile at all. Timed and kept current like `exitCosts`.
    public private(set) var frameCost: Double = 0
    private var timedCosts: (exits: [Double], frame: Double) = ([], 0)
    /// Nanoseconds on a monotonic clock (replaceable: a test slows the machine down).
    public var clock: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    /// Exit costs kept per machine and configuration (nil: timed at every start-up).
    public var costCache: CostCache?
    /// Views of each tile averaged at every exit (1, 2, 4 or 8; `EnsembleView`): a
    /// self-ensemble, about that many times the work. Set before negotiation.
    public var ensemble = 1
    /// ", N views a tile" for reports when there are several, else empty.
    public var viewsNote: String { ensemble > 1 ? ", \(ensemble) views a tile" : "" }
    private var tileCount = 0
    /// The tiles' output windows, kept from frame to frame.
    private let scratch = CompositeScratch()
    private var exitCount: Int { model.graph.outputs.count }

    /// - Parameters: `tiler`'s tile and overlap default to the model's calibration tile and
    ///   a quarter of it.
    public init(model: Model, tiler: Tiler, policy: Policy) throws {
        guard model.graph.task == "deartifact", model.graph.scale == 1 else {
            throw MediaError(.invalidArgument, "\(model.graph.name) is not an artifact-removal model")
        }
        self.model = model
        self.tiler = tiler
        self.policy = policy
        iqam = IQAM(blockSize: model.graph.earlyExit?.iqamBlock ?? 4)
        exitCounts = [Int](repeating: 0, count: model.graph.outputs.count)
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        try PlanarYUV.check(input, accepted: accepted, user: "artifact removal")
        pool = try FramePool(format: input)
        maxValue = Float((1 << input.bitDepth) - 1)
        tileCount = tiler.grid(width: input.width, height: input.height, models: [model]).tiles.count
        if budget != nil {
            let configuration = "\(CostCache.machine); \(Engine.threads) threads; exits of \(model.graph.name) "
                + "(\(model.graph.layers.count) layers) on \(tiler.tile)-px tiles, overlap \(tiler.overlap.map(String.init) ?? "auto"), "
                + "\(tiler.precision.rawValue)\(viewsNote), then the rest of a \(input.width)x\(input.height) \(input.bitDepth)-bit frame"
            let (costs, kept) = try CostCache.figures(in: costCache, for: configuration, usable: { $0.count == exitCount + 1 }) {
                try timeExits(width: input.width, height: input.height) + [timeFrame()]
            }
            // What the timing would have compiled and touched: a first frame that pays for a
            // new window shape and fresh buffers is late (16 ms more at 720p).
            if kept { _ = try timeFrame() }
            timedCosts = (Array(costs.dropLast()), costs.last!)
            (exitCosts, frameCost) = timedCosts
        }
        return input
    }

    /// Each exit's cost on the first tile of a grey frame, the fastest of three timings: a
    /// tile of the frame's own grid, whose window (the tile and its overlap on each side) is
    /// what every tile of the frame costs (a lone tile's, without the overlap, cost about half),
    /// on one thread, as tiles run side by side.
    private func timeExits(width: Int, height: Int) throws -> [Double] {
        let grey = Plane(width: width, height: height, repeating: 0.5)
        return try Engine.withThreadsOnThisThread(1) { try StartUpTiming.fastest(of: 3) {
            var marks: [UInt64] = []
            _ = try tiler.runEarlyExit(grey, model: model, ensemble: ensemble, start: { tile, _ in
                guard tile == 0 else { return false }
                marks.append(clock())
                return true
            }) { _, k, output in
                // Both tests, as the worst case (a settle bound below any change never passes).
                if k + 1 < exitCount { _ = judge(output, after: k > 0 ? output.data : nil, threshold: 1, settle: -1) }
                marks.append(clock())
                return false
            }
            return zip(marks.dropFirst(), marks).map { Double($0 &- $1) / 1e9 }
        } }
    }

    /// A frame's cost besides its tiles, the fastest of three timings: a frame that runs one
    /// tile on each copy of the model, as a frame under a budget runs few (a black frame with
    /// a white sample in each of the first tiles to start, so every other tile is flat), less
    /// the time from the first tile's start to the last one's end.
    private func timeFrame() throws -> Double {
        let frame = try pool.makeFrame()
        let (data, stride) = frame.plane(0)
        memset(data, 0, stride * frame.height)
        let g = tiler.grid(width: frame.width, height: frame.height, models: [model])
        for t in g.centreFirst.prefix(try copiesToRunBeside().count + 1).map({ g.tiles[$0] }) {
            data[t.coreY.lowerBound * stride + t.coreX.lowerBound * (maxValue > 255 ? 2 : 1)] = 255
        }
        // Under a budget that any tile fits, so that the tiles run as under a real one.
        let kept = budget
        defer { budget = kept }
        (budget, exitCosts) = (.infinity, [Double](repeating: 0, count: exitCount))
        return try StartUpTiming.fastest(of: 3) {
            let begin = clock()
            let onTiles = try clean(frame).onTiles
            return [Double(clock() &- begin) / 1e9 - onTiles]
        }[0]
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        if !fitsOneTile {
            // Not one tile fits: the frame passes untouched, without even a copy, and the
            // costs drift back toward their start-up figures.
            skippedTiles += tileCount
            lastExits = [Int](repeating: -1, count: tileCount)
            exitCosts = zip(exitCosts, timedCosts.exits).map(StartUpTiming.drift)
            frameCost = StartUpTiming.drift(frameCost, toward: timedCosts.frame)
            return frame
        }
        let begin = clock()
        let (out, exits, onTiles) = try clean(frame)
        if budget != nil { frameCost = Self.believe(Double(clock() &- begin) / 1e9 - onTiles, over: frameCost) }
        lastExits = exits
        for e in exits {
            if e >= 0 { exitCounts[e] += 1 } else if e == Self.flatTile { flatTiles += 1 } else { skippedTiles += 1 }
        }
        return out
    }

    /// Whether one tile fits the budget at the costs held now, after the frame's own (true
    /// without a budget).
    public var fitsOneTile: Bool { budget.map { $0 >= frameCost + (exitCosts.first ?? 0) } ?? true }

    /// Live mode, at the costs held now: the share of a frame of `frameTime` seconds that one
    /// tile would need (the frame's own cost and a tile's first exit), and that every tile with
    /// something to clean would (as many as the frames so far had on average, their first exits
    /// side by side on the copies of the model). Floors: deeper exits cost more.
    public func sharesNeeded(frameTime: Double) -> (oneTile: Double, everyTile: Double) {
        let first = exitCosts.first ?? 0, seen = exitCounts.reduce(0, +) + skippedTiles + flatTiles
        let toClean = seen == 0 ? 0 : ((seen - flatTiles) * tileCount + seen - 1) / seen
        let copies = sideBySide.count + 1, rounds = (toClean + copies - 1) / copies
        return ((frameCost + first) / frameTime, (frameCost + Double(rounds) * first) / frameTime)
    }

    /// A slower figure at once (the next frame must fit), a faster one gradually.
    private static func believe(_ measured: Double, over kept: Double) -> Double {
        measured > kept ? measured : kept + 0.3 * (measured - kept)
    }

    /// The frame with its luma enhanced (the frame itself where every tile kept its input),
    /// each tile's exit, and the seconds spent in exits.
    private func clean(_ frame: VideoFrame) throws -> (frame: VideoFrame, exits: [Int], onTiles: Double) {
        let luma = SampleConversion.plane(from: frame.plane(0), width: frame.width, height: frame.height,
                                          wide: maxValue > 255, scale: 1 / maxValue)
        let (cores, exits, onTiles) = try enhanceTimed(luma)
        guard !cores.isEmpty else { return (frame, exits, onTiles) }
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        guard av_frame_copy(out.avFrame, frame.avFrame) >= 0 else {
            throw MediaError(.codec, "cannot copy a \(frame.width)x\(frame.height) frame")
        }
        let (data, stride) = out.plane(0)
        IntegerSamples.store(cores, into: data, stride: stride, wide: maxValue > 255, maxValue: maxValue)
        return (out, exits, onTiles)
    }

    /// Copies of the model that run tiles beside it, one per further engine thread: RBQE's
    /// small convolutions use a second core better on a tile of their own (1.5-2.1x as fast,
    /// docs/benchmarks.md; under live mode's budget, about twice the tiles on 2 cores).
    private var sideBySide: [Model] = []

    private func copiesToRunBeside() throws -> [Model] {
        let wanted = Engine.threads - 1
        if sideBySide.count != wanted { sideBySide = try (0..<max(0, wanted)).map { _ in try model.copy() } }
        return sideBySide
    }

    /// Whether an exit's output for a tile's core is good enough: IQAM's quality of it, rounded
    /// to the samples it would be stored as, reaches `threshold`, or it differs from the
    /// previous exit's stored core (`previous`) by a mean square of at most `settle` 8-bit
    /// levels squared: what the pair was calibrated on (training/calibrate_rbqe.py). Returns
    /// the stored core too, the next exit's `previous`.
    private func judge(_ core: Plane, after previous: [Float]?, threshold: Double, settle: Double?) -> (good: Bool, stored: [Float]) {
        let m = maxValue
        let stored = core.data.map { min(max(($0 * m).rounded(), 0), m) / m }
        if let previous, let settle, Self.meanSquaredChange(previous, stored, maxValue: m) <= settle { return (true, stored) }
        return (iqam.score(stored, width: core.width, height: core.height).quality >= threshold, stored)
    }

    /// Mean squared difference of two stored cores (samples / `maxValue`), in 8-bit levels
    /// squared: whole levels apart at the frame's depth, scaled to 8 bits.
    static func meanSquaredChange(_ a: [Float], _ b: [Float], maxValue: Float) -> Double {
        var sum = 0.0
        for (x, y) in zip(a, b) { let d = Double(((x - y) * maxValue).rounded()); sum += d * d }
        return sum / Double(max(1, a.count)) * Double(255 / maxValue) * Double(255 / maxValue)
    }

    /// Enhances one luma plane (values in [0, 1]); returns it with each tile's exit. Flat tiles
    /// keep their input.
    public func enhance(_ luma: Plane) throws -> (plane: Plane, exits: [Int]) {
        let (cores, exits, _) = try enhanceTimed(luma)
        return (luma.writing(cores), exits)
    }

    /// `enhance`, as the cores it changed, with the seconds spent in exits: under a budget,
    /// from the first tile's start to the last exit's end (what `frameCost` leaves).
    private func enhanceTimed(_ luma: Plane) throws -> (cores: [ChangedCore], exits: [Int], onTiles: Double) {
        let forTiles = budget.map { $0 - frameCost }
        // Under a budget, on the wall clock, tiles side by side: from the first tile's start to
        // the last exit's end. Once a tile is refused for time, every later one is.
        var first: UInt64?, last: UInt64 = 0, outOfTime = false
        var marks: [Int: UInt64] = [:]  // each running tile's last reading
        func elapsed(_ now: UInt64) -> Double { first.map { Double(now &- $0) / 1e9 } ?? 0 }
        var spent = [[Double]](repeating: [], count: exitCosts.count)
        var flat: [Int] = []
        var previous: [Int: [Float]] = [:]  // each running tile's last stored core, for the settle test
        let lock = NSLock()
        let result = try tiler.runEarlyExitCores(luma, model: model, sideBySide: try copiesToRunBeside(), ensemble: ensemble,
                                                 centreFirst: budget != nil, scratch: scratch, start: { tile, core in
            if Self.isFlat(core) {
                lock.withLock { flat.append(tile) }
                return false
            }
            guard let forTiles else { return true }
            return lock.withLock {
                guard !outOfTime else { return false }
                let now = clock()
                if first == nil { first = now }
                outOfTime = elapsed(now) + exitCosts[0] > forTiles
                if !outOfTime { marks[tile] = now }
                return !outOfTime
            }
        }) { tile, k, output in
            let good: Bool
            switch policy {
            case _ where k + 1 == exitCount: good = true  // the last exit ends the tile anyway
            case .deepest: good = false
            case .iqam(let threshold, let settle):
                let before = settle == nil || k == 0 ? nil : lock.withLock { previous[tile] }
                let (ok, stored) = judge(output, after: before, threshold: threshold, settle: settle)
                good = ok
                if settle != nil { lock.withLock { previous[tile] = ok ? nil : stored } }
            }
            guard let forTiles else { return good }
            return lock.withLock {
                let now = clock()
                spent[k].append(Double(now &- marks[tile]!) / 1e9)
                marks[tile] = now
                last = max(last, now)
                return good || (k + 1 < exitCosts.count && elapsed(now) + exitCosts[k + 1] > forTiles)
            }
        }
        for (k, times) in spent.enumerated() where !times.isEmpty {
            exitCosts[k] = Self.believe(times.reduce(0, +) / Double(times.count), over: exitCosts[k])
        }
        var exits = result.exits
        for tile in flat { exits[tile] = Self.flatTile }
        return (result.cores, exits, last > 0 ? elapsed(last) : 0)
    }

    /// Whether a tile's input spans at most `flatSpan`.
    static func isFlat(_ core: Plane) -> Bool {
        guard let (low, high) = core.span else { return true }
        return high - low <= flatSpan + 1e-6
    }
}
