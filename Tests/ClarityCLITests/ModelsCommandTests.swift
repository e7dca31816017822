import XCTest

/// `clarity models`: every bundled model with the figures from its file, what upscaling runs
/// without `--model`, and what routing runs.
final class ModelsCommandTests: ToolTestCase {
    func testListsTheBundleAndTheDefault() throws {
        let r = try Tool.clarity(["models", "--no-speed"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.text.split(separator: "\n").map(String.init)
        let c32 = try XCTUnwrap(lines.first { $0.hasPrefix("bicubicpp-c32-x3 ") })
        XCTAssertTrue(c32.contains("upscale x3") && c32.contains("29088") && c32.contains("32.00 (+1.23)"), c32)
        // An artifact remover's: its val frames at H.264 QP 22-42, early exit, over the compressed input.
        let lite = try XCTUnwrap(lines.first { $0.hasPrefix("rbqe-lite ") })
        XCTAssertTrue(lite.contains("deartifact") && lite.contains("38.07 (+0.20)"), lite)
        for name in ["bicubicpp-c32-x2", "bicubicpp-c8-x2", "bicubicpp-c16-x2", "esr-max-k5-c2-x3", "classsr-w32-x3", "classsr-w32-x2", "rbqe-lite", "rbqe-full"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix(name + " ") }, name)
        }
        XCTAssertEqual(lines.dropLast().last, "Upscaling without --model runs bicubicpp: x2 bicubicpp-c32-x2, "
                       + "x3 bicubicpp-c32-x3, x4 bicubicpp-c32-x3 then bicubic.")
        // What routing runs at each scale, with the classifier that fits those branches.
        let routing = try XCTUnwrap(lines.last)
        XCTAssertTrue(routing.hasPrefix("--preset and live route at x2 between bicubicpp-c8-x2, "), routing)
        XCTAssertTrue(routing.contains("bicubicpp-c32-x2 (classifier: classsr-w32-x2); at x3 between "), routing)
        XCTAssertTrue(routing.hasSuffix("bicubicpp-c32-x3 (classifier: classsr-w32-x3), cheapest first; live and --preset realtime rank tiles by detail (live unless --classifier auto)."), routing)
    }

    /// The speed column: timed for upscalers and for artifact removal (its deepest exit, the
    /// bigger model slower), not for classifiers.
    func testSpeedIsMeasuredForUpscalersAndArtifactRemoval() throws {
        let r = try Tool.clarity(["models"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let speed = Dictionary(uniqueKeysWithValues: r.text.split(separator: "\n").compactMap { line -> (String, String)? in
            let fields = line.split(separator: " ")
            guard let name = fields.first, let last = fields.last, fields.count > 5 else { return nil }
            return (String(name), String(last))
        })
        for name in ["bicubicpp-c32-x3", "esr-max-k5-c2-x3", "rbqe-lite", "rbqe-full"] {
            XCTAssertGreaterThan(Double(speed[name] ?? "") ?? 0, 0, "\(name): \(speed[name] ?? "missing")")
        }
        XCTAssertEqual(speed["classsr-w32-x3"], "-")
        XCTAssertGreaterThan(Double(speed["rbqe-full"]!)!, Double(speed["rbqe-lite"]!)!)
    }
}
