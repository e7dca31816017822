import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityPipeline
import XCTest

/// The model stage feeds a frame's luma to the engine and writes the result back exactly,
/// scales chroma classically, and keeps timestamps: checked against the engine's naive
/// reference interpreter on a random Bicubic++-shaped model.
final class LumaModelUpscaleTests: XCTestCase {
    func frame(_ format: VideoFormat, seed: UInt64) throws -> VideoFrame {
        let f = try FramePool(format: format).makeFrame()
        var rng = SeededRandom(seed: seed)
        let wide = format.bitDepth > 8
        let maxValue = Float((1 << format.bitDepth) - 1)
        for p in 0..<3 {
            let (d, s) = f.plane(p)
            let w = p == 0 ? format.width : format.width / 2, h = p == 0 ? format.height : format.height / 2
            for y in 0..<h {
                for x in 0..<w {
                    // Smooth content plus noise, like a picture rather than static.
                    let v = (0.5 + 0.3 * sin(Float(x) * 0.2) * cos(Float(y) * 0.15) + rng.uniform(-0.1, 0.1)) * maxValue
                    if wide {
                        (d + y * s).withMemoryRebound(to: UInt16.self, capacity: w) { $0[x] = UInt16(v) }
                    } else {
                        d[y * s + x] = UInt8(v)
                    }
                }
            }
        }
        return f
    }

    func check(pixelFormat: AVPixelFormat, tile: Int) throws {
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 7)
        let input = VideoFormat(width: 46, height: 30, pixelFormat: pixelFormat,
                                timeBase: AVRational(num: 1, den: 1000), frameRate: AVRational(num: 25, den: 1))
        let stage = LumaModelUpscale(model: model, tiler: Tiler(tile: tile))
        let out = try stage.negotiate(input: input, accepted: [])
        XCTAssertEqual(out.width, 138)
        XCTAssertEqual(out.height, 90)
        XCTAssertEqual(out.pixelFormat, pixelFormat)
        let src = try frame(input, seed: 3)
        src.pts = 1234
        let result = try stage.process(src)
        XCTAssertEqual(result.pts, 1234)

        let maxValue = Float((1 << input.bitDepth) - 1)
        let wide = input.bitDepth > 8
        func sample(_ f: VideoFrame, _ p: Int, _ x: Int, _ y: Int) -> Float {
            let (d, s) = f.plane(p)
            return wide ? Float((d + y * s).withMemoryRebound(to: UInt16.self, capacity: x + 1) { $0[x] })
                        : Float(d[y * s + x])
        }
        var luma = [Float]()
        for y in 0..<input.height { for x in 0..<input.width { luma.append(sample(src, 0, x, y) / maxValue) } }
        let expected = Reference.run(model, Tensor(n: 1, h: input.height, w: input.width, c: 1, data: luma))[0]
        var worst: Float = 0
        for y in 0..<out.height {
            for x in 0..<out.width {
                let want = min(max((expected.data[y * out.width + x] * maxValue).rounded(), 0), maxValue)
                worst = max(worst, abs(sample(result, 0, x, y) - want))
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "luma differs from the reference by more than one code")
        // Chroma: a smooth plane scaled classically stays within the input's range.
        let inRange = (0..<out.height / 2).allSatisfy { y in (0..<out.width / 2).allSatisfy { x in
            sample(result, 1, x, y) >= 0 && sample(result, 1, x, y) <= maxValue } }
        XCTAssertTrue(inRange)
    }

    func testEightBitWholeFrame() throws { try check(pixelFormat: AV_PIX_FMT_YUV420P, tile: 0) }

    func testTenBitTiled() throws { try check(pixelFormat: AV_PIX_FMT_YUV420P10LE, tile: 16) }

    func testRejectsPackedRGB() throws {
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 7)
        let rgb = VideoFormat(width: 32, height: 32, pixelFormat: AV_PIX_FMT_RGB24,
                              timeBase: AVRational(num: 1, den: 25), frameRate: AVRational(num: 25, den: 1))
        XCTAssertThrowsError(try LumaModelUpscale(model: model, tiler: Tiler(tile: 0)).negotiate(input: rgb, accepted: []))
    }
}
