import ClarityQuality
import Foundation
import XCTest

final class IQAMTests: XCTestCase {
    // MARK: Tchebichef basis

    func testBasisIsOrthonormal() {
        for n in [2, 3, 4, 5, 8, 16] {
            let p = IQAM.tchebichefBasis(size: n)
            for a in 0..<n {
                for b in 0..<n {
                    let dot = (0..<n).reduce(0.0) { $0 + p[a * n + $1] * p[b * n + $1] }
                    XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-12, "N=\(n): row \(a) . row \(b)")
                }
            }
        }
    }

    func testBasisN4ByHand() {
        // Orthonormal discrete Tchebichef polynomials of size 4, by hand:
        // order 0: 1/2 (1,1,1,1); order 1: (-3,-1,1,3)/sqrt(20); order 2: (1,-1,-1,1)/2;
        // order 3: (-1,3,-3,1)/sqrt(20).
        let s20 = 20.0.squareRoot()
        let expected: [Double] = [0.5, 0.5, 0.5, 0.5,
                                  -3 / s20, -1 / s20, 1 / s20, 3 / s20,
                                  0.5, -0.5, -0.5, 0.5,
                                  -1 / s20, 3 / s20, -3 / s20, 1 / s20]
        let p = IQAM.tchebichefBasis(size: 4)
        for k in 0..<16 { XCTAssertEqual(p[k], expected[k], accuracy: 1e-12, "entry \(k)") }
    }

    // MARK: Single patches, by hand

    func testFlatPatchIsSmoothWithZeroBlockingScore() {
        // A flat patch has no moment beyond M00, which the mean removal zeroes: SSM = 0, so
        // it is smooth, Q_h = Q_w = 0 / C = 0 and its blocking score is log(1)/log(1-T) = 0.
        for n in [4, 8] {
            let a = IQAM(blockSize: n).analyzePatch([Double](repeating: 0.6, count: n * n))
            XCTAssertEqual(a.kind, .smooth)
            XCTAssertEqual(a.ssm, 0, accuracy: 1e-15)
            XCTAssertEqual(a.score, 0, accuracy: 1e-12)
            XCTAssertTrue(a.moments.allSatisfy { abs($0) < 1e-12 })
        }
        // All zero: defined as zero moments (the 0/0 of the normalisation).
        XCTAssertEqual(IQAM.blockCodec.analyzePatch([Double](repeating: 0, count: 16)).score, 0)
    }

    func testFlatPlaneScoresZero() {
        // 16x16 flat plane: 3x3 patches, all smooth with score 0, no textured ones (blur = 1).
        let s = IQAM.blockCodec.score([Float](repeating: 0.5, count: 256), width: 16, height: 16)
        XCTAssertEqual(s.smoothPatches, 9)
        XCTAssertEqual(s.texturedPatches, 0)
        XCTAssertEqual(s.blocky, 0, accuracy: 1e-7)
        XCTAssertEqual(s.blur, 1)
        XCTAssertEqual(s.quality, 0, accuracy: 1e-6)
        // A plane smaller than 2N x 2N has no patch at all: 1 by definition.
        let tiny = IQAM.blockCodec.score([Float](repeating: 0.5, count: 49), width: 7, height: 7)
        XCTAssertEqual(tiny, IQAM.Score(quality: 1, blocky: 1, blur: 1, smoothPatches: 0, texturedPatches: 0))
    }

    func testStepOnBlockEdgeIsBlocking() throws {
        // An 8x8 plane with a small step at column 4 (a coding-block edge for N = 4) has one
        // patch, at (2, 2), with the step in its middle.
        var pixels = [Float](repeating: 0.5, count: 64)
        for y in 0..<8 { for x in 4..<8 { pixels[y * 8 + x] = 0.52 } }
        let s = IQAM.blockCodec.score(pixels, width: 8, height: 8)
        XCTAssertEqual(s.smoothPatches, 1)
        XCTAssertEqual(s.texturedPatches, 0)
        // By hand: each row of the centred patch is 0.01 (-1, -1, +1, +1); against the N = 4
        // basis, horizontal order 1 gives (3 + 1 + 1 + 3)/sqrt(20) = 8/sqrt(20), order 2 gives 0,
        // order 3 gives (1 - 3 - 3 + 1)/sqrt(20) = -4/sqrt(20); vertically only order 0 is hit.
        // So the moments are M(0,1) and M(0,3) = -M(0,1)/2: Q_h (row N-1) = 0 and
        // Q_w (column N-1) = 4/12 = 1/3, clipped to T. Score = log(1 - T/2) / log(1 - T) ~ 0.494.
        let t = IQAM.blockingClip
        let expected = log(1 - (0 + t) / 2) / log(1 - t)
        XCTAssertEqual(s.blocky, expected, accuracy: 1e-6)
        XCTAssertLessThan(s.quality, 1)
        XCTAssertEqual(s.quality, pow(expected, 0.9), accuracy: 1e-6)
        // The same patch analysed alone gives the same verdict.
        let patch = (0..<16).map { Double(pixels[(2 + $0 / 4) * 8 + 2 + $0 % 4]) }
        let a = IQAM.blockCodec.analyzePatch(patch)
        XCTAssertEqual(a.kind, .smooth)
        XCTAssertEqual(a.score, expected, accuracy: 1e-12)
        XCTAssertEqual(abs(a.moments[3]) / abs(a.moments[1]), 0.5, accuracy: 1e-12)
    }

    func testNoisySmoothPatchIsNotBlocky() {
        // Smooth content with fine grain puts energy in the highest orders: Q_h, Q_w reach
        // T and the blocking score is 1.
        var rng = SplitMix(seed: 7)
        let patch = (0..<16).map { _ in 0.5 + 0.01 * (rng.nextDouble() - 0.5) }
        let a = IQAM.blockCodec.analyzePatch(patch)
        XCTAssertEqual(a.kind, .smooth)
        XCTAssertEqual(a.score, 1, accuracy: 1e-9)
    }

    func testBlurredTextureScoresLowerThanSharp() {
        var rng = SplitMix(seed: 11)
        let w = 64, h = 48
        let sharp = (0..<(w * h)).map { _ in Float(rng.nextDouble()) }
        var blurred = sharp
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                var s: Float = 0
                for dy in -1...1 { for dx in -1...1 { s += sharp[(y + dy) * w + x + dx] } }
                blurred[y * w + x] = s / 9
            }
        }
        for iqam in [IQAM.blockCodec, IQAM.jpeg] {
            let a = iqam.score(sharp, width: w, height: h), b = iqam.score(blurred, width: w, height: h)
            XCTAssertGreaterThan(a.texturedPatches, 0)
            XCTAssertLessThan(b.blur, a.blur, "N=\(iqam.blockSize)")
            XCTAssertLessThan(b.quality, a.quality, "N=\(iqam.blockSize)")
        }
    }

    // MARK: The SIMD kernel against the step-by-step reference

    func testKernelMatchesReference() {
        var rng = SplitMix(seed: 3)
        for (w, h) in [(37, 29), (64, 64), (83, 41), (9, 17)] {
            // A mix of smooth ramps, blocks and noise, so both kinds of patch occur.
            let pixels = (0..<(w * h)).map { k -> Float in
                let x = k % w, y = k / w
                let base = 0.2 + 0.005 * Float(x) + 0.003 * Float(y / 4 * 4)
                return x > w / 2 ? base + 0.3 * Float(rng.nextDouble()) : base + 0.002 * Float(rng.nextDouble())
            }
            for iqam in [IQAM.blockCodec, IQAM.jpeg] {
                pixels.withUnsafeBufferPointer { buf in
                    let view = PlaneView(buf, width: w, height: h)
                    let fast = iqam.score(view), reference = iqam.referenceScore(view)
                    XCTAssertEqual(fast.smoothPatches, reference.smoothPatches, "\(w)x\(h) N=\(iqam.blockSize)")
                    XCTAssertEqual(fast.texturedPatches, reference.texturedPatches)
                    XCTAssertEqual(fast.quality, reference.quality, accuracy: 1e-5)
                    XCTAssertEqual(fast.blocky, reference.blocky, accuracy: 1e-5)
                    XCTAssertEqual(fast.blur, reference.blur, accuracy: 1e-5)
                }
            }
        }
    }

    func testOtherBlockSizesUseTheReference() {
        var rng = SplitMix(seed: 5)
        let pixels = (0..<(30 * 30)).map { _ in Float(rng.nextDouble()) }
        let s = IQAM(blockSize: 6).score(pixels, width: 30, height: 30)
        XCTAssertEqual(s.smoothPatches + s.texturedPatches, 16)
    }

    func testScaleInvarianceAndEightBit() {
        var rng = SplitMix(seed: 9)
        let w = 40, h = 36
        let bytes = (0..<(w * h)).map { k -> UInt8 in UInt8((k % w) * 3 + Int(rng.nextDouble() * 30)) }
        let floats = bytes.map { Float($0) / 255 }
        for iqam in [IQAM.blockCodec, IQAM.jpeg] {
            let a = iqam.score(bytes, width: w, height: h), b = iqam.score(floats, width: w, height: h)
            XCTAssertEqual(a.smoothPatches, b.smoothPatches)
            XCTAssertEqual(a.quality, b.quality, accuracy: 1e-5)
        }
    }

    func testRectScoresTheTileAlone() {
        var rng = SplitMix(seed: 13)
        let w = 50, h = 40
        let pixels = (0..<(w * h)).map { _ in Float(rng.nextDouble()) }
        let rect = PlaneRect(x: 8, y: 4, width: 24, height: 20)
        var tile = [Float]()
        for y in rect.y..<(rect.y + rect.height) { tile += pixels[(y * w + rect.x)..<(y * w + rect.x + rect.width)] }
        pixels.withUnsafeBufferPointer { buf in
            let inRect = IQAM.blockCodec.score(PlaneView(buf, width: w, height: h), in: rect)
            XCTAssertEqual(inRect, IQAM.blockCodec.score(tile, width: rect.width, height: rect.height))
            XCTAssertEqual(inRect.smoothPatches + inRect.texturedPatches, 5 * 4)
        }
    }

    // MARK: Against the Python twin (training/iqam.py)

    func testMatchesPythonTwinOnFixtures() throws {
        let json = try Fixtures.json()
        let entries = try XCTUnwrap(json["iqam"] as? [[String: Any]])
        let floatSizes = try XCTUnwrap(json["float_files"] as? [String: [Int]])
        XCTAssertGreaterThanOrEqual(entries.count, 10)
        for e in entries {
            let file = try XCTUnwrap(e["file"] as? String), n = try XCTUnwrap(e["n"] as? Int)
            let iqam = IQAM(blockSize: n)
            let rect = (e["rect"] as? [Int]).map { PlaneRect(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
            let score: IQAM.Score
            if let size = floatSizes[file] {
                let pixels = try Fixtures.float32(file, count: size[0] * size[1])
                score = pixels.withUnsafeBufferPointer { buf in
                    let v = PlaneView(buf, width: size[0], height: size[1])
                    return rect.map { iqam.score(v, in: $0) } ?? iqam.score(v)
                }
            } else {
                let img = try Fixtures.netpbm(file)
                score = img.pixels.withUnsafeBufferPointer { buf in
                    let v = PlaneView(buf, width: img.width, height: img.height)
                    return rect.map { iqam.score(v, in: $0) } ?? iqam.score(v)
                }
            }
            let label = "\(file) N=\(n) rect=\(String(describing: rect))"
            XCTAssertEqual(score.smoothPatches, e["smooth"] as? Int, label)
            XCTAssertEqual(score.texturedPatches, e["textured"] as? Int, label)
            XCTAssertEqual(score.quality, try XCTUnwrap(e["quality"] as? Double), accuracy: 1e-4, label)
            XCTAssertEqual(score.blocky, try XCTUnwrap(e["blocky"] as? Double), accuracy: 1e-4, label)
            XCTAssertEqual(score.blur, try XCTUnwrap(e["blur"] as? Double), accuracy: 1e-4, label)
        }
    }

    // MARK: Speed

    func testSpeed720p() {
        var rng = SplitMix(seed: 17)
        let w = 1280, h = 720
        // Photographic-like mix: smooth gradient on the left, texture on the right.
        let plane = (0..<(w * h)).map { k -> Float in
            let x = k % w, y = k / w
            let base = 0.3 + 0.0002 * Float(x) + 0.0003 * Float(y)
            return x < w / 2 ? base + 0.004 * Float(rng.nextDouble()) : base + 0.25 * Float(rng.nextDouble())
        }
        for iqam in [IQAM.blockCodec, IQAM.jpeg] {
            var times: [Double] = []
            var score = IQAM.Score(quality: 0, blocky: 0, blur: 0, smoothPatches: 0, texturedPatches: 0)
            for _ in 0..<7 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                score = iqam.score(plane, width: w, height: h)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            times.sort()
            print("IQAM N=\(iqam.blockSize) on 1280x720 float: median \(String(format: "%.2f", times[3])) ms, "
                  + "min \(String(format: "%.2f", times[0])) ms (\(score))")
            #if !DEBUG
            XCTAssertLessThan(times[0], 100, "IQAM should take a few ms on 720p")
            #endif
        }
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
