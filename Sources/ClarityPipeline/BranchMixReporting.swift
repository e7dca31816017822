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

extension BranchTiles {
    /// The mix of the routing stages among `stages`, inside chains too (a router followed by a
    /// resize), copies added up; nil when none routes.
    static func of(_ stages: [FrameStage]) -> [BranchTiles]? {
        func reporters(_ stage: FrameStage) -> [BranchMixReporting] {
            if let chain = stage as? StageChain { return chain.stages.flatMap(reporters) }
            return (stage as? BranchMixReporting).map { [$0] } ?? []
        }
        return merged(stages.flatMap(reporters).map(\.branchTiles))
    }

    /// The mixes of several copies of a stage added up, branch by branch, in the first's
    /// order; nil when there is none.
    static func merged(_ mixes: [[BranchTiles]]) -> [BranchTiles]? {
        guard var total = mixes.first else { return nil }
        for mix in mixes.dropFirst() {
            for b in mix {
                if let i = total.firstIndex(where: { $0.branch == b.branch }) { total[i].tiles += b.tiles } else { total.append(b) }
            }
        }
        return total
    }
}
