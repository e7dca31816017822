import ClarityEngine
import ClarityModels
import ClarityQuality
import Foundation
import XCTest

/// Every bundled model loads, runs on the engine exactly as PyTorch runs it, and holds its
/// quality on a small test-split photo crop. The reference file is made by
/// `training/make_reference.py` from the same model files (PyTorch reference interpreter).
final class BundledModelTests: XCTestCase {
    static let referenceURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference-io.safetensors")

    /// `__metadata__["clarity_reference"]`: per model, its scale and PyTorch's Y-PSNR vs HR.
    struct Listing: Decodable {
        struct Entry: Decodable {
            var scale: Int
            var psnr_vs_hr: Double?
            /// Artifact removal: the compressed input's and each exit's Y-PSNR vs the original.
            var psnr_input: Double?
            var psnr_exits: [Double]?
            /// Tile classifiers: PyTorch's class for each reference tile.
            var classes: [Int]?
        }
        var models: [String: Entry]
    }

    func testEveryBundledModelMatchesPyTorchAndHoldsItsPSNR() throws {
        let files = ModelCatalog.bundled
        XCTAssertFalse(files.isEmpty, "the build bundles no models")
        let reference = try SafetensorsFile(contentsOf: Self.referenceURL)
        let listing = try JSONDecoder().decode(Listing.self, from: Data((reference.metadata["clarity_reference"] ?? "{}").utf8))
        for url in files {
            let model = try Model(contentsOf: url)
            if model.graph.task == "classify" {
                try checkClassifier(model, reference: reference, entry: try XCTUnwrap(listing.models[model.graph.name]))
                continue
            }
            if model.graph.task == "deartifact" {
                try checkArtifactRemover(model, reference: reference, entry: try XCTUnwrap(listing.models[model.graph.name]))
                continue
            }
            let name = model.graph.name, s = model.graph.scale
            let lr = try XCTUnwrap(reference.tensors["lr_x\(s)"], "no LR input for x\(s)")
            let hr = try XCTUnwrap(reference.tensors["hr_x\(s)"])
            let want = try XCTUnwrap(reference.tensors["out.\(name)"], "\(name) missing from the reference file: rerun make_reference.py")
            let (h, w) = (lr.shape[2], lr.shape[3])
            for tile in [0, 24] {
                let out = try Tiler(tile: tile).run(Plane(width: w, height: h, data: lr.values), model: model)
                XCTAssertEqual(out.width, w * s)
                let agreement = psnr(out.data, want.values, width: w * s, height: h * s, peak: 1)
                XCTAssertGreaterThan(agreement, 50, "\(name) (tile \(tile)) differs from PyTorch")
            }
            let out = try Tiler(tile: 0).run(Plane(width: w, height: h, data: lr.values), model: model)
            let eight = UpscaleProtocol.quantized(out.data, multiplier: 255)
            let quality = UpscaleProtocol.score(eight, reference: hr.values.map { $0 * 255 }, width: w * s, height: h * s, border: s).psnr
            let expected = try XCTUnwrap(listing.models[name]?.psnr_vs_hr)
            XCTAssertEqual(quality, expected, accuracy: 0.05, "\(name) Y-PSNR on the reference crop")
            let lrEight = UpscaleProtocol.quantized(lr.values, multiplier: 255)
            let bicubic = pilResize(lrEight.map(Float.init), width: w, height: h, toWidth: w * s, height: h * s, filter: .bicubic)
            let floor = UpscaleProtocol.score(UpscaleProtocol.quantized(bicubic), reference: hr.values.map { $0 * 255 },
                                              width: w * s, height: h * s, border: s).psnr
            XCTAssertGreaterThan(quality, floor, "\(name) must beat bicubic on the reference crop")
        }
    }

    /// Every bundled upscaler, tiled in batches and composited onto an 8-bit frame as routed
    /// upscaling runs it, gives its whole-frame output (to the rounding): the batched plans
    /// take other kernels and layouts than the whole frame's.
    func testBundledUpscalersCompositeAsTheyRunWhole() throws {
        let reference = try SafetensorsFile(contentsOf: Self.referenceURL)
        for url in ModelCatalog.bundled {
            let model = try Model(contentsOf: url)
            guard model.graph.task != "classify", model.graph.task != "deartifact" else { continue }
            let s = model.graph.scale
            let lr = try XCTUnwrap(reference.tensors["lr_x\(s)"])
            let plane = Plane(width: lr.shape[3], height: lr.shape[2], data: lr.values)
            let whole = try Tiler(tile: 0).run(plane, model: model)
            for batch in [1, 2, 4] {
                let tiler = Tiler(tile: 16, batchSize: batch)
                let grid = tiler.grid(width: plane.width, height: plane.height, models: [model])
                var frame = [UInt8](repeating: 0, count: whole.data.count)
                _ = try frame.withUnsafeMutableBufferPointer {
                    try tiler.composite(plane, models: [model], grid: grid, assignment: grid.tiles.map { _ in 0 }, onto: $0.baseAddress!,
                                        stride: whole.width, wide: false, maxValue: 255)
                }
                let worst = zip(frame, whole.data).map { abs(Float($0) - min(max(($1 * 255).rounded(), 0), 255)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1, "\(model.graph.name), batches of \(batch)")
            }
        }
    }

    /// int8 needs no calibration run for any bundled model (so routing, which times its models
    /// before the first frame, can use it): each carries its value ranges, or quantizes nothing
    /// (eSR's one-channel convs stay fp32), and then runs exactly as in fp32.
    func testEveryBundledModelRunsInInt8FromItsFile() throws {
        let reference = try SafetensorsFile(contentsOf: Self.referenceURL)
        var unquantized: [String] = []
        for url in ModelCatalog.bundled {
            let model = try Model(contentsOf: url)
            XCTAssertFalse(model.lacksInt8Ranges, "\(model.graph.name) needs ranges it does not carry")
            guard !model.graph.quantizesUnderInt8 else { continue }
            unquantized.append(model.graph.name)
            let lr = try XCTUnwrap(reference.tensors["lr_x\(model.graph.scale)"])
            let input = Tensor(n: 1, h: lr.shape[2], w: lr.shape[3], c: 1, data: lr.values)
            XCTAssertEqual(try model.run(input, precision: .int8)[0].data, try model.run(input)[0].data, model.graph.name)
        }
        XCTAssertEqual(unquantized.sorted(), ["esr-max-k5-c2-x3", "esr-tm-k5-c4-x2-res", "esr-tm-k5-c4-x3", "esr-tr-k5-c2-x3"])
    }

    /// Every exit matches PyTorch, holds its Y-PSNR, and beats the compressed input.
    func checkArtifactRemover(_ model: Model, reference: SafetensorsFile, entry: Listing.Entry) throws {
        let name = model.graph.name
        let lq = try XCTUnwrap(reference.tensors["lq"]), gt = try XCTUnwrap(reference.tensors["gt"])
        let (h, w) = (lq.shape[2], lq.shape[3])
        let outs = try model.run(Tensor(n: 1, h: h, w: w, c: 1, data: lq.values))
        let expected = try XCTUnwrap(entry.psnr_exits)
        XCTAssertEqual(outs.count, expected.count)
        let truth = gt.values.map { $0 * 255 }
        for (k, out) in outs.enumerated() {
            let want = try XCTUnwrap(reference.tensors["out.\(name).\(k)"], "rerun make_reference.py")
            XCTAssertGreaterThan(psnr(out.data, want.values, width: w, height: h, peak: 1), 50, "\(name) exit \(k) differs from PyTorch")
            let quality = UpscaleProtocol.score(UpscaleProtocol.quantized(out.data, multiplier: 255), reference: truth,
                                                width: w, height: h, border: 0).psnr
            XCTAssertEqual(quality, expected[k], accuracy: 0.05, "\(name) exit \(k) Y-PSNR on the reference crop")
            XCTAssertGreaterThan(quality, try XCTUnwrap(entry.psnr_input), "\(name) exit \(k) must improve on the compressed crop")
        }
    }

    /// Logits match PyTorch, classes agree, and every branch it routes to is bundled.
    func checkClassifier(_ model: Model, reference: SafetensorsFile, entry: Listing.Entry) throws {
        let name = model.graph.name
        let tiles = try XCTUnwrap(reference.tensors["tiles32"])
        let want = try XCTUnwrap(reference.tensors["out.\(name)"], "rerun make_reference.py")
        let got = try model.run(Tensor(n: tiles.shape[0], h: tiles.shape[2], w: tiles.shape[3], c: 1, data: tiles.values))[0]
        let worst = zip(got.data, want.values).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-3, "\(name) logits differ from PyTorch")
        let classes = (0..<tiles.shape[0]).map { i in (0..<3).max { got.data[i * 3 + $0] < got.data[i * 3 + $1] }! }
        XCTAssertEqual(classes, entry.classes)
        let bundled = Set(ModelCatalog.bundled.map { $0.deletingPathExtension().lastPathComponent })
        for branch in try XCTUnwrap(model.graph.branches) { XCTAssertTrue(bundled.contains(branch), "\(name) routes to \(branch), not bundled") }
    }
}
