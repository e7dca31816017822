import ClarityEngine
import Foundation

/// ClassSR's Class-Module: for each low-resolution tile, the probability that it belongs to
/// each class (easy to hard), and what each branch is expected to gain on each class.
public struct TileClassifier {
    public let model: Model
    /// Bundled model names, one per class (the file's `branches`).
    public let branches: [String]
    /// `gainPerClass[c][b]`: mean validation Y-PSNR gain over bicubic of branch b on class c.
    public let gainPerClass: [[Double]]

    public init(model: Model) throws {
        guard model.graph.task == "classify", let branches = model.graph.branches else {
            throw EngineError.badInput("\(model.graph.name) is not a tile classifier (task classify with branches)")
        }
        let info = (model.graph.infoJSON.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
        let table = (info["gain_per_class"] as? [[NSNumber]])?.map { $0.map(\.doubleValue) }
        guard let table, table.count == branches.count, table.allSatisfy({ $0.count == branches.count }) else {
            throw EngineError.badInput("\(model.graph.name) has no \(branches.count)x\(branches.count) gain_per_class table")
        }
        self.model = model
        self.branches = branches
        gainPerClass = table
    }

    /// Class probabilities of each tile's core (edge pixels repeated up to `side` x `side`).
    public func probabilities(_ plane: Plane, grid: TileGrid, side: Int, precision: Precision = .fp32) throws -> [[Double]] {
        let n = grid.tiles.count
        var batch = [Float](repeating: 0, count: n * side * side)
        for (i, t) in grid.tiles.enumerated() {
            for y in 0..<side {
                let py = min(t.coreY.lowerBound + min(y, t.coreY.count - 1), plane.height - 1)
                for x in 0..<side {
                    let px = min(t.coreX.lowerBound + min(x, t.coreX.count - 1), plane.width - 1)
                    batch[(i * side + y) * side + x] = plane.data[py * plane.width + px]
                }
            }
        }
        let logits = try model.run(Tensor(n: n, h: side, w: side, c: 1, data: batch), precision: precision)[0]
        let classes = logits.data.count / n
        return (0..<n).map { i in
            let row = logits.data[(i * classes)..<((i + 1) * classes)].map(Double.init)
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
    }
}
