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
}
