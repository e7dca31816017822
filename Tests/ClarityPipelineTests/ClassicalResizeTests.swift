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

    /// Anamorphic DVD video (720x480, pixels 32:27, 16:9 on screen) made 1920x1080 stays 16:9
    /// on screen; a uniform scale, or one off only by rounding to whole chroma samples, keeps
    /// the pixels' aspect.
    func testAResizeOfAnotherShapeKeepsTheShapeOnScreen() throws {
        var dvd = tenBit
        (dvd.width, dvd.height, dvd.sampleAspectRatio) = (720, 480, AVRational(num: 32, den: 27))
        func aspect(_ target: ResizeTarget, _ input: VideoFormat) throws -> [Int32] {
            let sar = try ClassicalResize(target: target).negotiate(input: input, accepted: []).sampleAspectRatio
            return [sar.num, sar.den]
        }
        XCTAssertEqual(try aspect(.size(width: 1920, height: 1080), dvd), [1, 1])
        XCTAssertEqual(try aspect(.factor(3), dvd), [32, 27])
        var odd = tenBit
        (odd.width, odd.height) = (643, 361)
        XCTAssertEqual(try aspect(.factor(3), odd), [1, 1], "1929x1083 rounded to 1928x1082")
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
