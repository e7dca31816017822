import Foundation

/// A blocking queue that hands items out in sequence order whatever order they arrive in:
/// several stage workers finish consecutive frames out of order, the writer takes them in
/// order. `push` waits while its item is `capacity` or more ahead of the next one due (so
/// memory stays bounded), `pop` waits for the next one due. `close()` ends the stream once
/// every producer is done; `cancel()` drops everything (an aborting side).
public final class ReorderQueue<Element>: @unchecked Sendable {
    private var pending: [Int: Element] = [:]
    private var next = 0
    private var closed = false
    private let capacity: Int
    private let condition = NSCondition()

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for one item")
        self.capacity = capacity
    }

    /// Adds item number `n` (each number once), waiting for room. False once closed.
    @discardableResult
    public func push(_ n: Int, _ item: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while !closed && n >= next + capacity { condition.wait() }
        if closed { return false }
        pending[n] = item
        condition.broadcast()
        return true
    }

    /// The next item in sequence, waiting for it; nil once closed without it.
    public func pop() -> Element? {
        condition.lock(); defer { condition.unlock() }
        while !closed && pending[next] == nil { condition.wait() }
        guard let item = pending.removeValue(forKey: next) else { return nil }
        next += 1
        condition.broadcast()
        return item
    }

    /// No more pushes: what is queued can still be popped in order.
    public func close() {
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
    }

    /// Ends the stream and drops what is queued.
    public func cancel() {
        condition.lock(); closed = true; pending.removeAll(); condition.broadcast(); condition.unlock()
    }
}
