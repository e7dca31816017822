import CKernels
import ClarityEngine
import XCTest

/// The kernels that burn subtitles, against plain loops: a mask coated over RGBA planes, the
/// planes averaged into one component's codes, the codes laid under frame samples, and a
/// picture's rows resampled to the frame, with every instruction set the CPU has, in 16-lane
/// blocks and tails, contiguous and strided.
final class SubtitleKernelTests: XCTestCase {
    private let levels: [Int32] = [2, 1, 0]

    func testACoatMixesItsPaintByTheMaskAndLeavesClearPixels() {
        defer { _ = clarity_kernels_cap(2) }
        var generator = SeededRandom(seed: 11)
        let (count, stride) = (37, 40)
        let mask: [UInt8] = (0..<count).map { $0 % 5 == 0 ? 0 : $0 % 7 == 0 ? 255 : UInt8(generator.uniform(1, 254)) }
        let paint: [Float] = [0.9, 0.2, 0.5, 1]
        let opacity = Float(200) / (255 * 255)
        let before: [Float] = (0..<4 * stride).map { _ in generator.uniform(0, 1) }
        for level in levels {
            let isa = String(cString: clarity_kernels_cap(level))
            var planes = before
            clarity_coat_row(mask, count, paint, opacity, &planes, stride)
            for c in 0..<4 {
                for x in 0..<stride {
                    let old = before[c * stride + x]
                    guard x < count else { XCTAssertEqual(planes[c * stride + x], old, "past the row, \(isa)"); continue }
                    let a = Float(mask[x]) * opacity
                    XCTAssertEqual(planes[c * stride + x], paint[c] * a + old * (1 - a), "channel \(c), pixel \(x), \(isa)")
                    if mask[x] == 0 { XCTAssertEqual(planes[c * stride + x], old, "a clear pixel is kept, \(isa)") }
                }
            }
        }
    }

    func testALayerRowAveragesBlocksDownThenAcross() {
        defer { _ = clarity_kernels_cap(2) }
        var generator = SeededRandom(seed: 12)
        let stride = 72
        let rgba: [Float] = (0..<2 * 4 * stride).map { _ in generator.uniform(0, 1) }
        let weights: [Float] = [0.2, 0.6, 0.1, 16]
        for (rows, bx) in [(1, 1), (2, 2), (1, 2), (2, 1), (2, 4)] {
            let count = stride / bx - 1  // not a multiple of 16
            let share = 1 / Float(rows * bx)
            let scaled = weights.map { $0 * share } + [share]
            for level in levels {
                let isa = String(cString: clarity_kernels_cap(level))
                var (value, alpha) = ([Float](repeating: -1, count: count + 1), [Float](repeating: -1, count: count + 1))
                clarity_layer_row(rgba, stride, Int32(rows), Int32(bx), count, scaled, &value, &alpha)
                for k in 0..<count {
                    var sum = [Float](repeating: 0, count: 4)
                    for c in 0..<4 {
                        for j in 0..<bx {
                            var down = rgba[c * stride + k * bx + j]
                            for r in 1..<rows { down += rgba[(r * 4 + c) * stride + k * bx + j] }
                            sum[c] += down
                        }
                    }
                    let expected = scaled[0] * sum[0] + scaled[1] * sum[1] + scaled[2] * sum[2] + scaled[3] * sum[3]
                    XCTAssertEqual(value[k], expected, "\(rows)x\(bx) block \(k), \(isa)")
                    XCTAssertEqual(alpha[k], sum[3] * share, "\(rows)x\(bx) block \(k), \(isa)")
                }
                XCTAssertEqual(value[count], -1, "past the row")
                XCTAssertEqual(alpha[count], -1, "past the row")
            }
        }
    }

    func testLayingUnderRoundsClampsAndKeepsTheWordsOtherBits() {
        defer { _ = clarity_kernels_cap(2) }
        var generator = SeededRandom(seed: 13)
        let count = 41
        let alpha: [Float] = (0..<count).map { $0 % 4 == 0 ? 0 : $0 % 4 == 1 ? 1 : generator.uniform(0, 1) }
        // Contiguous bytes; contiguous 10-bit words; 10-bit words 6 bits up (P010); bytes 3
        // apart (packed RGB); 16-bit words 8 bytes apart (RGBA64).
        for (step, shift, wide, depth) in [(1, 0, false, 8), (2, 0, true, 10), (2, 6, true, 10), (3, 0, false, 8), (8, 0, true, 16)] {
            let top = Float((1 << depth) - 1)
            // Values past both ends of the range, and exact halves.
            let value: [Float] = (0..<count).map { i in
                alpha[i] == 0 ? 0 : i % 9 == 2 ? -3 : i % 9 == 3 ? top * 1.2 : i % 9 == 5 ? 100.5 : alpha[i] * generator.uniform(0, top)
            }
            let words: [UInt32] = (0..<count).map { _ in UInt32(generator.uniform(0, 65535)) }
            var before = [UInt8](repeating: 0xA5, count: count * step + 2)
            for x in 0..<count {
                before[x * step] = UInt8(words[x] & 0xFF)
                if wide { before[x * step + 1] = UInt8(words[x] >> 8 & 0xFF) }
            }
            for level in levels {
                let isa = String(cString: clarity_kernels_cap(level))
                var row = before
                clarity_lay_under(value, alpha, count, &row, step, Int32(shift), wide ? 1 : 0, Int32(depth))
                let mask = UInt32((1 << depth) - 1)
                for x in 0..<count {
                    let old = wide ? UInt32(before[x * step]) | UInt32(before[x * step + 1]) << 8 : UInt32(before[x * step])
                    let got = wide ? UInt32(row[x * step]) | UInt32(row[x * step + 1]) << 8 : UInt32(row[x * step])
                    let mixed = value[x] + (1 - alpha[x]) * Float(old >> UInt32(shift) & mask) + 0.5
                    let sample = UInt32(min(max(mixed, 0), top).rounded(.down))
                    XCTAssertEqual(got, old & ~(mask << UInt32(shift)) | sample << UInt32(shift), "sample \(x), \(depth) bits at \(shift), step \(step), \(isa)")
                    if alpha[x] == 0 { XCTAssertEqual(got, old, "clear: kept, sample \(x), \(isa)") }
                }
                for i in 0..<row.count where i % step >= (wide ? 2 : 1) || i >= count * step {
                    XCTAssertEqual(row[i], before[i], "a byte between samples, \(i), \(isa)")
                }
            }
        }
    }

    /// Each output sample sums its taps in order from 0, each product rounded before it is
    /// added, exactly as a plain loop in Swift (no fused multiply-add): padded zero taps
    /// change nothing.
    func testGatheredTapsSumInOrderWithoutFusing() {
        defer { _ = clarity_kernels_cap(2) }
        var generator = SeededRandom(seed: 14)
        let (width, count, taps) = (53, 37, 3)
        let src: [Float] = (0..<width).map { _ in generator.uniform(0, 1) }
        let first: [Int32] = (0..<count).map { Int32(min(width - taps, $0 * width / count)) }
        let weights: [Float] = (0..<taps * count).map { $0 % 7 == 0 ? 0 : generator.uniform(0, 1) / 3 }
        for level in levels {
            let isa = String(cString: clarity_kernels_cap(level))
            var dst = [Float](repeating: -1, count: count + 1)
            clarity_gather_taps(src, first, weights, Int32(taps), count, &dst)
            for o in 0..<count {
                var sum: Float = 0
                for j in 0..<taps { sum += weights[j * count + o] * src[Int(first[o]) + j] }
                XCTAssertEqual(dst[o], sum, "sample \(o), \(isa)")
            }
            XCTAssertEqual(dst[count], -1, "past the row, \(isa)")
        }
    }
}
