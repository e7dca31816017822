import Foundation

/// Runs a plane through one or more models tile by tile and stitches the result.
///
/// With one model, cores are cropped and pasted: the result equals a whole-frame run
/// exactly (fp32) when `overlap` >= the model's receptive radius. Where neighbouring tiles
/// went through different models (ClassSR routing), the seam is hidden by a feathered
/// linear ramp across the overlap, `featherWidth` output pixels each side of the boundary.
/// Tiles of one model run in batches of `batchSize` (one compiled shape per model).
public struct Tiler: Sendable {
    public var tile: Int
    public var overlap: Int?
    public var batchSize: Int
    public var precision: Precision

    /// - Parameters:
    ///   - tile: LR tile size (0 = whole frame).
    ///   - overlap: context around each core in LR pixels; nil = the models' receptive radius.
    public init(tile: Int = 128, overlap: Int? = nil, batchSize: Int = 64, precision: Precision = .fp32) {
        self.tile = tile; self.overlap = overlap; self.batchSize = max(1, batchSize); self.precision = precision
    }

    /// The grid this tiler uses for `plane` and `models` (e.g. to classify tiles first).
    public func grid(width: Int, height: Int, models: [Model]) -> TileGrid {
        let align = models.map(\.graph.align).reduce(1, lcm)
        let radius = models.map(\.graph.receptiveRadius).max() ?? 0
        return TileGrid(width: width, height: height, tile: tile, overlap: overlap ?? radius, align: align)
    }

    /// Upscales (or enhances) `plane` with one model.
    public func run(_ plane: Plane, model: Model) throws -> Plane {
        let g = grid(width: plane.width, height: plane.height, models: [model])
        return try run(plane, models: [model], grid: g, assignment: [Int](repeating: 0, count: g.tiles.count))
    }

    /// Runs each tile of `grid` through `models[assignment[i]]` and stitches, feathering where
    /// neighbouring tiles used different models. All models must share one scale.
    ///
    /// With a `canvas` (the whole plane already upscaled, e.g. by a classical filter), a tile
    /// assigned `models.count` takes its pixels from the canvas instead: the cheapest branch
    /// of a router, blended with its neighbours like any model.
    public func run(_ plane: Plane, models: [Model], grid g: TileGrid, assignment: [Int], canvas: Plane? = nil) throws -> Plane {
        let canvasIndex = canvas == nil ? -1 : models.count
        guard !models.isEmpty, assignment.count == g.tiles.count,
              assignment.allSatisfy({ models.indices.contains($0) || $0 == canvasIndex }) else {
            throw EngineError.badInput("tile assignment does not match the grid (\(assignment.count) for \(g.tiles.count) tiles)")
        }
        guard plane.width == g.width, plane.height == g.height else {
            throw EngineError.badInput("plane \(plane.width)x\(plane.height) does not match the grid \(g.width)x\(g.height)")
        }
        let s = models[0].graph.scale
        guard models.allSatisfy({ $0.graph.scale == s }) else { throw EngineError.badInput("models of different scales") }
        if let canvas, canvas.width != g.width * s || canvas.height != g.height * s {
            throw EngineError.badInput("canvas \(canvas.width)x\(canvas.height) is not the plane at x\(s)")
        }
        if let canvas, assignment.allSatisfy({ $0 == canvasIndex }) { return canvas }
        let src = plane.padded(toWidth: g.paddedWidth, height: g.paddedHeight)
        let outW = g.paddedWidth * s, outH = g.paddedHeight * s
        let mixed = Set(assignment).count > 1
        var out = [Float](repeating: 0, count: outW * outH)
        var weight = mixed ? [Float](repeating: 0, count: outW * outH) : []
        let feather = max(1, ((overlap ?? models.map(\.graph.receptiveRadius).max()!) * s) / 2)

        for (m, model) in models.enumerated() {
            let mine = g.tiles.indices.filter { assignment[$0] == m }
            if mine.isEmpty { continue }
            let nb = (mine.count + batchSize - 1) / batchSize
            let batch = (mine.count + nb - 1) / nb
            try model.withPlan(batch: batch, height: g.windowHeight, width: g.windowWidth, precision: precision) { plan in
                let winPixels = g.windowWidth * g.windowHeight
                for start in stride(from: 0, to: mine.count, by: batch) {
                    let chunk = Array(mine[start..<min(mine.count, start + batch)])
                    let input = plan.input.floats
                    for (b, ti) in chunk.enumerated() { load(src, tile: g.tiles[ti], grid: g, into: input + b * winPixels) }
                    if chunk.count < batch {
                        (input + chunk.count * winPixels).update(repeating: 0, count: (batch - chunk.count) * winPixels)
                    }
                    try plan.execute()
                    let result = plan.outputs[0].floats
                    for (b, ti) in chunk.enumerated() {
                        let tileOut = result + b * winPixels * s * s
                        if mixed {
                            blend(tileOut, tile: ti, grid: g, scale: s, assignment: assignment, feather: feather,
                                  into: &out, weight: &weight, outWidth: outW)
                        } else {
                            paste(tileOut, g.tiles[ti], grid: g, scale: s, into: &out, outWidth: outW)
                        }
                    }
                }
            }
        }
        if let canvas {
            // Canvas tiles: their window cut out of the canvas (edge pixels repeated over the
            // padding), blended like a model's output.
            let ow = g.windowWidth * s, oh = g.windowHeight * s
            var window = [Float](repeating: 0, count: ow * oh)
            for ti in g.tiles.indices where assignment[ti] == canvasIndex {
                let t = g.tiles[ti]
                for y in 0..<oh {
                    let cy = min(t.windowY * s + y, canvas.height - 1)
                    for x in 0..<ow { window[y * ow + x] = canvas.data[cy * canvas.width + min(t.windowX * s + x, canvas.width - 1)] }
                }
                window.withUnsafeBufferPointer {
                    blend($0.baseAddress!, tile: ti, grid: g, scale: s, assignment: assignment, feather: feather,
                          into: &out, weight: &weight, outWidth: outW)
                }
            }
        }
        if mixed { for i in out.indices { out[i] /= weight[i] } }
        return Plane(width: outW, height: outH, data: out).cropped(toWidth: g.width * s, height: g.height * s)
    }

    /// Enhances `plane` with an early-exit model (one output per exit, shallowest first).
    /// Each tile runs alone and stops at the first exit whose output window `accept(exit,
    /// output)` approves; the last exit (or `lastExit`) always ends it. Every interior tile
    /// edge is feathered: an early-exit network sees further than any practical overlap, so
    /// no two tiles agree exactly at their border. Returns the plane and each tile's exit.
    public func runEarlyExit(_ plane: Plane, model: Model, lastExit: Int? = nil,
                             accept: (Int, Plane) throws -> Bool) throws -> (plane: Plane, exits: [Int]) {
        let g = grid(width: plane.width, height: plane.height, models: [model])
        let s = model.graph.scale
        let last = min(lastExit ?? .max, model.graph.outputs.count - 1)
        guard last >= 0 else { throw EngineError.badInput("exit \(lastExit ?? 0) does not exist") }
        let src = plane.padded(toWidth: g.paddedWidth, height: g.paddedHeight)
        let outWindow = g.windowWidth * g.windowHeight * s * s
        var exits = [Int](repeating: last, count: g.tiles.count)
        var results = [Float](repeating: 0, count: g.tiles.count * outWindow)
        try model.withPlan(batch: 1, height: g.windowHeight, width: g.windowWidth, precision: precision) { plan in
            for ti in g.tiles.indices {
                load(src, tile: g.tiles[ti], grid: g, into: plan.input.floats)
                var done = 0
                for k in 0...last {
                    try plan.execute(steps: done..<plan.outputReady[k])
                    done = plan.outputReady[k]
                    let window = Array(UnsafeBufferPointer(start: plan.outputs[k].floats, count: outWindow))
                    let output = Plane(width: g.windowWidth * s, height: g.windowHeight * s, data: window)
                    if try k == last || accept(k, output) {
                        exits[ti] = k
                        results.replaceSubrange(ti * outWindow..<(ti + 1) * outWindow, with: window)
                        break
                    }
                }
            }
        }
        let outW = g.paddedWidth * s, outH = g.paddedHeight * s
        var out = [Float](repeating: 0, count: outW * outH)
        var weight = [Float](repeating: 0, count: outW * outH)
        let feather = max(1, ((overlap ?? model.graph.receptiveRadius) * s) / 2)
        let everyTileDiffers = Array(g.tiles.indices)
        results.withUnsafeBufferPointer { r in
            for ti in g.tiles.indices {
                blend(r.baseAddress! + ti * outWindow, tile: ti, grid: g, scale: s, assignment: everyTileDiffers,
                      feather: feather, into: &out, weight: &weight, outWidth: outW)
            }
        }
        for i in out.indices where weight[i] > 0 { out[i] /= weight[i] }
        return (Plane(width: outW, height: outH, data: out).cropped(toWidth: g.width * s, height: g.height * s), exits)
    }

    /// Copies a tile's input window out of the padded plane.
    private func load(_ src: Plane, tile t: TileGrid.Tile, grid g: TileGrid, into input: UnsafeMutablePointer<Float>) {
        src.data.withUnsafeBufferPointer { sp in
            for y in 0..<g.windowHeight {
                (input + y * g.windowWidth).update(from: sp.baseAddress! + (t.windowY + y) * g.paddedWidth + t.windowX,
                                                   count: g.windowWidth)
            }
        }
    }

    /// Copies a tile's core (scaled) into the output: exact stitching.
    private func paste(_ tileOut: UnsafePointer<Float>, _ t: TileGrid.Tile, grid g: TileGrid, scale s: Int,
                       into out: inout [Float], outWidth: Int) {
        let ow = g.windowWidth * s
        let x0 = t.coreX.lowerBound * s, n = t.coreX.count * s
        out.withUnsafeMutableBufferPointer { op in
            for y in (t.coreY.lowerBound * s)..<(t.coreY.upperBound * s) {
                let ty = y - t.windowY * s
                (op.baseAddress! + y * outWidth + x0).update(from: tileOut + ty * ow + (x0 - t.windowX * s), count: n)
            }
        }
    }

    /// Accumulates a tile with separable weights: 1 inside its core, a linear ramp across
    /// `2 * feather` pixels at each edge whose neighbour used a different model, a hard edge
    /// where the neighbour used the same model (so same-model seams stay exact).
    private func blend(_ tileOut: UnsafePointer<Float>, tile ti: Int, grid g: TileGrid, scale s: Int, assignment: [Int],
                       feather: Int, into out: inout [Float], weight: inout [Float], outWidth: Int) {
        let t = g.tiles[ti]
        func differs(_ dr: Int, _ dc: Int) -> Bool {
            let r = t.row + dr, c = t.column + dc
            guard r >= 0, r < g.rows, c >= 0, c < g.columns else { return false }
            return assignment[r * g.columns + c] != assignment[ti]
        }
        func ramp(_ core: Range<Int>, window: Int, windowLength: Int, soft: (Bool, Bool)) -> (Range<Int>, [Float]) {
            let lo = core.lowerBound * s, hi = core.upperBound * s
            let f = Float(feather)
            let start = max(window * s, soft.0 ? lo - feather : lo)
            let end = min((window + windowLength) * s, soft.1 ? hi + feather : hi)
            let w = (start..<end).map { p -> Float in
                let x = Float(p) + 0.5
                var v: Float = 1
                if soft.0 { v = min(v, max(0, min(1, (x - Float(lo) + f) / (2 * f)))) }
                if soft.1 { v = min(v, max(0, min(1, (Float(hi) + f - x) / (2 * f)))) }
                return v
            }
            return (start..<end, w)
        }
        let (xr, wx) = ramp(t.coreX, window: t.windowX, windowLength: g.windowWidth, soft: (differs(0, -1), differs(0, 1)))
        let (yr, wy) = ramp(t.coreY, window: t.windowY, windowLength: g.windowHeight, soft: (differs(-1, 0), differs(1, 0)))
        let ow = g.windowWidth * s
        for (j, y) in yr.enumerated() {
            let row = tileOut + (y - t.windowY * s) * ow - t.windowX * s
            for (i, x) in xr.enumerated() {
                let w = wx[i] * wy[j]
                out[y * outWidth + x] += w * row[x]
                weight[y * outWidth + x] += w
            }
        }
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
private func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }
