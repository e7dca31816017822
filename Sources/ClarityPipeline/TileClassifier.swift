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
    /// `canvasGainPerClass[filter][c]`: the same for swscale's `filter` (by ffmpeg's name),
    /// the canvas that tiles without a model keep.
    public let canvasGainPerClass: [String: [Double]]
    /// The model run once over the whole plane for tiles made of whole cells (nil when its
    /// layers do not allow it): a 4K frame's 400 tiles in one pass instead of 400 tiles.
    private let pooled: CellPooledClassifier?

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
        canvasGainPerClass = ((info["canvas_gain_per_class"] as? [String: [NSNumber]]) ?? [:])
            .filter { $0.value.count == branches.count }.mapValues { $0.map(\.doubleValue) }
        pooled = CellPooledClassifier(model)
    }

    /// `gainPerClass` less the canvas's own gain on each class: what each branch adds to a
    /// tile that would otherwise keep the canvas `filter` (a Lanczos canvas already gains
    /// 0.4 dB over bicubic on detailed tiles). Over bicubic for a canvas the file did not measure.
    public func gainPerClass(overCanvas filter: String) -> [[Double]] {
        guard let canvas = canvasGainPerClass[filter] else { return gainPerClass }
        return zip(gainPerClass, canvas).map { row, c in row.map { $0 - c } }
    }

    /// Class probabilities of each tile's core (edge pixels repeated up to `side` x `side`),
    /// for the tiles in grid rows `rows` (all when nil), in grid order. Tiles whose core is a
    /// whole `side` x `side` square of cells are scored from one run over the plane (over
    /// just those rows' band of it when `rows` is given); the others (cut by the plane's
    /// edge) as tiles of their own.
    public func probabilities(_ plane: Plane, grid: TileGrid, side: Int, precision: Precision = .fp32,
                              rows: Range<Int>? = nil) throws -> [[Double]] {
        let selected = grid.tiles.indices.filter { rows?.contains(grid.tiles[$0].row) ?? true }
        var logits = [Int: [Float]]()
        if let pooled, side % pooled.cell == 0, !selected.isEmpty {
            let top = selected.map { grid.tiles[$0].coreY.lowerBound }.min()!
            let bottom = min(plane.height, selected.map { grid.tiles[$0].coreY.upperBound }.max()!)
            let band = rows == nil ? plane : plane.rows(top..<bottom)
            let origin = rows == nil ? 0 : top
            let whole = selected.filter { i in
                let t = grid.tiles[i]
                return t.coreX.count == side && t.coreY.count == side && t.coreX.upperBound <= band.width
                    && t.coreY.upperBound - origin <= band.height && t.coreX.lowerBound % pooled.cell == 0
                    && (t.coreY.lowerBound - origin) % pooled.cell == 0
            }
            let scores = try pooled.outputs(band, regions: whole.map { i in
                let t = grid.tiles[i]
                return (t.coreX, (t.coreY.lowerBound - origin)..<(t.coreY.upperBound - origin))
            }, precision: precision)
            for (k, i) in whole.enumerated() { logits[i] = scores[k] }
        }
        let rest = selected.filter { logits[$0] == nil }
        if !rest.isEmpty {
            var batch = [Float](repeating: 0, count: rest.count * side * side)
            for (b, i) in rest.enumerated() {
                let t = grid.tiles[i]
                for y in 0..<side {
                    let py = min(t.coreY.lowerBound + min(y, t.coreY.count - 1), plane.height - 1)
                    for x in 0..<side {
                        let px = min(t.coreX.lowerBound + min(x, t.coreX.count - 1), plane.width - 1)
                        batch[(b * side + y) * side + x] = plane.data[py * plane.width + px]
                    }
                }
            }
            let out = try model.run(Tensor(n: rest.count, h: side, w: side, c: 1, data: batch), precision: precision)[0]
            let classes = out.data.count / rest.count
            for (b, i) in rest.enumerated() { logits[i] = Array(out.data[(b * classes)..<((b + 1) * classes)]) }
        }
        return selected.map { i in
            let row = logits[i]!.map(Double.init)
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
    }
}
