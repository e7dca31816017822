import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import XCTest

/// A 48x32 frame: left half flat, right half textured (only textured tiles gain from a
/// model). In yuv420p; or with `tenBit`, in yuv420p10le with the same samples scaled to
/// 10 bits (rounded: v * 1023 / 255).
func routingInput(tenBit: Bool = false) throws -> (VideoFormat, VideoFrame) {
    let format = VideoFormat(width: 48, height: 32, pixelFormat: tenBit ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P,
                             timeBase: AVRational(num: 1, den: 30), frameRate: AVRational(num: 30, den: 1))
    let frame = try FramePool(format: format).makeFrame()
    var rng = SeededRandom(seed: 12)
    for p in 0..<3 {
        let (d, s) = frame.plane(p)
        let w = p == 0 ? 48 : 24, h = p == 0 ? 32 : 16
        for y in 0..<h {
            for x in 0..<w {
                let v = x < w / 2 ? 120 : UInt8(rng.uniform(40, 200))
                if tenBit {
                    let wide = UInt16((Double(v) * 1023 / 255).rounded())
                    d[y * s + 2 * x] = UInt8(wide & 0xFF)
                    d[y * s + 2 * x + 1] = UInt8(wide >> 8)
                } else {
                    d[y * s + x] = v
                }
            }
        }
    }
    frame.pts = 7
    return (format, frame)
}

/// A routed stage over one random Bicubic++ C8 (gain 1) in 8-px tiles, negotiated for
/// `routingInput()`'s frame.
func singleModelStage(budget: Double?) throws -> (stage: RoutedUpscale, model: Model, format: VideoFormat, frame: VideoFrame,
                                                     output: VideoFormat) {
    let (format, frame) = try routingInput()
    let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
    let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: budget)
    let output = try stage.negotiate(input: format, accepted: [])
    return (stage, model, format, frame, output)
}

/// The routed stage: no budget sends detailed tiles to the model; a budget of nothing leaves
/// every tile on the classical canvas, which is exactly swscale's bicubic.
final class RoutedUpscaleTests: XCTestCase {
    func testNoBudgetRoutesDetailToTheModelAndFlatAreasToTheCanvas() throws {
        let (stage, _, _, frame, out) = try singleModelStage(budget: nil)
        XCTAssertEqual([out.width, out.height], [144, 96])
        let result = try stage.process(frame)
        XCTAssertEqual(result.pts, 7)
        // 6 x 4 tiles: the flat left half (12 tiles) has no detail to gain from.
        XCTAssertEqual(stage.branchCounts, [12, 12])
    }

    /// 10-bit video is routed as 8-bit video is: the same tiles take the model, the output
    /// stays 10-bit, and its luma is the 8-bit run's to within the 8-bit rounding.
    func testTenBitVideoIsRoutedLikeEightBit() throws {
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        var luma: [[Float]] = []
        for tenBit in [false, true] {
            let (format, frame) = try routingInput(tenBit: tenBit)
            let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: nil)
            let out = try stage.negotiate(input: format, accepted: [])
            XCTAssertEqual(out.pixelFormat, format.pixelFormat)
            let result = try stage.process(frame)
            XCTAssertEqual(stage.branchCounts, [12, 12])
            let bytes = result.planeBytes(0, rowBytes: 144 * (tenBit ? 2 : 1), rows: 96)
            luma.append(tenBit ? (0..<(144 * 96)).map { Float(UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8) / 1023 }
                               : bytes.map { Float($0) / 255 })
        }
        let worst = zip(luma[0], luma[1]).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThanOrEqual(worst, 1.5 / 255)
    }

    func testNoTimeLeavesEveryTileOnTheBicubicCanvas() throws {
        let (stage, _, format, frame, _) = try singleModelStage(budget: 0)
        let result = try stage.process(frame)
        XCTAssertEqual(stage.branchCounts, [24, 0])
        XCTAssertTrue(stage.costReport.contains("whole frame: bicubic "), stage.costReport)
        XCTAssertTrue(stage.costReport.contains(", \(stage.branchNames[1]) not run whole"), "far over a budget of nothing: \(stage.costReport)")
        let bicubic = try FrameScaler(planeFrom: (48, 32), to: (144, 96), bitDepth: 8, filter: .bicubic)
        let expected = try FramePool(format: VideoFormat(width: 144, height: 96, pixelFormat: AV_PIX_FMT_YUV420P,
                                                         timeBase: format.timeBase, frameRate: format.frameRate)).makeFrame()
        bicubic.scale(plane: frame.plane(0), into: expected.plane(0))
        XCTAssertEqual(result.planeBytes(0, rowBytes: 144, rows: 96), expected.planeBytes(0, rowBytes: 144, rows: 96))
    }

    /// A machine that slows down (here, a clock that runs ten million times fast from the second
    /// frame on: a microsecond of work reads as ten seconds) moves the frames off the model at
    /// once.
    func testASlowedClockForcesDegradation() throws {
        let (stage, _, _, frame, _) = try singleModelStage(budget: 10)
        // 50 ms: the model fits on this 48x32 frame many times over, whatever the noise in
        // the start-up timing or in the first frame's allocations.
        let c = stage.costs.snapshot
        stage.budget = 0.05
        _ = try stage.process(frame)
        XCTAssertEqual(stage.wholeFrameCounts, [0, 1])
        let origin = DispatchTime.now().uptimeNanoseconds
        stage.clock = { origin + (DispatchTime.now().uptimeNanoseconds - origin) * 10_000_000 }
        for _ in 0..<3 { _ = try stage.process(frame) }
        // The frame's own work (chroma, conversions), timed before the plan, already shows the
        // slowdown: from the second frame on, nothing but the canvas fits.
        XCTAssertEqual(stage.wholeFrameCounts, [0, 1])
        XCTAssertEqual(stage.branchCounts, [3 * 24, 24])
        XCTAssertGreaterThan(stage.costs.snapshot.overhead, 1000 * c.overhead, "the measured costs followed the clock")
    }

    /// "Finally bicubic": under a Lanczos canvas, a frame with no time for it keeps it when it
    /// is late whatever it paints (one stall), but once the stream is behind (most recent
    /// frames late) it is swscale's bicubic, and a slowed machine stays there; without a
    /// deadline the canvas is Lanczos.
    func testAFrameWithNoTimeForTheCanvasFallsBackToBicubicWhenTheStreamIsBehind() throws {
        let (format, frame) = try routingInput()
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8),
                                      budget: 10, canvas: .lanczos)
        _ = try stage.negotiate(input: format, accepted: [])
        XCTAssertEqual(stage.branchNames, ["lanczos", model.graph.name, "bicubic"])
        let scaled = try FramePool(format: VideoFormat(width: 144, height: 96, pixelFormat: AV_PIX_FMT_YUV420P,
                                                       timeBase: format.timeBase, frameRate: format.frameRate)).makeFrame()
        func luma(_ filter: ScaleFilter) throws -> [UInt8] {
            try FrameScaler(planeFrom: (48, 32), to: (144, 96), bitDepth: 8, filter: filter).scale(plane: frame.plane(0), into: scaled.plane(0))
            return scaled.planeBytes(0, rowBytes: 144, rows: 96)
        }
        XCTAssertNotEqual(try luma(.lanczos), try luma(.bicubic))
        stage.budget = 0
        XCTAssertEqual(try stage.process(frame).planeBytes(0, rowBytes: 144, rows: 96), try luma(.lanczos))
        XCTAssertEqual(stage.branchCounts, [24, 0, 0], "late whatever it paints: the better canvas")

        let clock = FrameDeadline(seconds: 1e-9, paced: false)
        for _ in 0..<30 {
            clock.release(at: nil)
            clock.written()
        }
        XCTAssertEqual(clock.recentLateShare, 1)
        stage.deadline = clock
        XCTAssertEqual(try stage.process(frame).planeBytes(0, rowBytes: 144, rows: 96), try luma(.bicubic))
        XCTAssertEqual(stage.branchCounts, [24, 0, 24], "behind: the cheaper canvas")

        stage.budget = 0.05
        _ = try stage.process(frame)
        XCTAssertEqual(stage.wholeFrameCounts, [0, 1, 0])
        let origin = DispatchTime.now().uptimeNanoseconds
        stage.clock = { origin + (DispatchTime.now().uptimeNanoseconds - origin) * 10_000_000 }
        for _ in 0..<3 { _ = try stage.process(frame) }
        XCTAssertEqual(stage.branchCounts, [24, 24, 4 * 24], "slowed: down to bicubic")

        stage.budget = nil
        let plain = try stage.process(frame).planeBytes(0, rowBytes: 144, rows: 96), lanczos = try luma(.lanczos)
        let flatColumns = (0..<96).flatMap { y in (0..<48).map { y * 144 + $0 } }  // away from the model tiles' feathering
        XCTAssertEqual(flatColumns.map { plain[$0] }, flatColumns.map { lanczos[$0] }, "no deadline: flat tiles keep the Lanczos canvas")
    }

    /// One stall of the machine during the start-up timing (the clock jumps a second ahead at
    /// one of its readings) leaves no trace in the costs: idle frames drift back toward the
    /// start-up figures, so a stalled one would keep the models out of the whole stream.
    func testAStallDuringStartUpTimingIsNotBelieved() throws {
        final class StallingClock: @unchecked Sendable {
            var readings = 0
            let stallAt: Int
            init(stallAt: Int) { self.stallAt = stallAt }
            func now() -> UInt64 {
                readings += 1
                return DispatchTime.now().uptimeNanoseconds + (readings > stallAt ? 1_000_000_000 : 0)
            }
        }
        let (format, _) = try routingInput()
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        var readings = 0
        for stallAt in Swift.stride(from: 1, through: 100, by: 3) {
            let clock = StallingClock(stallAt: stallAt)
            let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: 0.05)
            stage.clock = { clock.now() }
            _ = try stage.negotiate(input: format, accepted: [])
            let c = stage.costs.snapshot
            for figure in c.secondsPerTile + c.wholeFrame + [c.setup, c.overhead, c.routing] {
                XCTAssertLessThan(figure, 0.5, "stalled at reading \(stallAt): \(c)")
            }
            readings = clock.readings
        }
        XCTAssertLessThan(readings, 100, "every reading of the start-up timing was stalled once")
    }

    /// Live mode: a frame due sooner than its budget gets only the time it has left, less the
    /// tail its clock measured from stage to written; one already overdue is the canvas alone.
    func testAFrameDueSoonGetsOnlyTheTimeItHasLeft() throws {
        let (stage, _, _, frame, _) = try singleModelStage(budget: 10)
        let clock = FrameDeadline(seconds: 1, paced: false)
        stage.deadline = clock
        func run(dueIn seconds: Double) throws {
            frame.due = UInt64(Int64(DispatchTime.now().uptimeNanoseconds) + Int64(seconds * 1e9))
            _ = try stage.process(frame)
        }
        try run(dueIn: 10)
        XCTAssertEqual(stage.branchCounts, [0, 24], "ample time: the model on the whole frame")
        try run(dueIn: -0.001)
        XCTAssertEqual(stage.branchCounts, [24, 24], "overdue: the canvas")
        // A 200 ms tail (the writer was slow): a frame due in 100 ms has no time for the model.
        let due = clock.release(at: nil)
        clock.stageFinished(due: due)
        Thread.sleep(forTimeInterval: 0.2)
        clock.written()
        try run(dueIn: 0.1)
        XCTAssertEqual(stage.branchCounts, [48, 24], "due within the tail: the canvas")
        try run(dueIn: 5)
        XCTAssertEqual(stage.branchCounts, [48, 48])
    }

    /// Under a budget with `gainReuse` 1, each frame scores one of two bands of tile rows in
    /// turn and routes the other band by its last score: a textured frame's model tiles
    /// appear band by band, and on flat frames that follow they leave band by band; the tiles
    /// that change branch from frame to frame are counted.
    func testEachFrameScoresOneBandOfRowsInTurn() throws {
        let (stage, _, format, frame, _) = try singleModelStage(budget: 10)
        stage.wholeFrameShare = 0  // tiles, not a whole-frame run
        stage.gainReuse = 1
        let flat = try FramePool(format: format).makeFrame()
        for p in 0..<3 {
            let (d, s) = flat.plane(p)
            d.update(repeating: 120, count: s * (p == 0 ? 32 : 16))
        }
        // 6 x 4 tiles, the textured half 3 a row; bands of rows 0-1 and 2-3.
        _ = try stage.process(frame)
        XCTAssertEqual(stage.branchCounts, [18, 6], "rows 0-1 scored; rows 2-3 not yet: the canvas")
        XCTAssertEqual(stage.branchChangeShare, 0, "one frame: nothing to compare")
        _ = try stage.process(frame)
        XCTAssertEqual(stage.branchCounts, [30, 18], "both bands scored")
        _ = try stage.process(flat)
        XCTAssertEqual(stage.branchCounts, [48, 24], "rows 0-1 scored flat; rows 2-3 keep their last score")
        _ = try stage.process(flat)
        XCTAssertEqual(stage.branchCounts, [72, 24])
        // 6, then 6, then 6 of the 24 tiles changed branch between the 4 frames.
        XCTAssertEqual(stage.branchChangeShare, 18.0 / 72, accuracy: 1e-12)
    }

    /// A budget that fits the model on the whole frame skips the tiles: the frame is exactly
    /// the model's own whole-frame upscale, chroma included.
    func testABudgetThatFitsTheWholeFrameRunsTheModelWhole() throws {
        let (stage, model, format, frame, _) = try singleModelStage(budget: 10)
        let result = try stage.process(frame)
        XCTAssertEqual(stage.wholeFrameCounts, [0, 1])
        XCTAssertEqual(stage.branchCounts, [0, 24])
        let whole = LumaModelUpscale(model: model, tiler: Tiler(tile: 0))
        _ = try whole.negotiate(input: format, accepted: [])
        let expected = try whole.process(frame)
        for (p, (w, h)) in [(0, (144, 96)), (1, (72, 48)), (2, (72, 48))] {
            XCTAssertEqual(result.planeBytes(p, rowBytes: w, rows: h), expected.planeBytes(p, rowBytes: w, rows: h), "plane \(p)")
        }
    }
}

/// With the ClassSR classifier: without a deadline every tile takes its class's branch.
final class ClassifiedRoutingTests: XCTestCase {
    static func classifier(branches: [String], canvasGains: String = "{}") throws -> TileClassifier {
        let leaky = Activation.leakyReLU(alpha: 0.1)
        var graph = ModelGraph(name: "classsr-shape", task: "classify", scale: 1, outputs: ["logits"], align: 4, receptiveRadius: 0, layers: [
            Layer(name: "c0", inputs: ["lr"], op: .conv2d(.init(inChannels: 1, outChannels: 8, kernel: (4, 4), stride: (4, 4), activation: leaky))),
            Layer(name: "c1", inputs: ["c0"], op: .conv2d(.init(inChannels: 8, outChannels: 8, kernel: (1, 1), activation: leaky))),
            Layer(name: "pool", inputs: ["c1"], op: .globalAvgPool),
            Layer(name: "logits", inputs: ["pool"], op: .linear(.init(inFeatures: 8, outFeatures: 3, bias: true))),
        ], infoJSON: #"{"gain_per_class": [[0.1, 0.1, 0.1], [0.2, 0.4, 0.5], [0.3, 0.8, 1.2]], "canvas_gain_per_class": "#
                    + canvasGains + "}")
        graph.branches = branches
        return try TileClassifier(model: try Model(graph: graph, weights: RandomModels.weights(for: graph, seed: 21)))
    }

    func testNoDeadlineFollowsTheClassesAndUnknownBranchesAreRefused() throws {
        let models = try [4, 8, 16].map { try RandomModels.bicubicPlusPlus(channels: $0, scale: 3, seed: UInt64($0)) }
        let classifier = try Self.classifier(branches: models.map(\.graph.name))
        let tiler = Tiler(tile: 8, overlap: 4, batchSize: 8)
        let stage = try RoutedUpscale(branches: models.map { .init(model: $0, gain: 1) }, classifier: classifier, tiler: tiler, budget: nil)
        let (format, frame) = try routingInput()
        _ = try stage.negotiate(input: format, accepted: [])
        _ = try stage.process(frame)
        let luma = Plane(width: 48, height: 32, data: frame.planeBytes(0, rowBytes: 48, rows: 32).map { Float($0) / 255 })
        let grid = tiler.grid(width: 48, height: 32, models: models)
        let classes = try classifier.probabilities(luma, grid: grid, side: 8).map { p in p.indices.max { p[$0] < p[$1] }! }
        XCTAssertEqual(stage.branchCounts, [0] + (0..<3).map { c in classes.filter { $0 == c }.count })
        XCTAssertThrowsError(try RoutedUpscale(branches: models.prefix(2).map { .init(model: $0, gain: 1) }, classifier: classifier,
                                               tiler: tiler, budget: nil))
    }

    /// A branch is worth its gain over the canvas in use, not over bicubic: where the canvas's
    /// filter already gains more than every model, no tile takes a model, however long the
    /// frame may take; over a canvas the classifier did not measure, the gains stay over bicubic.
    func testBranchesAreWeighedAgainstTheCanvasInUse() throws {
        let models = try [4, 8, 16].map { try RandomModels.bicubicPlusPlus(channels: $0, scale: 3, seed: UInt64($0)) }
        let classifier = try Self.classifier(branches: models.map(\.graph.name), canvasGains: #"{"lanczos": [0.15, 0.9, 1.3]}"#)
        for (got, expected) in zip(classifier.gainPerClass(overCanvas: "lanczos")[1], [0.2 - 0.9, 0.4 - 0.9, 0.5 - 0.9]) {
            XCTAssertEqual(got, expected, accuracy: 1e-12)
        }
        XCTAssertEqual(classifier.gainPerClass(overCanvas: "spline"), classifier.gainPerClass)
        let (format, frame) = try routingInput()
        var mixes: [ScaleFilter: [Int]] = [:]
        for canvas in [ScaleFilter.lanczos, .spline] {
            let stage = try RoutedUpscale(branches: models.map { .init(model: $0, gain: 1) }, classifier: classifier,
                                          tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: 10, canvas: canvas)
            _ = try stage.negotiate(input: format, accepted: [])
            _ = try stage.process(frame)
            mixes[canvas] = stage.branchCounts
        }
        XCTAssertEqual(mixes[.lanczos], [24, 0, 0, 0, 0], "every model gains less than Lanczos on every class")
        XCTAssertEqual(mixes[.spline]?.first, 0, "over bicubic, every model gains on every class")
    }

    /// Whole tiles are scored from one run over the plane, tiles cut by the plane's edge one by
    /// one: both must give what the model gives for each tile alone.
    func testTileProbabilitiesEqualEachTileRunAlone() throws {
        let classifier = try Self.classifier(branches: ["a", "b", "c"])
        let (w, h, side) = (50, 37, 8)
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { i in
            Float((i * 7919 % 251)) / 255 * 0.5 + Float(i % w) / Float(w) * 0.5
        })
        let grid = TileGrid(width: w, height: h, tile: side, overlap: 0, align: 4)
        let got = try classifier.probabilities(plane, grid: grid, side: side)
        XCTAssertNotNil(CellPooledClassifier(classifier.model))
        // A band of rows scores its tiles as the whole plane does.
        let band = try classifier.probabilities(plane, grid: grid, side: side, rows: 2..<4)
        let inBand = grid.tiles.indices.filter { (2..<4).contains(grid.tiles[$0].row) }
        XCTAssertEqual(band.count, inBand.count)
        for (k, i) in inBand.enumerated() {
            for (p, q) in zip(band[k], got[i]) { XCTAssertEqual(p, q, accuracy: 1e-6, "tile \(i)") }
        }
        for (i, t) in grid.tiles.enumerated() {
            let window = (0..<(side * side)).map { k in
                plane[min(t.coreX.lowerBound + min(k % side, t.coreX.count - 1), w - 1),
                      min(t.coreY.lowerBound + min(k / side, t.coreY.count - 1), h - 1)]
            }
            let logits = try classifier.model.run(Tensor(n: 1, h: side, w: side, c: 1, data: window))[0].data.map(Double.init)
            let e = logits.map { exp($0 - logits.max()!) }
            for (p, q) in zip(got[i], e.map { $0 / e.reduce(0, +) }) { XCTAssertEqual(p, q, accuracy: 1e-5, "tile \(i)") }
        }
    }

    func testCellPoolingNeedsCellLocalLayersAndWholeCells() throws {
        let classifier = try Self.classifier(branches: ["a", "b", "c"])
        let pooled = try XCTUnwrap(CellPooledClassifier(classifier.model))
        XCTAssertEqual(pooled.cell, 4)
        XCTAssertNil(CellPooledClassifier(try RandomModels.bicubicPlusPlus(channels: 4, scale: 3, seed: 1)))
        let plane = Plane(width: 16, height: 12, repeating: 0.5)
        XCTAssertThrowsError(try pooled.outputs(plane, regions: [(2..<10, 0..<8)], precision: .fp32))
        XCTAssertThrowsError(try pooled.outputs(plane, regions: [(0..<8, 8..<16)], precision: .fp32))
        XCTAssertEqual(try pooled.outputs(plane, regions: [(0..<8, 4..<12), (8..<16, 0..<4)], precision: .fp32).count, 2)
    }
}
