import ClarityEngine
import XCTest

/// Tiles that take the classical canvas and tiles that take a model meet without a seam.
final class TilerCanvasTests: XCTestCase {
    /// x3 "model": every LR pixel repeated 3x3 and raised by 0.1 (conv 1x1 to 9 channels, bias).
    static func brighterNearest() throws -> Model {
        let graph = ModelGraph(name: "nearest-plus", scale: 3, outputs: ["out"], receptiveRadius: 0, layers: [
            Layer(name: "conv", inputs: ["lr"], op: .conv2d(.init(inChannels: 1, outChannels: 9, kernel: (1, 1), bias: true))),
            Layer(name: "out", inputs: ["conv"], op: .pixelShuffle(factor: 3)),
        ])
        return try Model(graph: graph, weights: [
            "conv.weight": .init(shape: [9, 1, 1, 1], values: [Float](repeating: 1, count: 9)),
            "conv.bias": .init(shape: [9], values: [Float](repeating: 0.1, count: 9)),
        ])
    }

    func testCanvasAndModelTilesAreFeatheredNotStitchedHard() throws {
        let (w, h) = (40, 24)
        let plane = Plane(width: w, height: h, repeating: 0.5)
        let canvas = Plane(width: w * 3, height: h * 3, repeating: 0.5)
        let tiler = Tiler(tile: 8, overlap: 4)
        let model = try Self.brighterNearest()
        let grid = tiler.grid(width: w, height: h, models: [model])
        // A checkerboard of model (0) and canvas (1) tiles.
        let assignment = grid.tiles.map { ($0.row + $0.column) % 2 }
        let out = try tiler.run(plane, models: [model], grid: grid, assignment: assignment, canvas: canvas)
        var worstJump: Float = 0
        for y in 0..<out.height {
            for x in 0..<(out.width - 1) { worstJump = max(worstJump, abs(out[x + 1, y] - out[x, y])) }
        }
        // A hard seam would jump by 0.1; the ramp spreads it over 2 x 6 output pixels.
        XCTAssertLessThan(worstJump, 0.02)
        // Tile centres keep their own branch's value.
        for t in grid.tiles {
            let cx = (t.coreX.lowerBound + t.coreX.upperBound) / 2 * 3, cy = (t.coreY.lowerBound + t.coreY.upperBound) / 2 * 3
            XCTAssertEqual(out[cx, cy], assignment[t.row * grid.columns + t.column] == 0 ? 0.6 : 0.5, accuracy: 1e-5)
        }
        // All canvas: the canvas itself.
        XCTAssertEqual(try tiler.run(plane, models: [model], grid: grid, assignment: assignment.map { _ in 1 }, canvas: canvas), canvas)
    }

    func testCompositingOntoAnEightBitCanvasEqualsTheFloatRun() throws {
        try checkCompositing(wide: false, maxValue: 255)
    }

    /// 10-bit video: 16-bit little-endian samples, white at 1023.
    func testCompositingOntoATenBitCanvasEqualsTheFloatRun() throws {
        try checkCompositing(wide: true, maxValue: 1023)
    }

    private func checkCompositing(wide: Bool, maxValue: Float) throws {
        let (w, h) = (40, 24)
        var rng = SeededRandom(seed: 5)
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { _ in rng.uniform(0.2, 0.8) })
        let original = (0..<(w * 3 * h * 3)).map { _ in UInt16(rng.uniform(0.25, 0.75) * maxValue) }
        let canvas = Plane(width: w * 3, height: h * 3, data: original.map { Float($0) / maxValue })
        let models = [try Self.brighterNearest(), try RandomModels.bicubicPlusPlus(channels: 4, scale: 3, seed: 6)]
        // Square tiles: models 0, 1 and the canvas (2) mixed; then a lone model tile; then two
        // diagonal ones (canvas tiles with model neighbours on several sides); then tiles whose
        // neighbours all took their model (written without the blend): every tile, and all but
        // one column.
        let tiles = Tiler(tile: 8, overlap: 4)
        let tileGrid = tiles.grid(width: w, height: h, models: models)
        let tileAssignments = [tileGrid.tiles.map { ($0.row * 2 + $0.column) % 3 },
                               tileGrid.tiles.indices.map { $0 == tileGrid.columns + 2 ? 1 : 2 },
                               tileGrid.tiles.map { ($0.row, $0.column) == (0, 1) || ($0.row, $0.column) == (1, 2) ? 0 : 2 },
                               tileGrid.tiles.map { _ in 1 },
                               tileGrid.tiles.map { $0.column == 0 ? 2 : 0 }]
        // Full-width bands (blended only near a change of branch): the same kinds of mix.
        let bands = Tiler(tile: 4, tileWidth: 0, overlap: 4)
        let bandGrid = bands.grid(width: w, height: h, models: models)
        XCTAssertEqual(bandGrid.columns, 1)
        let bandAssignments = [bandGrid.tiles.map { $0.row % 3 },
                               bandGrid.tiles.map { $0.row == 2 ? 1 : 2 },
                               bandGrid.tiles.map { $0.row == 0 || $0.row == 3 ? 0 : 2 },
                               bandGrid.tiles.map { _ in 1 },
                               bandGrid.tiles.map { $0.row < 2 ? 2 : 0 },
                               bandGrid.tiles.map { $0.row < 3 ? 0 : 1 }]
        for (tiler, grid, assignments) in [(tiles, tileGrid, tileAssignments), (bands, bandGrid, bandAssignments)] {
            for assignment in assignments {
                let want = try tiler.run(plane, models: models, grid: grid, assignment: assignment, canvas: canvas)
                // The canvas as the frame holds it: one byte or two (little-endian) per sample.
                var bytes = original.flatMap { wide ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0)] }
                _ = try bytes.withUnsafeMutableBufferPointer {
                    try tiler.composite(plane, models: models, grid: grid, assignment: assignment, onto: $0.baseAddress!,
                                        stride: w * 3 * (wide ? 2 : 1), wide: wide, maxValue: maxValue)
                }
                let samples = wide ? (0..<original.count).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 } : bytes.map(UInt16.init)
                let worst = zip(samples, want.data).map { abs(Float($0) - min(max(($1 * maxValue).rounded(), 0), maxValue)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1, "rounding at most: \(assignment)")
                XCTAssertNotEqual(samples, original, "model tiles were composited")
            }
        }
    }

    /// Batches given up (the frame ran out of time) keep the canvas, and the frame is exactly
    /// the composite of the assignment carried out: no seam where a tile lost its model.
    func testGivenUpBatchesKeepTheCanvasWithoutASeam() throws {
        let (w, h) = (40, 24)
        var rng = SeededRandom(seed: 7)
        let plane = Plane(width: w, height: h, data: (0..<(w * h)).map { _ in rng.uniform(0.2, 0.8) })
        let original = (0..<(w * 3 * h * 3)).map { _ in UInt8(rng.uniform(60, 200)) }
        let tiler = Tiler(tile: 8, overlap: 4, batchSize: 2)
        let models = [try Self.brighterNearest(), try RandomModels.bicubicPlusPlus(channels: 4, scale: 3, seed: 6)]
        let grid = tiler.grid(width: w, height: h, models: models)
        let planned = grid.tiles.map { ($0.row * 2 + $0.column) % 3 }
        let modelTiles = planned.filter { $0 != 2 }.count
        for allowed in [0, 1, 3, 100] {
            var asked = 0
            var bytes = original
            let done = try bytes.withUnsafeMutableBufferPointer {
                try tiler.composite(plane, models: models, grid: grid, assignment: planned, onto: $0.baseAddress!,
                                    stride: w * 3, wide: false, maxValue: 255, keepGoing: { asked += 1; return asked <= allowed })
            }
            let ran = done.filter { $0 != 2 }.count
            XCTAssertTrue(zip(done, planned).allSatisfy { $0 == $1 || $0 == 2 }, "only whole tiles fall back to the canvas")
            if allowed == 0 || allowed >= modelTiles {
                XCTAssertEqual(ran, allowed == 0 ? 0 : modelTiles)
            } else {
                XCTAssertTrue(ran >= allowed && ran <= 2 * allowed && ran < modelTiles, "\(ran) tiles in \(allowed) batches of 1-2")
            }
            var want = original
            _ = try want.withUnsafeMutableBufferPointer {
                try tiler.composite(plane, models: models, grid: grid, assignment: done, onto: $0.baseAddress!, stride: w * 3, wide: false, maxValue: 255)
            }
            let worst = zip(bytes, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1, "\(allowed) batches: the composite of the assignment carried out")
            if allowed == 0 { XCTAssertEqual(bytes, original) }
        }
    }
}
