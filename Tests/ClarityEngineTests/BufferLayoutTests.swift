import ClarityEngine
import XCTest

/// Intermediate tensors placed in one buffer: never two alive at a common step in the same
/// bytes, and a plan's buffer far smaller than its tensors apart, with the same results.
final class BufferLayoutTests: XCTestCase {
    func testAChainReusesTheBytesOfTensorsItIsDoneWith() {
        // a (steps 0-1) feeds b (1-2) feeds c (2-3): c may take a's place, b may not.
        let layout = BufferLayout(sizes: [100, 100, 100], lifetimes: [0...1, 1...2, 2...3])
        XCTAssertEqual(layout.offsets, [0, 128, 0])
        XCTAssertEqual(layout.byteCount, 228)
    }

    func testUntouchedTensorsShareAnything() {
        let layout = BufferLayout(sizes: [64, 4096], lifetimes: [nil, 0...5])
        XCTAssertEqual(layout.offsets, [0, 0])
        XCTAssertEqual(layout.byteCount, 4096)
    }

    func testTensorsAliveTogetherNeverShareAByte() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 1...40, using: &rng)
            let sizes = (0..<n).map { _ in Int.random(in: 1...5000, using: &rng) }
            let lifetimes: [ClosedRange<Int>?] = (0..<n).map { _ in
                if Int.random(in: 0..<10, using: &rng) == 0 { return nil }
                let a = Int.random(in: 0..<30, using: &rng)
                return a...(a + Int.random(in: 0..<8, using: &rng))
            }
            let layout = BufferLayout(sizes: sizes, lifetimes: lifetimes)
            var peak = 0
            for step in 0..<40 {
                peak = max(peak, (0..<n).filter { lifetimes[$0]?.contains(step) ?? false }.map { sizes[$0] }.reduce(0, +))
            }
            XCTAssertGreaterThanOrEqual(layout.byteCount, peak)
            XCTAssertLessThanOrEqual(layout.byteCount, sizes.reduce(0, +) + 64 * n)
            for i in 0..<n {
                XCTAssertEqual(layout.offsets[i] % 64, 0)
                XCTAssertLessThanOrEqual(layout.offsets[i] + sizes[i], layout.byteCount)
                for j in 0..<i {
                    guard let li = lifetimes[i], let lj = lifetimes[j], li.overlaps(lj) else { continue }
                    let bi = layout.offsets[i]..<layout.offsets[i] + sizes[i], bj = layout.offsets[j]..<layout.offsets[j] + sizes[j]
                    XCTAssertFalse(bi.overlaps(bj), "tensors \(i) and \(j) are alive together in the same bytes")
                }
            }
        }
    }

    /// `clarity bench engine` reports each plan's shared buffer beside its tensors apart.
    func testTheEngineBenchmarkReportsPlanMemory() throws {
        let report = try EngineBenchmark.run(width: 96, height: 64, tile: 32, overlap: 8, iterations: 1, precisions: [.fp32],
                                             torchScript: nil)
        XCTAssertEqual(report.rows.count, 2)
        for row in report.rows {
            XCTAssertGreaterThan(row.activationMB, 0)
            XCTAssertLessThan(row.activationMB, row.activationMBApart, row.mode)
        }
        XCTAssertTrue(report.text.contains("plan MB (apart)"))
    }

    /// An early-exit network's plan keeps a fraction of its tensors' bytes, and every exit,
    /// run in stages, still matches the reference interpreter (`EarlyExitTests` checks the
    /// whole run the same way).
    func testAnEarlyExitPlanSharesItsBuffer() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 4, seed: 7)
        let info = try model.planInfo(batch: 1, height: 64, width: 64, precision: .fp32)
        XCTAssertGreaterThan(info.activationBytes, 0)
        XCTAssertLessThan(info.activationBytes * 3, info.activationBytesApart,
                          "\(info.activationBytes) bytes shared of \(info.activationBytesApart) apart")
        let x = RandomModels.input(n: 1, h: 64, w: 64, seed: 8)
        let want = Reference.run(model, x)
        for k in 0..<3 {
            let plane = Plane(width: 64, height: 64, data: x.data)
            let (out, _) = try Tiler(tile: 0).runEarlyExit(plane, model: model) { _, exit, _ in exit == k }
            let worst = zip(out.data, want[k].data).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, "exit \(k)")
        }
    }
}
