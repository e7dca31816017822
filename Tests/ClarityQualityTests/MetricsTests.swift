import ClarityQuality
import Foundation
import XCTest

final class MetricsTests: XCTestCase {
    // MARK: PSNR

    func testPSNRIdenticalIsInfiniteOrCapped() {
        let a: [UInt8] = (0..<100).map { UInt8($0) }
        XCTAssertEqual(psnr(a, a, width: 10, height: 10), .infinity)
        XCTAssertEqual(psnr(a, a, width: 10, height: 10, cap: 100), 100)
        let f = a.map { Float($0) / 255 }
        XCTAssertEqual(psnr(f, f, width: 10, height: 10), .infinity)
        XCTAssertEqual(psnr(mse: 0, peak: 255, cap: 99), 99)
    }

    func testPSNRByHand() {
        // Every sample off by 1: MSE 1, PSNR = 20 log10(255) = 48.1308 dB.
        let a = [UInt8](repeating: 100, count: 64), b = [UInt8](repeating: 101, count: 64)
        XCTAssertEqual(psnr(a, b, width: 8, height: 8), 20 * log10(255.0), accuracy: 1e-12)
        // Errors only on the outer ring are removed by a border of 1.
        var c = a
        for y in 0..<8 { for x in 0..<8 where x == 0 || y == 0 || x == 7 || y == 7 { c[y * 8 + x] = 0 } }
        XCTAssertEqual(psnr(a, c, width: 8, height: 8, border: 1), .infinity)
        c[3 * 8 + 3] = 110  // one inner sample off by 10 among 6x6: MSE = 100/36
        XCTAssertEqual(psnr(a, c, width: 8, height: 8, border: 1), 10 * log10(255.0 * 255 * 36 / 100), accuracy: 1e-12)
        // Float, peak 1: every sample off by 0.1 -> 20 dB.
        let f = [Float](repeating: 0.5, count: 30), g = [Float](repeating: 0.6, count: 30)
        XCTAssertEqual(psnr(f, g, width: 6, height: 5), 20, accuracy: 1e-5)
    }

    func testStridedViewAndRect() {
        // A 4x3 plane inside rows of 6: the padding must be ignored.
        let a: [UInt8] = [1, 2, 3, 4, 99, 99, 5, 6, 7, 8, 99, 99, 9, 10, 11, 12, 99, 99]
        let b: [UInt8] = [1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0, 9, 10, 11, 13, 0]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let va = PlaneView(pa, width: 4, height: 3, rowStride: 6)
                let vb = PlaneView(pb, width: 4, height: 3, rowStride: 6)
                XCTAssertEqual(meanSquaredError(va, vb), 1.0 / 12, accuracy: 1e-15)
                let r = PlaneRect(x: 1, y: 0, width: 2, height: 3)
                XCTAssertEqual(meanSquaredError(va.cropped(to: r), vb.cropped(to: r)), 0)
            }
        }
    }

    // MARK: Luma

    func testBT601Luma() {
        XCTAssertEqual(bt601Luma(r: 0, g: 0, b: 0), 16, accuracy: 1e-12)
        XCTAssertEqual(bt601Luma(r: 1, g: 1, b: 1), 235, accuracy: 1e-12)
        let y = bt601LumaPlane(rgb: [255, 0, 0, 0, 255, 0, 0, 0, 255], width: 3, height: 1)
        XCTAssertEqual(Double(y[0]), 16 + 65.481, accuracy: 1e-4)
        XCTAssertEqual(Double(y[1]), 16 + 128.553, accuracy: 1e-4)
        XCTAssertEqual(Double(y[2]), 16 + 24.966, accuracy: 1e-4)
        let rgba = bt601LumaPlane(rgb: [255, 0, 0, 7, 0, 255, 0, 7], width: 2, height: 1, channels: 4)
        XCTAssertEqual(Double(rgba[1]), 16 + 128.553, accuracy: 1e-4)
    }

    // MARK: SSIM

    func testSSIMIdenticalIsOne() {
        var rng = SplitMix(seed: 21)
        let a = (0..<(32 * 24)).map { _ in UInt8(rng.next() & 0xFF) }
        XCTAssertEqual(ssim(a, a, width: 32, height: 24), 1, accuracy: 1e-12)
        let f = a.map { Float($0) }
        XCTAssertEqual(ssim(f, f, width: 32, height: 24, dataRange: 255, border: 3), 1, accuracy: 1e-12)
        // A flat pair with different levels: only the luminance term remains.
        let p = [UInt8](repeating: 100, count: 144), q = [UInt8](repeating: 110, count: 144)
        let c1 = (0.01 * 255) * (0.01 * 255)
        XCTAssertEqual(ssim(p, q, width: 12, height: 12), (2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1), accuracy: 1e-12)
    }

    // MARK: Against numpy / scikit-image (fixtures.json)

    func testPSNRAndSSIMMatchReferences() throws {
        let json = try Fixtures.json()
        for e in try XCTUnwrap(json["psnr8"] as? [[String: Any]]) {
            let a = try Fixtures.netpbm(try XCTUnwrap(e["a"] as? String))
            let b = try Fixtures.netpbm(try XCTUnwrap(e["b"] as? String))
            let border = try XCTUnwrap(e["border"] as? Int)
            XCTAssertEqual(psnr(a.pixels, b.pixels, width: a.width, height: a.height, border: border),
                           try XCTUnwrap(e["psnr"] as? Double), accuracy: 1e-9)
        }
        let ssims = json["ssim8"] as? [[String: Any]] ?? []
        if json["skimage"] is String { XCTAssertFalse(ssims.isEmpty) }
        for e in ssims {
            let a = try Fixtures.netpbm(try XCTUnwrap(e["a"] as? String))
            let b = try Fixtures.netpbm(try XCTUnwrap(e["b"] as? String))
            let border = try XCTUnwrap(e["border"] as? Int)
            XCTAssertEqual(ssim(a.pixels, b.pixels, width: a.width, height: a.height, border: border),
                           try XCTUnwrap(e["ssim"] as? Double), accuracy: 1e-9)
        }
        let sizes = try XCTUnwrap(json["float_files"] as? [String: [Int]])
        for e in try XCTUnwrap(json["psnr_float"] as? [[String: Any]]) {
            let na = try XCTUnwrap(e["a"] as? String), nb = try XCTUnwrap(e["b"] as? String)
            let size = try XCTUnwrap(sizes[na])
            let a = try Fixtures.float32(na, count: size[0] * size[1])
            let b = try Fixtures.float32(nb, count: size[0] * size[1])
            let border = try XCTUnwrap(e["border"] as? Int)
            XCTAssertEqual(psnr(a, b, width: size[0], height: size[1], peak: 1, border: border),
                           try XCTUnwrap(e["psnr"] as? Double), accuracy: 1e-5)
            if let reference = e["ssim"] as? Double {
                XCTAssertEqual(ssim(a, b, width: size[0], height: size[1], dataRange: 1, border: border),
                               reference, accuracy: 1e-6)
            }
        }
        for e in try XCTUnwrap(json["rgb"] as? [[String: Any]]) {
            let a = try Fixtures.netpbm(try XCTUnwrap(e["a"] as? String))
            let b = try Fixtures.netpbm(try XCTUnwrap(e["b"] as? String))
            let border = try XCTUnwrap(e["border"] as? Int)
            XCTAssertEqual(a.channels, 3)
            XCTAssertEqual(yPSNR(a.pixels, b.pixels, width: a.width, height: a.height, border: border),
                           try XCTUnwrap(e["ypsnr"] as? Double), accuracy: 1e-4)
            if let reference = e["yssim"] as? Double {
                XCTAssertEqual(ySSIM(a.pixels, b.pixels, width: a.width, height: a.height, border: border),
                               reference, accuracy: 1e-6)
            }
        }
    }

    func testSSIMSpeed720p() {
        var rng = SplitMix(seed: 23)
        let w = 1280, h = 720
        let a = (0..<(w * h)).map { _ in UInt8(rng.next() & 0xFF) }
        let b = a.map { $0 / 2 + 40 }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let s = ssim(a, b, width: w, height: h)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let p = psnr(a, b, width: w, height: h)
        let t2 = DispatchTime.now().uptimeNanoseconds
        print("SSIM 1280x720 8-bit: \(String(format: "%.1f", Double(t1 - t0) / 1e6)) ms (\(s)); "
              + "PSNR: \(String(format: "%.2f", Double(t2 - t1) / 1e6)) ms (\(p) dB)")
    }
}
