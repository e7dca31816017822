import CKernels
import ClarityEngine
import XCTest

/// The plane's copies and its span, against element-by-element references.
final class PlaneTests: XCTestCase {
    private let plane = Plane(width: 7, height: 5, data: (0..<35).map { Float(($0 * 13) % 35) - 17 })

    func testPaddingRepeatsTheLastColumnAndRow() {
        let padded = plane.padded(toWidth: 11, height: 8)
        for y in 0..<8 {
            for x in 0..<11 { XCTAssertEqual(padded[x, y], plane[min(x, 6), min(y, 4)], "(\(x), \(y))") }
        }
        XCTAssertEqual(plane.padded(toWidth: 7, height: 5), plane)
    }

    func testRegionAndCrop() {
        let region = plane.region(x: 2, y: 1, width: 4, height: 3)
        for y in 0..<3 {
            for x in 0..<4 { XCTAssertEqual(region[x, y], plane[x + 2, y + 1]) }
        }
        XCTAssertEqual(plane.cropped(toWidth: 7, height: 5), plane)
        XCTAssertEqual(plane.cropped(toWidth: 3, height: 2).data, [plane[0, 0], plane[1, 0], plane[2, 0], plane[0, 1], plane[1, 1], plane[2, 1]])
    }

    /// Least and greatest in the vector body and in the scalar tail, with every instruction set.
    func testSpanOnEveryInstructionSet() {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for count in [1, 15, 16, 17, 40] {
                for at in [0, count / 2, count - 1] {
                    var data = (0..<count).map { Float($0 % 5) / 10 }
                    data[at] = -3
                    data[(at + count / 2 + 1) % count] = 9
                    let span = Plane(width: count, height: 1, data: data).span
                    XCTAssertEqual(span?.low, count == 1 ? 9 : -3, "\(count) samples, \(isa)")
                    XCTAssertEqual(span?.high, 9, "\(count) samples, \(isa)")
                }
            }
        }
        XCTAssertNil(Plane(width: 0, height: 0, data: []).span)
    }
}
