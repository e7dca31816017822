import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import XCTest

/// The artifact-removal stage: luma through the early-exit model tile by tile, chroma and
/// timestamps untouched, exits counted.
final class EarlyExitEnhancerTests: XCTestCase {
    func testLumaIsEnhancedChromaPassesAndExitsAreCounted() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 9)
        let format = VideoFormat(width: 40, height: 24, pixelFormat: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 90000), frameRate: AVRational(num: 30, den: 1))
        let stage = try EarlyExitEnhancer(model: model, tiler: Tiler(tile: 16, overlap: 4), policy: .deepest)
        XCTAssertEqual(try stage.negotiate(input: format, accepted: []), format)
        let frame = try FramePool(format: format).makeFrame()
        var rng = SeededRandom(seed: 4)
        for p in 0..<3 {
            let (d, s) = frame.plane(p)
            let w = p == 0 ? 40 : 20, h = p == 0 ? 24 : 12
            for y in 0..<h { for x in 0..<w { d[y * s + x] = UInt8(rng.uniform(16, 235)) } }
        }
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
        let want = try stage.tiler.runEarlyExit(luma, model: model) { _, _ in false }.plane
        let got = out.planeBytes(0, rowBytes: 40, rows: 24)
        let worst = zip(got, want.data).map { abs(Float($0) - min(max($1 * 255, 0), 255)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 0.5 + 1e-3)
    }

    func testAnUpscalerIsRefused() throws {
        let upscaler = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 1)
        XCTAssertThrowsError(try EarlyExitEnhancer(model: upscaler, tiler: Tiler(), policy: .deepest))
    }
}
