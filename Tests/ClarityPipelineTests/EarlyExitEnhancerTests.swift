import CFFmpeg
import Foundation
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import ClarityQuality
import XCTest

/// The artifact-removal stage: luma through the early-exit model tile by tile, chroma and
/// timestamps untouched, exits counted.
final class EarlyExitEnhancerTests: XCTestCase {
    /// A 40x24 yuv420p frame of noise: 3 x 2 tiles of 16.
    static func noisyFrame() throws -> (VideoFormat, VideoFrame) {
        let format = VideoFormat(width: 40, height: 24, pixelFormat: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 90000), frameRate: AVRational(num: 30, den: 1))
        let frame = try FramePool(format: format).makeFrame()
        var rng = SeededRandom(seed: 4)
        for p in 0..<3 {
            let (d, s) = frame.plane(p)
            let w = p == 0 ? 40 : 20, h = p == 0 ? 24 : 12
            for y in 0..<h { for x in 0..<w { d[y * s + x] = UInt8(rng.uniform(16, 235)) } }
        }
        return (format, frame)
    }

    func testLumaIsEnhancedChromaPassesAndExitsAreCounted() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let (format, frame) = try Self.noisyFrame()
        let stage = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
        XCTAssertEqual(try stage.negotiate(input: format, accepted: []), format)
        frame.pts = 3003
        let out = try stage.process(frame)
        XCTAssertEqual(out.pts, 3003)
        XCTAssertEqual(out.planeBytes(1, rowBytes: 20, rows: 12), frame.planeBytes(1, rowBytes: 20, rows: 12))
        XCTAssertEqual(out.planeBytes(2, rowBytes: 20, rows: 12), frame.planeBytes(2, rowBytes: 20, rows: 12))
        XCTAssertNotEqual(out.planeBytes(0, rowBytes: 40, rows: 24), frame.planeBytes(0, rowBytes: 40, rows: 24))
        // 40x24 in tiles of 16: 3 x 2 tiles, all at the deepest of the model's 2 exits.
        XCTAssertEqual(stage.lastExits, [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(stage.exitCounts, [0, 6])

        // The luma written is the tiler's result, rounded to 8 bits.
        let luma = Plane(width: 40, height: 24, data: frame.planeBytes(0, rowBytes: 40, rows: 24).map { Float($0) / 255 })
        let want = try stage.tiler.runEarlyExit(luma, model: model) { _, _, _ in false }.plane
        let got = out.planeBytes(0, rowBytes: 40, rows: 24)
        let worst = zip(got, want.data).map { abs(Float($0) - min(max($1 * 255, 0), 255)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 0.5 + 1e-3)
    }

    /// 10-bit luma: each core the tiles changed is written back where it lies, as 16-bit
    /// little-endian samples, the tiler's result rounded to 10 bits.
    func testTenBitLumaIsWrittenBackCoreByCore() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let format = VideoFormat(width: 40, height: 24, pixelFormat: AV_PIX_FMT_YUV420P10LE,
                                 timeBase: AVRational(num: 1, den: 90000), frameRate: AVRational(num: 30, den: 1))
        let frame = try FramePool(format: format).makeFrame()
        var rng = SeededRandom(seed: 5)
        var samples: [Float] = []
        for p in 0..<3 {
            let (d, s) = frame.plane(p)
            let w = p == 0 ? 40 : 20, h = p == 0 ? 24 : 12
            for y in 0..<h {
                for x in 0..<w {
                    let v = p == 0 ? UInt16(rng.uniform(64, 940)) : 512
                    if p == 0 { samples.append(Float(v) / 1023) }
                    (d[y * s + 2 * x], d[y * s + 2 * x + 1]) = (UInt8(v & 0xff), UInt8(v >> 8))
                }
            }
        }
        let stage = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
        _ = try stage.negotiate(input: format, accepted: [])
        let out = try stage.process(frame)
        let want = try stage.tiler.runEarlyExit(Plane(width: 40, height: 24, data: samples), model: model) { _, _, _ in false }.plane
        let bytes = out.planeBytes(0, rowBytes: 80, rows: 24)
        let got = (0..<(40 * 24)).map { Float(Int(bytes[2 * $0]) | Int(bytes[2 * $0 + 1]) << 8) }
        let worst = zip(got, want.data).map { abs($0 - min(max($1 * 1023, 0), 1023)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 0.5 + 1e-3)
        XCTAssertEqual(out.planeBytes(1, rowBytes: 40, rows: 12), frame.planeBytes(1, rowBytes: 40, rows: 12))
    }

    /// A tile whose samples span at most two 8-bit levels (a letterbox bar) keeps its input and
    /// runs no exit; one level more and it runs. 40x24 in tiles of 16: the left column of
    /// tiles spans 2 levels, the middle one 3, the right one is noise.
    func testFlatTilesKeepTheirInput() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let (format, frame) = try Self.noisyFrame()
        let (d, stride) = frame.plane(0)
        for y in 0..<24 { for x in 0..<32 { d[y * stride + x] = UInt8(16 + (x + y) % 2 * (x < 16 ? 2 : 3)) } }
        let stage = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
        _ = try stage.negotiate(input: format, accepted: [])
        let out = try stage.process(frame)
        let flat = EarlyExitEnhancer.flatTile
        XCTAssertEqual(stage.lastExits, [flat, 1, 1, flat, 1, 1])
        XCTAssertEqual(stage.flatTiles, 2)
        XCTAssertEqual(stage.exitCounts, [0, 4])
        XCTAssertEqual(stage.skippedTiles, 0)
        // Away from the seam the neighbour's output is feathered into, the input is kept exactly.
        let (o, os) = out.plane(0)
        for y in 0..<24 { for x in 0..<10 { XCTAssertEqual(o[y * os + x], d[y * stride + x], "(\(x), \(y))") } }
    }

    /// Under IQAM a tile leaves at the first exit whose core, rounded to the frame's 8-bit
    /// samples (what the pair was calibrated on), scores at least the threshold or, from the
    /// second exit on, differs from the previous exit's by a mean square of at most the
    /// settle bound (in 8-bit levels squared).
    func testTheExitIsTheFirstWhoseStoredCoreScoresEnoughOrHasSettled() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 4, seed: 9)
        let (format, frame) = try Self.noisyFrame()
        let tiler = Tiler(tile: 16, overlap: 4)
        let luma = Plane(width: 40, height: 24, data: frame.planeBytes(0, rowBytes: 40, rows: 24).map { Float($0) / 255 })
        var scores: [[Double]] = [], changes: [[Double]] = [], before: [UInt8] = []
        let iqam = IQAM(blockSize: 4)
        _ = try tiler.runEarlyExit(luma, model: model) { _, k, core in
            if k == 0 { scores.append([]); changes.append([0]) }
            let levels = core.data.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
            scores[scores.count - 1].append(iqam.score(levels.map { Float($0) / 255 }, width: core.width, height: core.height).quality)
            if k > 0 {
                changes[changes.count - 1].append(zip(levels, before).map { pow(Double($0) - Double($1), 2) }.reduce(0, +) / Double(levels.count))
            }
            before = levels
            return false
        }
        XCTAssertEqual(scores.count, 6)
        XCTAssertGreaterThanOrEqual(scores[0].count, 3, "a test of the settle bound needs a middle exit")
        let firstScores = scores.map(\.[0]).sorted(), secondChanges = changes.map(\.[1]).sorted()
        let rules: [(Double, Double?)] = [0, firstScores[2], firstScores[5] + 1e-9, 1.01].map { ($0, nil) }
            + [secondChanges[0] - 1e-9, secondChanges[2], secondChanges[5]].flatMap { [(1.01, $0), (firstScores[2], $0)] }
        for (threshold, settle) in rules {
            let stage = try EarlyExitEnhancer(model: model, tiler: tiler, policy: .iqam(threshold: threshold, settle: settle))
            _ = try stage.negotiate(input: format, accepted: [])
            _ = try stage.process(frame)
            let want = zip(scores, changes).map { s, c in
                s.indices.dropLast().first { k in s[k] >= threshold || (k > 0 && settle.map { c[k] <= $0 } ?? false) } ?? s.count - 1
            }
            XCTAssertEqual(stage.lastExits, want, "threshold \(threshold), settle \(settle.map { "\($0)" } ?? "off"), scores \(scores), changes \(changes)")
        }
        // The bounds chosen make the settle test decide some tiles, at the second exit.
        let settledOnly = try EarlyExitEnhancer(model: model, tiler: tiler, policy: .iqam(threshold: 1.01, settle: secondChanges[2]))
        _ = try settledOnly.negotiate(input: format, accepted: [])
        _ = try settledOnly.process(frame)
        XCTAssertEqual(settledOnly.lastExits.filter { $0 == 1 }.count, 3, "\(changes)")
    }

    /// Live mode: under a budget the frame's own cost comes off first, then a tile starts
    /// only while its first exit's cost fits and goes deeper only while the next exit's does;
    /// where not one tile fits the frame passes untouched. A clock that moves one step at
    /// every reading makes the arithmetic exact, whatever else the machine is doing: at
    /// negotiation each exit is timed at one step (1 ms), and the rest of a frame that runs
    /// one tile at three (the readings before and after it).
    func testABudgetLimitsTheTilesAndTheirExits() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let (format, frame) = try Self.noisyFrame()
        func stage(budget: Double?, clock: (@Sendable () -> UInt64)? = nil) throws -> EarlyExitEnhancer {
            let s = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
            s.budget = budget
            if let clock { s.clock = clock }
            _ = try s.negotiate(input: format, accepted: [])
            return s
        }
        let plain = try stage(budget: nil).process(frame)
        let ample = try stage(budget: 10)
        XCTAssertEqual(ample.exitCosts.count, 2)
        // Seconds on the real clock: a bound of 0.1 s failed once where the VM stalled (104 ms).
        XCTAssertTrue((ample.exitCosts + [ample.frameCost]).allSatisfy { $0 > 0 && $0 < 100 }, "\(ample.exitCosts), \(ample.frameCost)")
        XCTAssertEqual(try ample.process(frame).planeBytes(0, rowBytes: 40, rows: 24), plain.planeBytes(0, rowBytes: 40, rows: 24))
        XCTAssertEqual(ample.lastExits, [1, 1, 1, 1, 1, 1])

        final class SteppingClock: @unchecked Sendable {
            var time: UInt64 = 0, step: UInt64 = 1_000_000
            func now() -> UInt64 { time += step; return time }
        }
        let input = frame.planeBytes(0, rowBytes: 40, rows: 24)
        // On one thread, one tile at a time, so that the clock's readings come in one order.
        // Every reading takes a step (1 ms): the exits 1 ms each, the frame 2 ms besides its
        // tiles; a tile's start is a reading, so the n-th tile to run starts 3n ms into the
        // tiles' time. Tiles start from the centre outwards: 1 and 4 (the middle column), 0
        // and 3, then 2 and 5.
        try Engine.withThreadsOnThisThread(1) {
            for (budget, exits) in [(0.0025, [-1, -1, -1, -1, -1, -1]), (0.0035, [-1, 0, -1, -1, -1, -1]), (0.0140, [1, 1, -1, 1, 1, -1])] {
                let clock = SteppingClock()
                let s = try stage(budget: budget) { clock.now() }
                XCTAssertEqual(s.exitCosts, [0.001, 0.001])
                XCTAssertEqual(s.frameCost, 0.002, accuracy: 1e-12)
                let out = try s.process(frame)
                XCTAssertEqual(s.lastExits, exits, "budget \(budget)")
                XCTAssertEqual(s.skippedTiles, exits.filter { $0 < 0 }.count)
                // 2.5 ms fits an exit (1 ms) but not with the frame's 2: the frame itself.
                XCTAssertEqual(out === frame, budget == 0.0025, "budget \(budget)")
                // The last tiles' cores (the right-hand column's, 34-39 clear of the feathering) keep the input.
                let got = out.planeBytes(0, rowBytes: 40, rows: 24)
                let core: [Int] = (0..<24).flatMap { y in (34..<40).map { x in y * 40 + x } }
                XCTAssertEqual(core.map { got[$0] }, core.map { input[$0] })
            }

            // A machine twice as slow after start-up: slower figures are believed at once, so
            // fewer tiles run, and where then nothing fits the figures drift back 5% a frame.
            let clock = SteppingClock()
            let s = try stage(budget: 0.0055) { clock.now() }
            clock.step = 2_000_000
            _ = try s.process(frame)
            XCTAssertEqual(s.lastExits, [-1, 1, -1, -1, -1, -1])
            XCTAssertEqual(s.exitCosts, [0.002, 0.002])
            XCTAssertEqual(s.frameCost, 0.006, accuracy: 1e-12, "three readings outside the tiles (begun, the tile refused, done), 2 ms each")
            XCTAssertTrue(try s.process(frame) === frame, "nothing fits: the frame itself")
            XCTAssertEqual(s.frameCost, 0.006 + 0.05 * (0.002 - 0.006), accuracy: 1e-12)
            XCTAssertEqual(s.exitCosts[0], 0.002 + 0.05 * (0.001 - 0.002), accuracy: 1e-12)
        }

        let none = try stage(budget: 0)
        XCTAssertTrue(try none.process(frame) === frame, "no time: the frame itself")
        XCTAssertEqual(none.skippedTiles, 6)
    }

    /// The shares live mode reports: one tile's (the frame's own cost and a first exit), and
    /// every tile's with something to clean (flat tiles left out), their first exits side by
    /// side on the copies of the model: on two, four tiles take two rounds.
    func testTheSharesOneTileAndEveryTileWouldNeed() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let (format, frame) = try Self.noisyFrame()
        let (d, stride) = frame.plane(0)
        for y in 0..<24 { for x in 0..<32 { d[y * stride + x] = UInt8(16 + (x + y) % 2 * (x < 16 ? 2 : 3)) } }
        for (threads, rounds) in [(1, 4.0), (2, 2.0)] {
            try Engine.withThreadsOnThisThread(threads) {
                let s = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
                s.budget = 10
                _ = try s.negotiate(input: format, accepted: [])
                for _ in 0..<2 { _ = try s.process(frame) }
                XCTAssertEqual(s.lastExits.filter { $0 == EarlyExitEnhancer.flatTile }.count, 2)
                let (one, every) = s.sharesNeeded(frameTime: 0.5)
                XCTAssertEqual(one, (s.frameCost + s.exitCosts[0]) / 0.5, accuracy: 1e-12)
                XCTAssertEqual(every, (s.frameCost + rounds * s.exitCosts[0]) / 0.5, accuracy: 1e-12, "\(threads) thread(s)")
            }
        }
    }

    /// The exits' start-up costs are kept like the router's: a second stage with the same
    /// cache starts from them (its slowed clock would read any timing as hours).
    func testExitCostsAreKeptPerConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-exit-costs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let (format, _) = try Self.noisyFrame()
        func stage(slowed: Bool) throws -> EarlyExitEnhancer {
            let s = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
            s.budget = 1
            s.costCache = CostCache(directory: directory)
            if slowed {
                let origin = DispatchTime.now().uptimeNanoseconds
                s.clock = { origin + (DispatchTime.now().uptimeNanoseconds - origin) * 10_000_000 }
            }
            _ = try s.negotiate(input: format, accepted: [])
            return s
        }
        let first = try stage(slowed: false)
        // Timed on the real clock (the slowed one makes a microsecond 10 s), however the VM stalls.
        XCTAssertTrue(first.exitCosts.allSatisfy { $0 < 100 }, "\(first.exitCosts)")
        XCTAssertEqual(try stage(slowed: true).exitCosts, first.exitCosts)
    }

    func testAnUpscalerIsRefused() throws {
        let upscaler = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 1)
        XCTAssertThrowsError(try EarlyExitEnhancer(model: upscaler, tiler: Tiler(), policy: .deepest))
    }
}
