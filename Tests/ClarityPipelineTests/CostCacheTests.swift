import ClarityEngine
import ClarityPipeline
import Foundation
import XCTest

/// Start-up costs are timed once per machine and configuration, then kept.
final class CostCacheTests: XCTestCase {
    /// A second stage with the same configuration starts from the kept figures (its clock
    /// would make any timing read as hours); another configuration times its own; `refresh`
    /// times afresh and replaces them; a damaged file is timed again.
    func testStartUpCostsAreKeptPerConfiguration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-costs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (format, frame) = try routingInput()
        let model = try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 2)
        func stage(budget: Double, slowed: Bool, refresh: Bool = false) throws -> RoutedUpscale {
            let s = try RoutedUpscale(branches: [.init(model: model, gain: 1)], tiler: Tiler(tile: 8, overlap: 4, batchSize: 8),
                                      budget: budget, canvas: .lanczos)
            s.costCache = CostCache(directory: directory, refresh: refresh)
            if slowed {
                let origin = DispatchTime.now().uptimeNanoseconds
                s.clock = { origin + (DispatchTime.now().uptimeNanoseconds - origin) * 10_000_000 }
            }
            _ = try s.negotiate(input: format, accepted: [])
            return s
        }
        func files() throws -> [URL] { try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) }

        let first = try stage(budget: 10, slowed: false)
        XCTAssertEqual(try files().count, 1)
        XCTAssertLessThan(first.costs.startUp.overhead, 0.5)
        let kept = try stage(budget: 10, slowed: true)
        XCTAssertEqual(kept.costs.startUp, first.costs.startUp)
        kept.clock = { DispatchTime.now().uptimeNanoseconds }
        _ = try kept.process(frame)
        XCTAssertEqual(kept.wholeFrameCounts, [0, 1, 0], "the kept whole-frame figure fits the budget")

        let other = try stage(budget: 0, slowed: true)
        XCTAssertGreaterThan(other.costs.startUp.overhead, 1, "another budget: timed")
        XCTAssertEqual(other.costs.startUp.wholeFrame[1], .infinity, "a model that never runs whole")
        XCTAssertEqual(try stage(budget: 0, slowed: false).costs.startUp, other.costs.startUp, "infinity kept as such")
        XCTAssertEqual(try files().count, 2)

        let refreshed = try stage(budget: 10, slowed: true, refresh: true)
        XCTAssertGreaterThan(refreshed.costs.startUp.overhead, 1)
        XCTAssertEqual(try stage(budget: 10, slowed: false).costs.startUp, refreshed.costs.startUp)

        for file in try files() { try Data("{\"configuration\": 1".utf8).write(to: file) }
        XCTAssertLessThan(try stage(budget: 10, slowed: false).costs.startUp.overhead, 0.5, "damaged: timed again")
    }
}
