import CFFmpeg
import ClarityEngine
import ClarityMedia
import Foundation

/// Upscales luma tile by tile, each tile through the branch `TileRouter` picks: the classical
/// canvas (swscale bicubic of the whole plane, nearly free) or one of several models of
/// rising cost. With a time budget per frame, the branch mix follows the measured costs so
/// the frame fits; without one, every tile takes its best branch. Chroma is scaled
/// classically. Neighbouring tiles on different branches are feathered across the overlap.
///
/// A tile's expected gain from a branch comes from the ClassSR classifier when there is one
/// (class probabilities times each branch's measured gain on each class; with no deadline,
/// each tile simply takes its class's branch). Without one, it is the model's validation
/// gain weighted by the tile's detail (mean luma gradient): flat tiles gain nothing.
public final class RoutedUpscale: FrameStage {
    public struct Branch {
        public var model: Model
        /// Validation Y-PSNR gain over bicubic, dB.
        public var gain: Double
        public init(model: Model, gain: Double) { self.model = model; self.gain = gain }
    }

    public let branches: [Branch]
    public let classifier: TileClassifier?
    /// For each class, the index in `branches` of the class's model.
    private let classBranch: [Int]
    public let tiler: Tiler
    /// Seconds this stage may spend per frame; nil = no deadline.
    public var budget: Double?
    public private(set) var costs: BranchCostModel!
    /// Tiles per branch over every frame so far: canvas (bicubic) first, then `branches`.
    public private(set) var branchCounts: [Int]
    private var output: VideoFormat!
    private var pool: FramePool!
    private var lumaScaler: FrameScaler!
    private var chroma: FrameScaler!
    /// The frame's tiles, fixed by the input size at negotiation.
    private var grid: TileGrid!
    private var maxValue: Float = 255
    private let scratch = CompositeScratch()

    public init(branches: [Branch], classifier: TileClassifier? = nil, tiler: Tiler, budget: Double?) throws {
        guard let s = branches.first?.model.graph.scale, branches.allSatisfy({ $0.model.graph.scale == s }) else {
            throw MediaError(.invalidArgument, "routing needs one or more models of one scale")
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
        self.tiler = tiler
        self.budget = budget
        branchCounts = [Int](repeating: 0, count: branches.count + 1)
    }

    public var branchNames: [String] { ["bicubic"] + branches.map(\.model.graph.name) }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        try PlanarYUV.check(input, accepted: accepted, user: "routed upscaling")
        guard input.bitDepth == 8 else { throw MediaError(.unsupported, "routed upscaling takes 8-bit video for now, not \(input.pixelFormatName)") }
        let s = branches[0].model.graph.scale
        var out = input
        out.width = input.width * s
        out.height = input.height * s
        output = out
        pool = try FramePool(format: out)
        lumaScaler = try FrameScaler(planeFrom: (input.width, input.height), to: (out.width, out.height), bitDepth: 8, filter: .bicubic)
        chroma = try PlanarYUV.chromaScaler(from: input, to: out, filter: .bicubic)
        grid = tiler.grid(width: input.width, height: input.height, models: branches.map(\.model))
        costs = try calibrateCosts(width: input.width, height: input.height)
        return out
    }

    /// Seconds per tile of each model on this machine (a warm-up run, then a timed one).
    private func calibrateCosts(width: Int, height: Int) throws -> BranchCostModel {
        // Every batch shape compiled now, not in the middle of a live frame; then a 4 x 4-tile
        // plane through each model alone (a warm-up run, then a timed one).
        try tiler.prepare(models: branches.map(\.model), grid: grid)
        let side = 4 * tiler.tile
        let sample = Plane(width: side, height: side, repeating: 0.5)
        var perTile: [Double] = [0]  // the canvas: its cost is in the overhead
        let sampleGrid = tiler.grid(width: side, height: side, models: branches.map(\.model))
        for branch in branches {
            let run = { _ = try self.tiler.run(sample, models: [branch.model], grid: sampleGrid, assignment: sampleGrid.tiles.map { _ in 0 }) }
            try run()
            let start = DispatchTime.now().uptimeNanoseconds
            try run()
            perTile.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(sampleGrid.tiles.count))
        }
        // The frame's own work (canvas, chroma), timed once on blank frames so that the first
        // real frame is planned with realistic figures.
        let source = try FramePool(format: VideoFormat(width: width, height: height, pixelFormat: output.pixelFormat,
                                                       timeBase: output.timeBase, frameRate: output.frameRate)).makeFrame()
        let target = try pool.makeFrame()
        let start = DispatchTime.now().uptimeNanoseconds
        lumaScaler.scale(plane: source.plane(0), into: target.plane(0))
        for p in 1...2 { chroma.scale(plane: source.plane(p), into: target.plane(p)) }
        let overhead = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return BranchCostModel(secondsPerTile: perTile, overhead: overhead)
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        let start = DispatchTime.now().uptimeNanoseconds
        func since(_ t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        // The canvas goes straight into the output; model tiles are blended over it.
        lumaScaler.scale(plane: frame.plane(0), into: out.plane(0))
        for p in 1...2 { chroma.scale(plane: frame.plane(p), into: out.plane(p)) }
        let (w, h) = (frame.width, frame.height)
        let luma = SampleConversion.plane(from: frame.plane(0), width: w, height: h, wide: false, scale: 1 / maxValue)
        let plan = costs.snapshot
        let choice: [Int]
        if let classifier {
            let probabilities = try classifier.probabilities(luma, grid: grid, side: tiler.tile)
            if budget == nil {
                // Plain ClassSR: each tile to its class's branch (router index = branch + 1).
                choice = probabilities.map { p in classBranch[p.indices.max { p[$0] < p[$1] }!] + 1 }
            } else {
                let gains = probabilities.map { p in
                    [0] + branches.indices.map { b in
                        classBranch.indices.filter { classBranch[$0] == b }.first
                            .map { k in zip(p, classifier.gainPerClass).map { $0 * $1[k] }.reduce(0, +) } ?? 0
                    }
                }
                choice = TileRouter.assign(gains: gains, costs: plan.secondsPerTile,
                                           budget: budget.map { max(0, $0 - plan.overhead) })
            }
        } else {
            let gains = grid.tiles.map { t in [0] + branches.map { $0.gain * luma.meanGradient(x: t.coreX, y: t.coreY) } }
            choice = TileRouter.assign(gains: gains, costs: plan.secondsPerTile,
                                       budget: budget.map { max(0, $0 - plan.overhead) })
        }
        for c in choice { branchCounts[c] += 1 }
        var modelSeconds = 0.0
        if choice.contains(where: { $0 != 0 }) {
            let tilesStart = DispatchTime.now().uptimeNanoseconds
            // Router branch 0 is the canvas; the tiler numbers the canvas after the models.
            let (data, stride) = out.plane(0)
            try tiler.composite(luma, models: branches.map(\.model), grid: grid,
                                assignment: choice.map { $0 == 0 ? branches.count : $0 - 1 },
                                onto: data, stride: stride, maxValue: maxValue, scratch: scratch)
            modelSeconds = since(tilesStart)
            costs.observe(predicted: TileRouter.cost(of: choice, costs: plan.secondsPerTile), actual: modelSeconds)
        } else {
            costs.relax()
        }
        costs.observe(overhead: since(start) - modelSeconds)
        return out
    }

    /// The cost model's current figures, for the run's report.
    public var costReport: String {
        let c = costs.snapshot
        return zip(branchNames.dropFirst(), c.secondsPerTile.dropFirst()).map { String(format: "%@ %.2f ms/tile", $0, $1 * 1000) }
            .joined(separator: ", ") + String(format: "; rest of the frame %.1f ms", c.overhead * 1000)
    }

    /// "bicubic 40%, bicubicpp-c32-x3 60%" over every tile so far.
    public var branchMix: String {
        let total = max(1, branchCounts.reduce(0, +))
        return zip(branchNames, branchCounts).map { "\($0) \(Int((100 * Double($1) / Double(total)).rounded()))%" }
            .joined(separator: ", ")
    }
}

extension Plane {
    /// Mean absolute difference between horizontal and vertical neighbours, both inside the
    /// region (clipped to the plane): how much detail a tile holds.
    func meanGradient(x: Range<Int>, y: Range<Int>) -> Double {
        let xs = x.clamped(to: 0..<width), ys = y.clamped(to: 0..<height)
        var sum: Float = 0, count = 0
        for r in ys {
            for c in xs {
                if c + 1 < xs.upperBound { sum += abs(data[r * width + c + 1] - data[r * width + c]); count += 1 }
                if r + 1 < ys.upperBound { sum += abs(data[(r + 1) * width + c] - data[r * width + c]); count += 1 }
            }
        }
        return count > 0 ? Double(sum) / Double(count) : 0
    }
}
