import ClarityEngine
import XCTest

/// The stitched tiled output equals the whole-frame output (fp32, one model), for several
/// tile sizes, overlaps and odd frame sizes; mixed-model tiles are blended without seams.
final class TilerTests: XCTestCase {
    static let model = try! RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 11)

    static func plane(_ w: Int, _ h: Int, seed: UInt64) -> Plane {
        let t = RandomModels.input(n: 1, h: h, w: w, seed: seed)
        return Plane(width: w, height: h, data: t.data)
    }

    func testTiledEqualsFullFrame() throws {
        let m = Self.model
        for (w, h, tile, overlap) in [(61, 47, 16, 8), (61, 47, 20, 10), (64, 48, 32, 8), (33, 29, 8, 9), (50, 17, 24, 12), (45, 45, 200, 8)] {
            let p = Self.plane(w, h, seed: UInt64(w * h))
            let full = try Tiler(tile: 0).run(p, model: m)
            XCTAssertEqual(full.width, w * 3); XCTAssertEqual(full.height, h * 3)
            let tiled = try Tiler(tile: tile, overlap: overlap, batchSize: 3).run(p, model: m)
            XCTAssertEqual(tiled.width, w * 3); XCTAssertEqual(tiled.height, h * 3)
            let diff = zip(full.data, tiled.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(w)x\(h) tile \(tile) overlap \(overlap): max diff \(diff)")
        }
    }

    /// Writing tiles straight into integer samples gives the float path's plane, rounded:
    /// whole frame and tiled, odd sizes, 8-bit and 16-bit rows with padding at their ends.
    /// x3 models for each way a plan can end: one pixel shuffle (the Bicubic++ shape), an
    /// edge-SR max or softmax written shuffled, two shuffles added (Bicubic++'s bicubic
    /// residual).
    static let endings: [Model] = {
        func model(_ name: String, _ layers: [Layer], align: Int = 1) -> Model {
            let g = ModelGraph(name: name, scale: 3, outputs: [layers.last!.name], align: align, receptiveRadius: 4, layers: layers)
            return try! Model(graph: g, weights: RandomModels.weights(for: g, seed: 13))
        }
        let shuffle3 = { (input: String) in Layer(name: "up", inputs: [input], op: .pixelShuffle(factor: 3)) }
        let k5 = { (o: Int) in LayerTests.conv("c", "lr", 1, o, k: (5, 5), p: (2, 2)) }
        return [
            TilerTests.model,
            model("max", [k5(18), Layer(name: "r", inputs: ["c"], op: .maxCandidates(candidates: 2, groups: 9)), shuffle3("r")]),
            model("tm", [k5(36), Layer(name: "r", inputs: ["c"], op: .softmaxSum(candidates: 2, groups: 9, mode: .tm)), shuffle3("r")]),
            model("sum", [LayerTests.conv("a", "lr", 1, 36, s: (2, 2)), Layer(name: "up6", inputs: ["a"], op: .pixelShuffle(factor: 6)),
                          k5(9), shuffle3("c"), Layer(name: "sum", inputs: ["up6", "up"], op: .add)], align: 2),
        ]
    }()

    /// Samples streamed band by band from the plan's last layers equal the float run rounded,
    /// for whole frames and tiles (batches of 3, so some are part padding), 8 and 16 bits.
    func testRunIntoSamplesEqualsRoundedPlane() throws {
        for model in Self.endings {
            for (w, h, tile, wide) in [(61, 47, 16, false), (61, 47, 0, false), (33, 29, 8, true), (50, 17, 24, true)] {
                let p = Self.plane(w, h, seed: UInt64(w + h))
                let tiler = Tiler(tile: tile, overlap: 8, batchSize: 3)
                let maxValue: Float = wide ? 1023 : 255
                let want = try tiler.run(p, model: model)
                let bytes = wide ? 2 : 1, stride = w * 3 * bytes + 7
                var samples = [UInt8](repeating: 0xAB, count: stride * h * 3)
                try samples.withUnsafeMutableBufferPointer {
                    try tiler.run(p, model: model, into: $0.baseAddress!, stride: stride, wide: wide, maxValue: maxValue)
                }
                var mismatches = 0
                for y in 0..<(h * 3) {
                    for x in 0..<(w * 3) {
                        let v = want.data[y * w * 3 + x] * maxValue
                        let expected = Int(min(max(v, 0), maxValue) + 0.5)
                        let o = y * stride + x * bytes
                        let got = wide ? Int(samples[o]) | Int(samples[o + 1]) << 8 : Int(samples[o])
                        if got != expected { mismatches += 1 }
                    }
                    XCTAssertEqual(samples[y * stride + w * 3 * bytes], 0xAB, "row padding written")
                }
                XCTAssertEqual(mismatches, 0, "\(model.graph.name) \(w)x\(h) tile \(tile) wide \(wide)")
            }
        }
    }

    func testFullFrameMatchesReferenceOnPaddedPlane() throws {
        // Odd sizes: the plane is edge-padded to the model's align, run, then cropped.
        let p = Self.plane(19, 13, seed: 2)
        let full = try Tiler(tile: 0).run(p, model: Self.model)
        let ref = Reference.run(Self.model, p.padded(toWidth: 20, height: 14).tensor)[0]
        let refPlane = Plane(width: 60, height: 42, data: ref.data).cropped(toWidth: 57, height: 39)
        XCTAssertLessThan(zip(full.data, refPlane.data).map { abs($0 - $1) }.max()!, 1e-4)
    }

    func testGridCoversEveryPixelOnce() {
        let g = TileGrid(width: 101, height: 57, tile: 30, overlap: 8, align: 2)
        var hits = [Int](repeating: 0, count: g.paddedWidth * g.paddedHeight)
        for t in g.tiles {
            XCTAssertEqual(t.windowX % 2, 0); XCTAssertEqual(t.windowY % 2, 0)
            XCTAssertTrue(t.windowX <= t.coreX.lowerBound && t.coreX.upperBound <= t.windowX + g.windowWidth)
            for y in t.coreY { for x in t.coreX { hits[y * g.paddedWidth + x] += 1 } }
        }
        XCTAssertTrue(hits.allSatisfy { $0 == 1 })
    }

    /// Cut evenly, each axis takes as many tiles as `tile` needs, of one size (the last one
    /// smaller only by the rounding to `align`): 720 rows in tiles of 512 are two of 360, where
    /// a second 512-row window clamped back over the first computed 1040 rows. Still exact.
    /// 720p in 128-px tiles (10 x 6, the last row 80 rows of picture): the four middle tiles
    /// first, the corners last, the lower ones after the upper (their cores' centres lie
    /// further from the picture's), ties in index order.
    func testTilesFromTheCentreOutwards() {
        let order = TileGrid(width: 1280, height: 720, tile: 128, overlap: 32, align: 8).centreFirst
        XCTAssertEqual(order.sorted(), Array(0..<60))
        XCTAssertEqual(order.prefix(4), [24, 25, 34, 35])
        XCTAssertEqual(order.suffix(4), [0, 9, 50, 59])
    }

    func testEvenTilesShareTheAxis() throws {
        for (w, h, tile, align, columns, rows) in [(1280, 720, 512, 1, 3, 2), (101, 57, 30, 2, 4, 2), (64, 48, 32, 1, 2, 2), (45, 45, 200, 1, 1, 1)] {
            let g = TileGrid(width: w, height: h, tile: tile, overlap: 8, align: align, evenly: true)
            XCTAssertEqual([g.columns, g.rows], [columns, rows], "\(w)x\(h) in \(tile)")
            var hits = [Int](repeating: 0, count: g.paddedWidth * g.paddedHeight)
            for t in g.tiles {
                XCTAssertLessThanOrEqual(max(t.coreX.count, t.coreY.count), tile)
                XCTAssertLessThan(g.tiles[0].coreX.count - t.coreX.count, align * columns, "\(w)x\(h): \(t.coreX)")
                XCTAssertLessThan(g.tiles[0].coreY.count - t.coreY.count, align * rows, "\(w)x\(h): \(t.coreY)")
                for y in t.coreY { for x in t.coreX { hits[y * g.paddedWidth + x] += 1 } }
            }
            XCTAssertTrue(hits.allSatisfy { $0 == 1 })
        }
        XCTAssertEqual(TileGrid(width: 1280, height: 720, tile: 512, overlap: 4, align: 1, evenly: true).windowHeight, 368)
        let p = Self.plane(61, 47, seed: 5)
        var tiler = Tiler(tile: 20, overlap: 8, batchSize: 2)
        tiler.evenly = true
        let diff = zip(try Tiler(tile: 0).run(p, model: Self.model).data, try tiler.run(p, model: Self.model).data).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(diff, 1e-5)
    }

    /// A frame runs whole up to 1080p and in even tiles of at most 512 beyond (memory), with
    /// the whole frame's result; a tile given is taken as it is.
    func testFramesBeyond1080pRunInTilesWithTheWholeResult() throws {
        XCTAssertEqual(Tiler.forFrame(width: 1920, height: 1080, precision: .fp32).grid(width: 1920, height: 1080, models: [Self.model]).tiles.count, 1)
        XCTAssertEqual(Tiler.forFrame(width: 1280, height: 720, tile: 512, precision: .fp32).grid(width: 1280, height: 720, models: [Self.model]).tiles.count, 6)
        let tiler = Tiler.forFrame(width: 1940, height: 1100, precision: .fp32)
        XCTAssertEqual(tiler.grid(width: 1940, height: 1100, models: [Self.model]).tiles.count, 12)
        XCTAssertEqual(tiler.batchSize, 1)
        let p = Self.plane(1940, 1100, seed: 3)
        let diff = zip(try tiler.run(p, model: Self.model).data, try Tiler(tile: 0).run(p, model: Self.model).data).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(diff, 1e-5)
    }

    func testMixedModelsBlendSmoothly() throws {
        let a = Self.model
        let b = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 12)
        let p = Self.plane(64, 48, seed: 9)
        let tiler = Tiler(tile: 16, overlap: 8)
        let g = tiler.grid(width: 64, height: 48, models: [a, b])
        let assign = g.tiles.map { $0.column < 2 ? 0 : 1 }
        let mixed = try tiler.run(p, models: [a, b], grid: g, assignment: assign)
        let fa = try Tiler(tile: 0).run(p, model: a), fb = try Tiler(tile: 0).run(p, model: b)
        // Far from the boundary (x = 32 LR = 96 HR) each side equals its own model exactly.
        for y in 0..<mixed.height {
            XCTAssertEqual(mixed[10, y], fa[10, y], accuracy: 1e-5)
            XCTAssertEqual(mixed[180, y], fb[180, y], accuracy: 1e-5)
            // Inside the ramp the result lies between the two models.
            let v = mixed[96, y], lo = min(fa[96, y], fb[96, y]), hi = max(fa[96, y], fb[96, y])
            XCTAssertTrue(v >= lo - 1e-4 && v <= hi + 1e-4)
        }
    }
}
