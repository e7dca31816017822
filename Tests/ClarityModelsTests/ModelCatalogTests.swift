import ClarityModels
import ClarityEngine
import XCTest

/// How a `--model` argument finds a bundled model: a full name, or a family's member with the
/// best validation PSNR at the requested scale (its own, or followed by a resize), else the
/// nearest scale above (then the nearest below).
final class ModelCatalogTests: XCTestCase {
    func testFamiliesPickTheBestAtTheScale() throws {
        // On val at x2: bicubicpp-c32-x2 35.381 dB, c32-x3 then bicubic 35.356; esr-tm-k5-c4-x3
        // then bicubic 34.526, esr-tm-k5-c4-x2-res 34.595. At x4, each then bicubic:
        // bicubicpp-c32-x3 30.248, c32-x2 30.198; esr-tm x2 29.748, x3 29.706.
        let x2 = try ModelCatalog.load("bicubicpp", scale: 2)
        XCTAssertEqual(x2.graph.name, "bicubicpp-c32-x2")
        let x3 = try ModelCatalog.load("bicubicpp-c32-x3", scale: 2)
        XCTAssertGreaterThan(try XCTUnwrap(ModelSummary(x2).validationPSNR), try XCTUnwrap(ModelSummary(x3).validationPSNRAt[2]))
        XCTAssertEqual(try ModelCatalog.load("bicubicpp", scale: 4).graph.name, "bicubicpp-c32-x3")
        XCTAssertEqual(try ModelCatalog.load("esr-tm", scale: 2).graph.name, "esr-tm-k5-c4-x2-res")
        XCTAssertEqual(try ModelCatalog.load("esr-tm", scale: 4).graph.name, "esr-tm-k5-c4-x2-res")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp", scale: 3).graph.name, "bicubicpp-c32-x3")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp-c8", scale: 4).graph.scale, 3, "no figure at x4: the nearest scale below")
        XCTAssertEqual(try ModelCatalog.load("esr-max", scale: 2).graph.scale, 3, "its only member, by its x2 figure")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp-c8-x3", scale: 2).graph.name, "bicubicpp-c8-x3", "a full name is taken as it is")
        XCTAssertThrowsError(try ModelCatalog.load("nosuch", scale: 3)) { error in
            XCTAssertTrue("\(error)".contains("no bundled model or family 'nosuch'"), "\(error)")
        }
    }

    /// A router's tiles leave a classical canvas, so a model's gain is counted over that
    /// canvas: every bundled upscaler carries swscale's bicubic and Lanczos val figures at its
    /// scale, and Lanczos, better than PIL's bicubic there, leaves eSR-MAX x3 almost nothing.
    func testGainsAreOverTheCanvas() throws {
        for path in ModelCatalog.bundled {
            let summary = ModelSummary(try Model(contentsOf: path))
            guard summary.task == "upscale" else { continue }
            let psnr = try XCTUnwrap(summary.validationPSNR), bicubic = try XCTUnwrap(summary.validationPSNRBicubic)
            let lanczos = try XCTUnwrap(summary.validationPSNRCanvas["lanczos"], summary.name)
            XCTAssertNotNil(summary.validationPSNRCanvas["bicubic"], summary.name)
            XCTAssertGreaterThan(lanczos, bicubic, summary.name)
            XCTAssertEqual(try XCTUnwrap(summary.validationGain(over: "lanczos")), psnr - lanczos, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(summary.validationGain(over: "gauss")), psnr - bicubic, accuracy: 1e-9, "no figure: over PIL's bicubic")
        }
        let esrMax = ModelSummary(try ModelCatalog.load("esr-max-k5-c2-x3", scale: 3))
        XCTAssertLessThan(try XCTUnwrap(esrMax.validationGain(over: "lanczos")), 0.05)
        XCTAssertGreaterThan(try XCTUnwrap(esrMax.validationGain(over: "bicubic")), 0.2)
    }

    /// The smallest scale that reaches the ratio, else the largest (the rest is a classical resize).
    func testNearestScaleReachesTheRatio() {
        let scales: Set<Int> = [2, 3]
        XCTAssertEqual(ModelCatalog.nearestScale(in: scales, reaching: 1.5), 2)
        XCTAssertEqual(ModelCatalog.nearestScale(in: scales, reaching: 2), 2)
        XCTAssertEqual(ModelCatalog.nearestScale(in: scales, reaching: 2.5), 3)
        XCTAssertEqual(ModelCatalog.nearestScale(in: scales, reaching: 4), 3)
        XCTAssertNil(ModelCatalog.nearestScale(in: [], reaching: 2))
    }
}
