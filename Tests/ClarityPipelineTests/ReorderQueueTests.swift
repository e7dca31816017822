import ClarityPipeline
import Foundation
import XCTest

final class ReorderQueueTests: XCTestCase {
    func testItemsComeOutInSequenceWhateverOrderTheyArrive() {
        let q = ReorderQueue<Int>(capacity: 8)
        for n in [2, 0, 3, 1] { XCTAssertTrue(q.push(n, n * 10)) }
        q.close()
        var out: [Int] = []
        while let v = q.pop() { out.append(v) }
        XCTAssertEqual(out, [0, 10, 20, 30])
    }

    /// An item `capacity` ahead of the next one due waits until that one is taken.
    func testAPushTooFarAheadWaitsForRoom() {
        let q = ReorderQueue<Int>(capacity: 2)
        XCTAssertTrue(q.push(1, 1))
        let pushed = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { q.push(2, 2); pushed.signal() }
        XCTAssertEqual(pushed.wait(timeout: .now() + 0.2), .timedOut, "2 is two ahead of 0")
        q.push(0, 0)
        XCTAssertEqual(q.pop(), 0)
        XCTAssertEqual(pushed.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(q.pop(), 1)
        XCTAssertEqual(q.pop(), 2)
    }

    /// Workers finishing at random times still deliver every item once, in order.
    func testConcurrentProducersDeliverInOrder() {
        let q = ReorderQueue<Int>(capacity: 4)
        let source = BoundedQueue<Int>(capacity: 4)
        let group = DispatchGroup()
        for _ in 0..<3 {
            DispatchQueue.global().async(group: group) {
                while let n = source.pop() {
                    Thread.sleep(forTimeInterval: Double.random(in: 0...0.002))
                    q.push(n, n)
                }
            }
        }
        DispatchQueue.global().async { for n in 0..<200 { source.push(n) }; source.close() }
        group.notify(queue: .global()) { q.close() }
        var out: [Int] = []
        while let v = q.pop() { out.append(v) }
        XCTAssertEqual(out, Array(0..<200))
    }

    func testCancelWakesBothSides() {
        let q = ReorderQueue<Int>(capacity: 4)
        let done = expectation(description: "pop returned")
        DispatchQueue.global().async { XCTAssertNil(q.pop()); done.fulfill() }
        q.push(1, 1)  // not due: pop keeps waiting
        q.cancel()
        wait(for: [done], timeout: 5)
        XCTAssertFalse(q.push(0, 0))
    }
}
