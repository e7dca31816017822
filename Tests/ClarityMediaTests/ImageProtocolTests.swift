import ClarityMedia
import ClarityQuality
import Foundation
import XCTest

/// Image loading and LR making of `clarity bench quality` against the training toolkit (PIL);
/// fixtures from Fixtures/make_fixtures.py.
final class ImageProtocolTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name)))) }

    /// PNG -> RGB -> BT.601 Y (float) -> modcrop -> PIL bicubic x3 -> rint: the toolkit's LR.
    func testLowResolutionMatchesToolkit() throws {
        let image = try ImageLoader.load(fixture("photo_192.png"))
        XCTAssertEqual(image.width, 192)
        XCTAssertEqual(image.height, 192)
        let hr = UpscaleProtocol.reference(rgb: image.pixels, width: 192, height: 192, scale: 3)
        let lr = UpscaleProtocol.lowResolution(hr.luma, width: hr.width, height: hr.height, scale: 3)
        let expected = try bytes("photo_192_lr3_64x64.u8")
        XCTAssertEqual(lr.count, expected.count)
        let diffs = zip(lr, expected).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(diffs.max()!, 1)
        XCTAssertLessThanOrEqual(Double(diffs.reduce(0, +)) / Double(diffs.count), 0.01)
    }

    /// RGBA is composited on white exactly as PIL's alpha_composite does.
    func testAlphaIsCompositedOnWhiteLikePIL() throws {
        let image = try ImageLoader.load(fixture("alpha_48.png"))
        XCTAssertEqual(image.pixels, try bytes("alpha_48_rgb.u8"))
    }

    /// The H.264 round trip gives a plane of the same size, changed by the codec but close.
    func testH264RoundTrip() throws {
        let lr = try bytes("photo_192_lr3_64x64.u8")
        let coded = try LumaRoundTrip.h264(lr, width: 64, height: 64, qp: 32)
        XCTAssertEqual(coded.count, lr.count)
        XCTAssertNotEqual(coded, lr)
        let p = psnr(coded, lr, width: 64, height: 64)
        XCTAssert(p > 25 && p < 45, "QP 32 round trip PSNR \(p)")
        XCTAssertThrowsError(try LumaRoundTrip.h264([UInt8](repeating: 0, count: 63 * 64), width: 63, height: 64, qp: 32))
    }
}
