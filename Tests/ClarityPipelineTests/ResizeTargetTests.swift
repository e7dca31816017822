import CFFmpeg
import ClarityMedia
import ClarityPipeline
import XCTest

final class ResizeTargetTests: XCTestCase {
    func testFactorThreeTakes720pTo4K() {
        let d = ResizeTarget.factor(3).dimensions(forWidth: 1280, height: 720, multiple: (2, 2))
        XCTAssertEqual(d.width, 3840)
        XCTAssertEqual(d.height, 2160)
    }

    func testOddSizesRoundToWholeChromaSamples() {
        let d = ResizeTarget.factor(3).dimensions(forWidth: 721, height: 405, multiple: (2, 2))
        XCTAssertEqual(d.width % 2, 0)
        XCTAssertEqual(d.height % 2, 0)
        XCTAssertEqual(Double(d.width), 2163, accuracy: 1)
        XCTAssertEqual(Double(d.height), 1215, accuracy: 1)
        let full = ResizeTarget.factor(3).dimensions(forWidth: 721, height: 405)
        XCTAssertEqual(full.width, 2163)
        XCTAssertEqual(full.height, 1215)
    }

    func testExactSizeIsKept() {
        let d = ResizeTarget.size(width: 1920, height: 1080).dimensions(forWidth: 640, height: 480, multiple: (2, 2))
        XCTAssertEqual(d.width, 1920)
        XCTAssertEqual(d.height, 1080)
    }

    /// A named size ("4k") is the shorter side as shown: landscape, portrait, scope and
    /// anamorphic pictures keep their shape.
    func testTheShorterSideKeepsTheShape() {
        let fourK = ResizeTarget.shorterSide(2160)
        XCTAssertTrue(fourK.dimensions(forWidth: 1280, height: 720, multiple: (2, 2)) == (3840, 2160))
        XCTAssertTrue(fourK.dimensions(forWidth: 720, height: 1280, multiple: (2, 2)) == (2160, 3840))
        XCTAssertTrue(fourK.dimensions(forWidth: 1920, height: 800, multiple: (2, 2)) == (5184, 2160))
        // 1440x1080 of 4:3 pixels is shown 1920x1080.
        XCTAssertTrue(fourK.dimensions(forWidth: 1440, height: 1080, multiple: (2, 2), sampleAspect: 4.0 / 3) == (3840, 2160))
    }

    /// One side given: the other keeps the input's aspect, rounded to whole chroma samples.
    func testOneSideKeepsTheAspect() {
        XCTAssertTrue(ResizeTarget.size(width: 3840, height: nil).dimensions(forWidth: 1280, height: 720, multiple: (2, 2)) == (3840, 2160))
        XCTAssertTrue(ResizeTarget.size(width: nil, height: 2160).dimensions(forWidth: 1280, height: 720, multiple: (2, 2)) == (3840, 2160))
        // 1000 x 405/721 = 561.7: 562 in 4:2:0, and with 4:4:4 chroma too.
        XCTAssertTrue(ResizeTarget.size(width: 1000, height: nil).dimensions(forWidth: 721, height: 405, multiple: (2, 2)) == (1000, 562))
        XCTAssertTrue(ResizeTarget.size(width: 1000, height: nil).dimensions(forWidth: 721, height: 405) == (1000, 562))
        // 500 x 180/320 = 281.25: 282 in 4:2:0, 281 in 4:4:4.
        XCTAssertTrue(ResizeTarget.size(width: 500, height: nil).dimensions(forWidth: 320, height: 180, multiple: (2, 2)) == (500, 282))
        XCTAssertTrue(ResizeTarget.size(width: 500, height: nil).dimensions(forWidth: 320, height: 180) == (500, 281))
    }

    /// The aspect kept is the picture's as shown: anamorphic frames (an HD broadcast's
    /// 1440x1080 of 4:3 pixels, an NTSC DVD's 720x480 of 32:27) become 16:9 of square pixels.
    func testOneSideKeepsTheAspectAsShown() {
        func format(_ w: Int, _ h: Int, sar: AVRational) -> VideoFormat {
            VideoFormat(width: w, height: h, pixelFormat: AV_PIX_FMT_YUV420P, timeBase: AVRational(num: 1, den: 25),
                        frameRate: AVRational(num: 25, den: 1), sampleAspectRatio: sar)
        }
        let broadcast = format(1440, 1080, sar: AVRational(num: 4, den: 3)), dvd = format(720, 480, sar: AVRational(num: 32, den: 27))
        XCTAssertTrue(ResizeTarget.size(width: 3840, height: nil).dimensions(of: broadcast) == (3840, 2160))
        XCTAssertTrue(ResizeTarget.size(width: nil, height: 2160).dimensions(of: dvd) == (3840, 2160))
        XCTAssertTrue(ResizeTarget.factor(2).dimensions(of: broadcast) == (2880, 2160), "a factor scales the stored frame")
        XCTAssertTrue(ResizeTarget.size(width: 3840, height: nil).dimensions(of: format(1280, 720, sar: AVRational(num: 0, den: 1))) == (3840, 2160),
                      "an unknown aspect is square")
    }
}
