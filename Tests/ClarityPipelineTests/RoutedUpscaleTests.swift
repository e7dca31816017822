import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import XCTest

/// The routed stage: no budget sends detailed tiles to the model; a budget of nothing leaves
/// every tile on the classical canvas, which is exactly swscale's bicubic.
final class RoutedUpscaleTests: XCTestCase {
    func input() throws -> (VideoFormat, VideoFrame) {
        let format = VideoFormat(width: 48, height: 32, pixelFormat: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 30), frameRate: AVRational(num: 30, den: 1))
        let frame = try FramePool(format: format).makeFrame()
        var rng = SeededRandom(seed: 12)
        for p in 0..<3 {
            let (d, s) = frame.plane(p)
            let w = p == 0 ? 48 : 24, h = p == 0 ? 32 : 16
            // Left half flat, right half textured: only textured tiles gain from a model.
            for y in 0..<h { for x in 0..<w { d[y * s + x] = x < w / 2 ? 120 : UInt8(rng.uniform(40, 200)) } }
        }
        frame.pts = 7
        return (format, frame)
    }

    func testNoBudgetRoutesDetailToTheModelAndFlatAreasToTheCanvas() throws {
        let (format, frame) = try input()
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: nil)
        let out = try stage.negotiate(input: format, accepted: [])
        XCTAssertEqual([out.width, out.height], [144, 96])
        let result = try stage.process(frame)
        XCTAssertEqual(result.pts, 7)
        // 6 x 4 tiles: the flat left half (12 tiles) has no detail to gain from.
        XCTAssertEqual(stage.branchCounts, [12, 12])
    }

    func testNoTimeLeavesEveryTileOnTheBicubicCanvas() throws {
        let (format, frame) = try input()
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        let stage = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8), budget: 0)
        _ = try stage.negotiate(input: format, accepted: [])
        let result = try stage.process(frame)
        XCTAssertEqual(stage.branchCounts, [24, 0])
        let bicubic = try FrameScaler(planeFrom: (48, 32), to: (144, 96), bitDepth: 8, filter: .bicubic)
        let expected = try FramePool(format: VideoFormat(width: 144, height: 96, pixelFormat: AV_PIX_FMT_YUV420P,
                                                         timeBase: format.timeBase, frameRate: format.frameRate)).makeFrame()
        bicubic.scale(plane: frame.plane(0), into: expected.plane(0))
        XCTAssertEqual(result.planeBytes(0, rowBytes: 144, rows: 96), expected.planeBytes(0, rowBytes: 144, rows: 96))
    }
}
