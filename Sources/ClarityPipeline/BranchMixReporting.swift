/// A stage whose work splits between branches (the canvas and models) and that can say how,
/// from any thread, while it runs: the pump copies it into every progress report.
public protocol BranchMixReporting: AnyObject {
    /// Tiles per branch so far, in the stage's branch order.
    var branchTiles: [BranchTiles] { get }
}

/// How many tiles one branch took.
public struct BranchTiles: Sendable, Equatable {
    public var branch: String
    public var tiles: Int
    public init(branch: String, tiles: Int) { self.branch = branch; self.tiles = tiles }
}
