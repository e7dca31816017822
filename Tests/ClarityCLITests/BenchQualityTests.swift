import ClarityEngine
import Foundation
import XCTest

/// `clarity bench quality` end to end on one small photo crop (a test-split photo).
final class BenchQualityTests: ToolTestCase {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ClarityMediaTests/Fixtures/photo_192.png").standardizedFileURL

    struct Report: Decodable {
        struct Row: Decodable {
            var method: String, psnr: Double, ssim: Double, gainOverBicubic: Double
            var msPer720pFrame: Double?, macsPerOutputPixel: Double?
        }
        var scale: Int, degradation: String, deartifact: String?, images: [String], rows: [Row]
    }

    func bench(_ arguments: [String]) throws -> Report {
        try FileManager.default.createDirectory(atPath: path("images"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.photo.path, toPath: path("images/photo.png"))
        let r = try Tool.clarity(["bench", "quality", "--images", path("images"), "--json"] + arguments, in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONDecoder().decode(Report.self, from: r.stdout)
    }

    func testClassicalRows() throws {
        let report = try bench(["--models", "none", "--no-speed"])
        XCTAssertEqual(report.images.count, 1)
        XCTAssertEqual(report.rows.map(\.method), ["bicubic (swscale)", "lanczos (swscale)", "bicubic (PIL)"])
        let bicubic = report.rows[0]
        XCTAssert(bicubic.psnr.isFinite && bicubic.psnr > 22 && bicubic.psnr < 45, "bicubic \(bicubic.psnr) dB")
        XCTAssert(bicubic.ssim > 0.5 && bicubic.ssim < 1)
        XCTAssertEqual(bicubic.gainOverBicubic, 0)
        // On a photo, lanczos is sharper than swscale bicubic, and PIL's bicubic (a = -0.5) softer.
        XCTAssertGreaterThan(report.rows[1].gainOverBicubic, 0)
        XCTAssertLessThan(report.rows[2].gainOverBicubic, 0)
    }

    func testModelRowWithMACsAndSpeed() throws {
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 7)
        try model.serialized().write(to: URL(fileURLWithPath: path("random-c8.safetensors")))
        let report = try bench(["--models", path("random-c8.safetensors"), "--degrade", "h264qp32"])
        XCTAssertEqual(report.degradation, "h264qp32")
        let row = try XCTUnwrap(report.rows.first { $0.method == "random-c8" })
        XCTAssert(row.psnr.isFinite)
        // conv0 (1->8, stride 2), two 8->8, 8->36, over 9 output pixels per LR pixel.
        XCTAssertEqual(try XCTUnwrap(row.macsPerOutputPixel), Double(18 + 2 * 144 + 648) / 9, accuracy: 1e-9)
        XCTAssertGreaterThan(try XCTUnwrap(row.msPer720pFrame), 0)
        XCTAssertGreaterThan(try XCTUnwrap(report.rows[0].msPer720pFrame), 0)
    }

    /// A model named at another scale runs at its own, then bicubic takes it to --scale (as
    /// `--model` does): its MACs spread over the smaller output, and it still beats bicubic.
    func testAModelOfAnotherScaleIsResized() throws {
        let x3 = try bench(["--models", "bicubicpp-c32-x3", "--no-speed"])
        try FileManager.default.removeItem(atPath: path("images"))
        let x2 = try bench(["--models", "bicubicpp-c32-x3", "--scale", "2", "--no-speed"])
        let own = try XCTUnwrap(x3.rows.first { $0.method == "bicubicpp-c32-x3" })
        let resized = try XCTUnwrap(x2.rows.first { $0.method == "bicubicpp-c32-x3, then bicubic" })
        XCTAssertEqual(try XCTUnwrap(resized.macsPerOutputPixel), try XCTUnwrap(own.macsPerOutputPixel) * 9 / 4, accuracy: 1e-6)
        XCTAssertGreaterThan(resized.gainOverBicubic, 0.3)
    }

    /// With --deartifact, every method is scored again on the LR cleaned by RBQE: the cleaned
    /// rows follow the plain ones, and at QP 42 the cleaned LR upscales better.
    func testMethodsAfterArtifactRemoval() throws {
        let report = try bench(["--models", "bicubicpp-c8-x3", "--degrade", "h264qp42", "--deartifact", "max", "--no-speed"])
        XCTAssertEqual(report.deartifact, "rbqe-lite max")
        let plain = ["bicubic (swscale)", "lanczos (swscale)", "bicubic (PIL)", "bicubicpp-c8-x3"]
        XCTAssertEqual(report.rows.map(\.method), plain + plain.map { "\($0) after rbqe-lite (max)" })
        for (raw, cleaned) in zip(report.rows.prefix(4), report.rows.suffix(4)) {
            XCTAssert(cleaned.psnr.isFinite)
            XCTAssertGreaterThan(cleaned.psnr, raw.psnr, "\(cleaned.method) vs \(raw.method)")
            XCTAssertEqual(cleaned.gainOverBicubic, cleaned.psnr - report.rows[0].psnr, accuracy: 1e-9)
        }
        let r = try Tool.clarity(["bench", "quality", "--images", path("images"), "--deartifact", "auto",
                                  "--deartifact-model", "bicubicpp-c8-x3", "--models", "none"], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssert(r.stderr.contains("not an artifact-removal model"), r.stderr)
    }
}
