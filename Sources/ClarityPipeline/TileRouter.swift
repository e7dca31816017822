/// Chooses a branch (a model, or the classical canvas) for every tile of a frame.
///
/// Without a budget it is plain ClassSR: each tile takes the branch with the highest expected
/// gain. With one, tiles start on the cheapest branch and are upgraded greedily, best
/// expected gain per extra second first, while the frame's predicted time stays within the
/// budget; so a frame never plans more work than the cost model says fits.
///
/// With the previous frame's plan `held` and a `margin`, a tile keeps its branch up to the
/// whole budget but joins one only while the plan stays within `(1 - margin)` of it: a
/// Schmitt trigger. A frame's budget jitters (the time left before it is due, the measured
/// costs), and without one the tiles at the edge of the plan switch on and off with it, a
/// flicker on a still scene.
public enum TileRouter {
    /// - Parameters:
    ///   - gains: `gains[t][b]`, the expected quality gain of branch `b` on tile `t`.
    ///   - costs: seconds per tile of each branch; branch 0 must be the cheapest (the fallback).
    ///   - budget: seconds the tiles may take in all; nil = no deadline.
    ///   - held: the previous frame's branch per tile, if any.
    ///   - margin: the share of `budget` only a tile's `held` branch may take.
    /// - Returns: a branch per tile.
    public static func assign(gains: [[Double]], costs: [Double], budget: Double?, held: [Int]? = nil, margin: Double = 0) -> [Int] {
        guard let budget else {
            return gains.map { g in g.indices.max { g[$0] < g[$1] } ?? 0 }
        }
        var choice = [Int](repeating: 0, count: gains.count)
        var left = budget - Double(gains.count) * costs[0]
        let held = held?.count == gains.count ? held : nil  // a new grid holds nothing
        let reserve = held == nil ? 0 : margin * budget
        while true {
            var best: (tile: Int, branch: Int, ratio: Double)? = nil
            for t in gains.indices {
                let current = choice[t]
                for b in costs.indices where b != current {
                    let extra = costs[b] - costs[current], gain = gains[t][b] - gains[t][current]
                    guard gain > 0, extra <= left - (held?[t] == b ? 0 : reserve) else { continue }
                    let ratio = extra > 0 ? gain / extra : .infinity
                    if best == nil || ratio > best!.ratio { best = (t, b, ratio) }
                }
            }
            guard let pick = best else { return choice }
            left -= costs[pick.branch] - costs[choice[pick.tile]]
            choice[pick.tile] = pick.branch
        }
    }

    /// Predicted seconds of an assignment.
    public static func cost(of assignment: [Int], costs: [Double]) -> Double {
        assignment.reduce(0) { $0 + costs[$1] }
    }
}
