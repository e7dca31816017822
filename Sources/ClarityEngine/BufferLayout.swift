/// Offsets in one buffer for tensors whose lifetimes (the steps that touch them) are known,
/// such that two tensors alive at a common step never share a byte. Greedy, largest tensor
/// first, each at the lowest aligned offset that clears every placed tensor it overlaps in
/// time (the arena planners of TFLite and ncnn work the same way).
public struct BufferLayout: Equatable, Sendable {
    /// Bytes of each tensor, in the order given.
    public let sizes: [Int]
    /// Byte offset of each tensor.
    public let offsets: [Int]
    /// Bytes the buffer needs.
    public let byteCount: Int

    /// `lifetimes[i]`: the first and last step that reads or writes tensor i; nil for a
    /// tensor no step touches, which may then share bytes with anything.
    public init(sizes: [Int], lifetimes: [ClosedRange<Int>?], alignment: Int = 64) {
        precondition(sizes.count == lifetimes.count && alignment > 0)
        func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
        var offsets = [Int](repeating: 0, count: sizes.count)
        var total = sizes.max() ?? 0
        var placed: [(range: Range<Int>, life: ClosedRange<Int>)] = []
        let order = sizes.indices.filter { lifetimes[$0] != nil }.sorted { (sizes[$0], $1) > (sizes[$1], $0) }
        for i in order {
            let life = lifetimes[i]!
            let clashes = placed.filter { $0.life.overlaps(life) }.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
            var offset = 0
            for r in clashes where r.lowerBound < offset + sizes[i] {
                offset = max(offset, aligned(r.upperBound))
            }
            offsets[i] = offset
            placed.append((offset..<offset + sizes[i], life))
            total = max(total, offset + sizes[i])
        }
        self.sizes = sizes
        self.offsets = offsets
        byteCount = total
    }
}
