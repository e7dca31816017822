import ClarityPipeline
import Foundation
import XCTest

final class BoundedQueueTests: XCTestCase {
    func testKeepsOrderAcrossWrapAround() {
        let q = BoundedQueue<Int>(capacity: 3)
        var out: [Int] = []
        for round in 0..<5 {
            for i in 0..<3 { XCTAssertTrue(q.push(round * 3 + i)) }
            for _ in 0..<3 { out.append(q.pop()!) }
        }
        XCTAssertEqual(out, Array(0..<15))
    }

    func testProducerWaitsWhileFull() {
        let q = BoundedQueue<Int>(capacity: 2)
        let pushed = Counter()
        let done = expectation(description: "producer finished")
        Thread.detachNewThread {
            for i in 0..<10 { q.push(i); pushed.add() }
            q.close()
            done.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.2)
        // Two fit in the queue and a third is blocked inside push: back-pressure holds.
        XCTAssertEqual(pushed.value, 2)
        var got: [Int] = []
        while let v = q.pop() { got.append(v) }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(got, Array(0..<10))
    }

    func testCloseDrainsThenEnds() {
        let q = BoundedQueue<String>(capacity: 4)
        q.push("a"); q.push("b")
        q.close()
        XCTAssertFalse(q.push("c"), "a closed queue refuses new items")
        XCTAssertEqual(q.pop(), "a")
        XCTAssertEqual(q.pop(), "b")
        XCTAssertNil(q.pop())
    }

    func testCancelWakesABlockedProducerAndDropsItems() {
        let q = BoundedQueue<Int>(capacity: 1)
        q.push(1)
        let refused = expectation(description: "blocked push returns false")
        Thread.detachNewThread {
            if !q.push(2) { refused.fulfill() }
        }
        Thread.sleep(forTimeInterval: 0.1)
        q.cancel()
        wait(for: [refused], timeout: 5)
        XCTAssertNil(q.pop())
    }

    func testPoppedItemsAreReleased() {
        final class Token {}
        let q = BoundedQueue<Token>(capacity: 2)
        weak var weakToken: Token?
        do {
            let t = Token()
            weakToken = t
            q.push(t)
            _ = q.pop()
        }
        XCTAssertNil(weakToken, "the queue must not keep a popped frame alive")
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
