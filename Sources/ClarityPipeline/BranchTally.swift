import Foundation

/// Tiles per router branch, and frames a branch ran on the whole frame, over every frame so
/// far. One tally serves every copy of a routed stage working on frames side by side, so the
/// run's report counts them all (each copy then reports the shared totals: count one).
public final class BranchTally: @unchecked Sendable {
    private var tiles: [Int] = []
    private var wholeFrames: [Int] = []
    private let lock = NSLock()

    public init() {}

    /// `count` tiles took router branch `branch` (0 = the canvas); with `wholeFrame`, as one
    /// frame run whole.
    public func add(_ count: Int, tilesTo branch: Int, wholeFrame: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        if tiles.count <= branch {
            tiles += [Int](repeating: 0, count: branch + 1 - tiles.count)
            wholeFrames += [Int](repeating: 0, count: branch + 1 - wholeFrames.count)
        }
        tiles[branch] += count
        if wholeFrame { wholeFrames[branch] += 1 }
    }

    /// Counts for `branches` router branches (zeros where none ran yet).
    public func counts(branches: Int) -> (tiles: [Int], wholeFrames: [Int]) {
        lock.lock(); defer { lock.unlock() }
        let pad = { (a: [Int]) in a + [Int](repeating: 0, count: max(0, branches - a.count)) }
        return (pad(tiles), pad(wholeFrames))
    }
}
