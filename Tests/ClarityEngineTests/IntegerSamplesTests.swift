import CKernels
import ClarityEngine
import XCTest

/// Float samples to integer samples: rounded half up, clamped, NaN to 0, in the vector body
/// and in the scalar tail alike, with every instruction set the CPU has.
final class IntegerSamplesTests: XCTestCase {
    func testRoundingClampingAndSpecialValues() {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            check(isa: isa)
        }
    }

    private func check(isa: String) {
        for (wide, maxValue) in [(false, Float(255)), (true, Float(1023)), (true, Float(65535))] {
            var values: [Float] = [-1, -0.001, 0, 1, 1.5, .nan, .infinity, -.infinity, 0.999_999]
            for k in [0, 1, 2, 127, 128, 254, 255, 256, 511, 1022] {
                // Exact half steps (ties round up), and just either side of them.
                let half = (Float(k) + 0.5) / maxValue
                values += [half, half.nextDown, half.nextUp, Float(k) / maxValue]
            }
            values += (0..<9).map { Float($0) / 7 }  // the count is not a multiple of 16
            let bytes = wide ? 2 : 1
            var row = [UInt8](repeating: 0, count: values.count * bytes)
            values.withUnsafeBufferPointer { v in
                row.withUnsafeMutableBytes { IntegerSamples.store(v.baseAddress!, count: values.count, into: $0.baseAddress!, wide: wide, maxValue: maxValue) }
            }
            for (i, v) in values.enumerated() {
                let scaled = v * maxValue + 0.5  // in Float, as the pipeline computes it
                let expected = v.isNaN ? 0 : Int(min(max(scaled, 0), maxValue).rounded(.down))
                let got = wide ? Int(row[2 * i]) | Int(row[2 * i + 1]) << 8 : Int(row[i])
                XCTAssertEqual(got, expected, "value \(v) (index \(i)), max \(maxValue), \(isa)")
            }
        }
    }

    /// The tiler's write-back: samples with a positive blend weight become the weighted mean of
    /// the models' samples and the canvas's own (at its weight), rounded like `store`; the
    /// others keep the canvas. Every instruction set, 16-lane blocks and the tail.
    func testBlendedStoreKeepsUnweightedSamples() {
        defer { _ = clarity_kernels_cap(2) }
        var generator = SeededRandom(seed: 5)
        let count = 45
        // Model weight only, canvas weight only, both, neither: in turn.
        let weight: [Float] = (0..<count).map { i in i % 4 == 0 || i % 4 == 2 ? generator.uniform(0.1, 2) : 0 }
        let canvasWeight: [Float] = (0..<count).map { i in i % 4 == 1 || i % 4 == 2 ? generator.uniform(0.1, 2) : 0 }
        let acc: [Float] = weight.map { $0 * generator.uniform(-0.1, 1.1) }
        for (wide, maxValue) in [(false, Float(255)), (true, Float(1023))] {
            let canvas: [UInt16] = (0..<count).map { UInt16(Float($0) / Float(count) * maxValue) }
            for level in [2, 1, 0] {
                let isa = String(cString: clarity_kernels_cap(Int32(level)))
                var row = canvas.flatMap { wide ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0)] }
                clarity_store_blended(acc, weight, canvasWeight, count, &row, wide ? 1 : 0, maxValue)
                for i in 0..<count {
                    let got = wide ? UInt16(row[2 * i]) | UInt16(row[2 * i + 1]) << 8 : UInt16(row[i])
                    let w = weight[i] + canvasWeight[i]
                    let scaled = (acc[i] + canvasWeight[i] * (Float(canvas[i]) * (1 / maxValue))) / w * maxValue + 0.5
                    let expected = w > 0 ? UInt16(min(max(scaled, 0), maxValue).rounded(.down)) : canvas[i]
                    XCTAssertEqual(got, expected, "sample \(i), max \(maxValue), \(isa)")
                    if i % 4 == 1 { XCTAssertEqual(got, canvas[i], "the canvas alone is itself, sample \(i), max \(maxValue)") }
                }
            }
        }
    }
}
