import ClarityMedia
import XCTest

/// A plane scaler that slices its work across threads gives what one thread gives, byte for
/// byte, whatever the strides.
final class PlaneScalerTests: XCTestCase {
    func testThreadedPlaneScalingEqualsOneThread() throws {
        let (w, h, ow, oh) = (333, 187, 999, 561)
        var state: UInt32 = 12345
        let source = (0..<(w + 7) * h).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        func scaled(threads: Int) throws -> [UInt8] {
            let scaler = try FrameScaler(planeFrom: (w, h), to: (ow, oh), bitDepth: 8, filter: .bicubic, threads: threads)
            var input = source
            var output = [UInt8](repeating: 0, count: (ow + 5) * oh)
            input.withUnsafeMutableBufferPointer { i in
                output.withUnsafeMutableBufferPointer { o in
                    scaler.scale(plane: (i.baseAddress!, w + 7), into: (o.baseAddress!, ow + 5))
                }
            }
            return output
        }
        let one = try scaled(threads: 1)
        XCTAssertNotEqual(Set(one).count, 1, "the output holds a picture")
        XCTAssertEqual(try scaled(threads: 2), one)
        XCTAssertEqual(try scaled(threads: 3), one)
    }
}
