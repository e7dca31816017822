import XCTest

/// `clarity models`: every bundled model with the figures from its file, and what upscaling
/// runs without `--model`.
final class ModelsCommandTests: ToolTestCase {
    func testListsTheBundleAndTheDefault() throws {
        let r = try Tool.clarity(["models", "--no-speed"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.text.split(separator: "\n").map(String.init)
        let c32 = try XCTUnwrap(lines.first { $0.hasPrefix("bicubicpp-c32-x3 ") })
        XCTAssertTrue(c32.contains("upscale x3") && c32.contains("29088") && c32.contains("31.87 (+1.10)"), c32)
        for name in ["bicubicpp-c32-x2", "esr-max-k5-c2-x3", "classsr-w32-x3", "rbqe-lite", "rbqe-full"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix(name + " ") }, name)
        }
        XCTAssertEqual(lines.last, "Upscaling without --model runs bicubicpp: x2 bicubicpp-c32-x2, "
                       + "x3 bicubicpp-c32-x3, x4 bicubicpp-c32-x2 then bicubic.")
    }
}
