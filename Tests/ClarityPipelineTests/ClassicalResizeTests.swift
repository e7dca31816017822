import CFFmpeg
import ClarityMedia
import ClarityPipeline
import XCTest

final class ClassicalResizeTests: XCTestCase {
    let tenBit = VideoFormat(width: 64, height: 36, pixelFormat: AV_PIX_FMT_YUV420P10LE,
                             timeBase: AVRational(num: 1, den: 30), frameRate: AVRational(num: 30, den: 1))

    func testNegotiatesSizeAndAKeptPixelFormat() throws {
        let stage = ClassicalResize(target: .factor(3))
        let out = try stage.negotiate(input: tenBit, accepted: [])
        XCTAssertEqual(out.width, 192)
        XCTAssertEqual(out.height, 108)
        XCTAssertEqual(out.pixelFormatName, "yuv420p10le")
        XCTAssertEqual(out.timeBase.den, 30)
    }

    func testConvertsToWhatTheEncoderAccepts() throws {
        let stage = ClassicalResize(target: nil)
        let out = try stage.negotiate(input: tenBit, accepted: [AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12])
        XCTAssertEqual(out.pixelFormatName, "yuv420p")
    }

    func testUpscaleKeepsAFlatFrameFlatAndItsTimestamp() throws {
        var fmt = tenBit
        fmt.pixelFormat = AV_PIX_FMT_YUV420P
        let frame = try FramePool(format: fmt).makeFrame()
        frame.pts = 42
        for p in 0..<3 {
            let (d, s) = frame.plane(p)
            let h = p == 0 ? fmt.height : fmt.height / 2
            for y in 0..<h { (d + y * s).initialize(repeating: UInt8(60 + 40 * p), count: s) }
        }
        let stage = ClassicalResize(target: .size(width: 150, height: 90), filter: .lanczos)
        _ = try stage.negotiate(input: fmt, accepted: [])
        let out = try stage.process(frame)
        XCTAssertEqual(out.pts, 42)
        XCTAssertEqual(out.width, 150)
        for p in 0..<3 {
            let (d, s) = out.plane(p)
            let w = p == 0 ? 150 : 75, h = p == 0 ? 90 : 45
            for y in 0..<h { for x in 0..<w { XCTAssertEqual(d[y * s + x], UInt8(60 + 40 * p)) } }
        }
    }
}
