/// The first and the last bytes of an input read once (a pipe), kept as they pass, so that
/// `ContainerTail` can check a piped file's end, which it cannot seek to, as it checks a file's.
struct PipeEnds {
    private var head: [UInt8] = []
    /// The last bytes read: at least `ContainerTail.tailNeeded` once that many have passed,
    /// at most twice that (the front is dropped in one move when it grows past).
    private var tail: [UInt8] = []
    /// Bytes read so far.
    private(set) var count: Int64 = 0
    private var keeping = true

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        count += Int64(bytes.count)
        guard keeping else { return }
        if head.count < ContainerTail.headNeeded { head += bytes.prefix(ContainerTail.headNeeded - head.count) }
        tail += bytes
        if tail.count > 2 * ContainerTail.tailNeeded { tail.removeFirst(tail.count - ContainerTail.tailNeeded) }
    }

    /// Counts from now on, and keeps nothing.
    mutating func stopKeeping() {
        (keeping, head, tail) = (false, [], [])
    }

    /// What was read as a byte source: only the ranges kept answer.
    var source: ContainerTail.Bytes {
        ContainerTail.Bytes(size: count) { [head, tail, count] offset, length in
            let end = offset + Int64(length)
            if end <= Int64(head.count) { return Array(head[Int(offset)..<Int(end)]) }
            let tailStart = count - Int64(tail.count)
            guard offset >= tailStart, end <= count else { return nil }
            return Array(tail[Int(offset - tailStart)..<Int(end - tailStart)])
        }
    }
}
