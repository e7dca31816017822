import ClarityEngine
import XCTest

/// Early-exit networks (RBQE's shape): several outputs, run one after another on a tile
/// without redoing the shared layers, and tiles stitched whatever exit each took.
final class EarlyExitTests: XCTestCase {
    static let model = try! RandomModels.rbqe(channels: 8, levels: 4, seed: 5)

    func testEveryExitMatchesTheReferenceInterpreter() throws {
        let x = RandomModels.input(n: 1, h: 40, w: 48, seed: 2)
        let got = try Self.model.run(x)
        let want = Reference.run(Self.model, x)
        XCTAssertEqual(got.count, 3)
        for (g, w) in zip(got, want) { XCTAssertLessThan(LayerTests.relativeError(g, w), 1e-4) }
    }

    func testStoppingAtAnExitGivesThatExitsWholeFrameOutput() throws {
        let x = RandomModels.input(n: 1, h: 40, w: 48, seed: 3)
        let full = try Self.model.run(x)
        let plane = Plane(width: 48, height: 40, data: x.data)
        for k in 0..<3 {
            var seen: [Int] = []
            let (out, exits) = try Tiler(tile: 0).runEarlyExit(plane, model: Self.model) { _, exit, _ in
                seen.append(exit)
                return exit == k
            }
            XCTAssertEqual(exits, [k])
            XCTAssertEqual(seen, Array(0...k), "each exit is shown until one is approved; the last ends the tile whatever the answer")
            XCTAssertEqual(out.data.count, full[k].data.count)
            let worst = zip(out.data, full[k].data).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "exit \(k) run in stages differs from the whole run")
        }
    }

    func testTilesTakeTheirOwnExitsAndBlendIntoOnePicture() throws {
        // A smooth ramp: tiled and whole-frame outputs of one exit agree closely, so a seam
        // would show as a jump between neighbouring pixels far above the ramp's slope.
        let w = 96, h = 64
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { Float($0 % w) / Float(w) * 0.5 + Float($0 / w) / Float(h) * 0.3 })
        var tile = -1
        let (out, exits) = try Tiler(tile: 32, overlap: 8).runEarlyExit(plane, model: Self.model) { _, exit, _ in
            if exit == 0 { tile += 1 }
            return exit == tile % 3   // tile t stops at exit t mod 3
        }
        XCTAssertEqual(exits, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(out.width, w)
        XCTAssertEqual(out.height, h)
        XCTAssertTrue(out.data.allSatisfy { $0.isFinite })
        let whole = try Tiler(tile: 0).runEarlyExit(plane, model: Self.model) { _, _, _ in false }.plane
        // Blended tiles stay between what the exits produce: close to a whole-frame run.
        let mean = zip(out.data, whole.data).map { abs($0 - $1) }.reduce(0, +) / Float(out.data.count)
        XCTAssertLessThan(mean, 0.5)
    }

    /// Each exit is judged on the tile's core, the pixels the tile itself owns: away from the
    /// feathered seams, the cores shown to `accept` are the stitched picture.
    func testExitsAreJudgedOnTheTilesCores() throws {
        let w = 96, h = 64, tile = 32, feather = 4
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { Float(($0 * 7919) % 251) / 250 })
        var cores: [Plane] = []
        let (out, _) = try Tiler(tile: tile, overlap: 2 * feather).runEarlyExit(plane, model: Self.model) { _, _, core in
            cores.append(core)
            return true
        }
        XCTAssertEqual(cores.count, 6)
        for (i, core) in cores.enumerated() {
            XCTAssertEqual([core.width, core.height], [tile, tile])
            let (x0, y0) = (i % 3 * tile, i / 3 * tile)
            for y in 0..<tile where y0 + y < feather || (y >= feather && y < tile - feather) || y0 + y >= h - feather {
                for x in 0..<tile where x0 + x < feather || (x >= feather && x < tile - feather) || x0 + x >= w - feather {
                    XCTAssertEqual(core.data[y * tile + x], out.data[(y0 + y) * w + x0 + x], accuracy: 1e-6, "tile \(i) at (\(x), \(y))")
                }
            }
        }
    }

    /// Tiles run side by side on copies of the model, each worker on one thread, give the
    /// picture and exits of one worker: every tile's exit depends on its own output alone.
    func testTilesSideBySideGiveTheOneWorkerResult() throws {
        let w = 160, h = 96
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { Float(($0 * 7919) % 251) / 250 * Float($0 % w) / Float(w) })
        // Half the tiles stop at the first exit, those whose output there is brightest: a
        // decision each tile makes from its own window.
        let tiler = Tiler(tile: 32, overlap: 8)
        func mean(_ p: Plane) -> Float { p.data.reduce(0, +) / Float(p.data.count) }
        var firstMeans: [Float] = []
        _ = try tiler.runEarlyExit(plane, model: Self.model) { _, exit, out in firstMeans.append(mean(out)); return true }
        let cut = firstMeans.sorted()[firstMeans.count / 2]
        let accept = { (_: Int, exit: Int, out: Plane) in exit > 0 || mean(out) >= cut }
        let one = try tiler.runEarlyExit(plane, model: Self.model, accept: accept)
        let copies = try (0..<2).map { _ in try Self.model.copy() }
        let three = try Engine.withThreadsOnThisThread(3) { try tiler.runEarlyExit(plane, model: Self.model, sideBySide: copies, accept: accept) }
        XCTAssertEqual(one.exits.count, 15)
        XCTAssertGreaterThan(Set(one.exits).count, 1, "\(one.exits)")
        XCTAssertEqual(three.exits, one.exits)
        XCTAssertEqual(three.plane.data, one.plane.data)
    }

    /// A tile that keeps its input (refused by `start`) blends its input window where a run
    /// tile's feather reaches it, and a core with no run tile beside it is the input itself:
    /// the stitched picture is the plain blend of every window (a naive one here: each window
    /// weighted 1 in its core and ramped across the feather at every interior edge).
    func testTilesThatKeepTheirInputBlendTheInput() throws {
        let w = 96, h = 64, overlap = 8, feather = overlap / 2
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { Float(($0 * 7919) % 251) / 250 })
        let tiler = Tiler(tile: 32, overlap: overlap)
        let (out, exits) = try tiler.runEarlyExit(plane, model: Self.model, start: { tile, _ in tile == 0 }) { _, exit, _ in exit == 1 }
        XCTAssertEqual(exits, [1, -1, -1, -1, -1, -1])

        let g = tiler.grid(width: w, height: h, models: [Self.model])
        func ramp(_ p: Int, core: Range<Int>, length: Int) -> Float {
            let x = Float(p) + 0.5, f = Float(feather)
            var v: Float = 1
            if core.lowerBound > 0 { v = min(v, max(0, min(1, (x - Float(core.lowerBound) + f) / (2 * f)))) }
            if core.upperBound < length { v = min(v, max(0, min(1, (Float(core.upperBound) + f - x) / (2 * f)))) }
            return v
        }
        var sum = [Float](repeating: 0, count: w * h), weight = sum
        for (i, t) in g.tiles.enumerated() {
            let window = (0..<(g.windowWidth * g.windowHeight)).map { plane.data[(t.windowY + $0 / g.windowWidth) * w + t.windowX + $0 % g.windowWidth] }
            let samples = i == 0 ? try Self.model.run(Tensor(n: 1, h: g.windowHeight, w: g.windowWidth, c: 1, data: window))[1].data : window
            for y in 0..<g.windowHeight {
                for x in 0..<g.windowWidth {
                    let (px, py) = (t.windowX + x, t.windowY + y)
                    let k = ramp(px, core: t.coreX, length: w) * ramp(py, core: t.coreY, length: h)
                    sum[py * w + px] += k * samples[y * g.windowWidth + x]
                    weight[py * w + px] += k
                }
            }
        }
        for i in sum.indices { XCTAssertEqual(out.data[i], sum[i] / weight[i], accuracy: 1e-5, "sample \(i)") }
        // The right-hand column's cores have no run tile beside them: the input, exactly.
        for y in 0..<h { XCTAssertEqual(Array(out.data[(y * w + 64)..<(y * w + 96)]), Array(plane.data[(y * w + 64)..<(y * w + 96)])) }
        XCTAssertNotEqual(Array(out.data[0..<32]), Array(plane.data[0..<32]), "the run tile's output")

        let none = try tiler.runEarlyExit(plane, model: Self.model, start: { _, _ in false }) { _, _, _ in true }
        XCTAssertEqual(none.exits, [Int](repeating: -1, count: 6))
        XCTAssertEqual(none.plane.data, plane.data)

        // Only the cores beside the run tile come back, each as the whole output has it.
        let (cores, _) = try tiler.runEarlyExitCores(plane, model: Self.model, start: { tile, _ in tile == 0 }) { _, exit, _ in exit == 1 }
        XCTAssertEqual(cores.map { [$0.x, $0.y, $0.width, $0.height] }, [[0, 0, 32, 32], [32, 0, 32, 32], [0, 32, 32, 32], [32, 32, 32, 32]])
        for core in cores {
            for y in 0..<core.height {
                XCTAssertEqual(Array(core.samples[(y * core.width)..<((y + 1) * core.width)]),
                               Array(out.data[((core.y + y) * w + core.x)..<((core.y + y) * w + core.x + core.width)]))
            }
        }
        XCTAssertTrue(try tiler.runEarlyExitCores(plane, model: Self.model, start: { _, _ in false }) { _, _, _ in true }.cores.isEmpty)
    }
}
