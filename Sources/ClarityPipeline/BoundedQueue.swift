import Foundation

/// A blocking FIFO of fixed capacity between two pipeline stages.
///
/// `push` waits while the queue is full (back-pressure on the producer), `pop` waits while it
/// is empty. `close()` ends the stream: pending items still drain, then `pop` returns nil and
/// `push` returns false, so either side can stop the other cleanly.
public final class BoundedQueue<Element>: @unchecked Sendable {
    /// A ring: a popped slot is set to nil at once, so the queue never keeps a frame alive.
    private var slots: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private let condition = NSCondition()

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for one item")
        slots = Array(repeating: nil, count: capacity)
    }

    /// Appends `item`, waiting for room. Returns false if the queue was closed.
    @discardableResult
    public func push(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && count == slots.count { condition.wait() }
        if closed { return false }
        slots[(head + count) % slots.count] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// Removes the oldest item, waiting for one. Returns nil once closed and drained.
    public func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while !closed && count == 0 { condition.wait() }
        guard count > 0 else { return nil }
        let item = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return item
    }

    /// Ends the stream. Items already queued can still be popped.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the stream and discards what is queued (an aborting consumer).
    public func cancel() {
        condition.lock()
        closed = true
        for i in slots.indices { slots[i] = nil }
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}
