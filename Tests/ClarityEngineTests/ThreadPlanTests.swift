import ClarityEngine
import XCTest

final class ThreadPlanTests: XCTestCase {
    /// On 2 cores inference takes both; above that one core in four stays with the pipeline.
    func testOneCopySplitsTheTotal() {
        XCTAssertEqual([ThreadPlan(total: 2).inference, ThreadPlan(total: 2).pipeline], [2, 1])
        XCTAssertEqual([ThreadPlan(total: 8).inference, ThreadPlan(total: 8).pipeline], [6, 2])
        XCTAssertEqual(ThreadPlan(total: 0).total, 1)
    }

    /// Copies side by side share the inference and pipeline threads, one each at least, and
    /// there are never more copies than threads.
    func testCopiesShareTheirThreads() {
        let two = ThreadPlan(total: 2, frameWorkers: 2)
        XCTAssertEqual([two.frameWorkers, two.inference, two.pipeline], [2, 1, 1])
        let eight = ThreadPlan(total: 8, frameWorkers: 2)
        XCTAssertEqual([eight.frameWorkers, eight.inference, eight.pipeline], [2, 3, 1])
        XCTAssertEqual(ThreadPlan(total: 1, frameWorkers: 2).frameWorkers, 1)
        XCTAssertEqual(ThreadPlan(total: 3, frameWorkers: 5).frameWorkers, 3)
    }
}
