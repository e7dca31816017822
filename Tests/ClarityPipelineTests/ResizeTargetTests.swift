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
}
