import ClarityQuality
import XCTest

/// `pilResize` against PIL 13's `Image.resize` in mode "F" (fixtures written by
/// Tests/ClarityMediaTests/Fixtures/make_fixtures.py): the LR images of the quality protocol
/// must be the toolkit's.
final class PILResampleTests: XCTestCase {
    func check(_ input: [Float], _ w: Int, _ h: Int, to ow: Int, _ oh: Int, _ filter: PILFilter, expected name: String) throws {
        let expected = try Fixtures.float32(name, count: ow * oh)
        let got = pilResize(input, width: w, height: h, toWidth: ow, height: oh, filter: filter)
        XCTAssertEqual(got.count, expected.count)
        let diffs = zip(got, expected).map { abs(Double($0) - Double($1)) }
        let worst = diffs.max() ?? 0, mean = diffs.reduce(0, +) / Double(diffs.count)
        // Same operations in the same order: bit-identical on x86-64; the bound allows another libm.
        XCTAssertLessThanOrEqual(worst, 1e-3, "\(name): max abs diff \(worst)")
        XCTAssertLessThanOrEqual(mean, 1e-5, "\(name): mean abs diff \(mean)")
    }

    func testMatchesPIL() throws {
        let input = try Fixtures.float32("resample_in_48x36.f32", count: 48 * 36)
        try check(input, 48, 36, to: 16, 12, .bicubic, expected: "resample_down3_16x12.f32")
        try check(input, 48, 36, to: 24, 18, .bicubic, expected: "resample_down2_24x18.f32")
        let small = try Fixtures.float32("resample_down3_16x12.f32", count: 16 * 12)
        try check(small, 16, 12, to: 48, 36, .bicubic, expected: "resample_up3_bicubic_48x36.f32")
        try check(small, 16, 12, to: 48, 36, .lanczos, expected: "resample_up3_lanczos_48x36.f32")
    }

    /// The downscale is antialiased: a pixel-wide checkerboard averages out to grey, where
    /// a plain (non-stretched) bicubic would alias it.
    func testDownscaleIsAntialiased() {
        let w = 60, h = 30
        let board = (0..<(w * h)).map { i in Float(((i % w) + (i / w)) % 2 == 0 ? 255 : 0) }
        let small = pilResize(board, width: w, height: h, toWidth: 20, height: 10, filter: .bicubic)
        let inner = (2..<8).flatMap { y in (2..<18).map { small[y * 20 + $0] } }
        XCTAssertLessThan(inner.map { abs($0 - 127.5) }.max()!, 15)
    }

    func testQuantizedRoundsHalfToEven() {
        XCTAssertEqual(UpscaleProtocol.quantized([0.5, 1.5, 2.5, -3, 300, 254.5]), [0, 2, 2, 0, 255, 254])
        XCTAssertEqual(UpscaleProtocol.quantized([0.5, 1], multiplier: 255), [128, 255])
    }
}
