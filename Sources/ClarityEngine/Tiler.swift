import CKernels
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
    /// Tile width when it differs from `tile` (0 = full-width bands).
    public var tileWidth: Int?
    public var overlap: Int?
    public var batchSize: Int
    public var precision: Precision
    /// Cut each axis into tiles of one size, no larger than `tile` (`TileGrid`'s `evenly`).
    public var evenly = false

    /// - Parameters:
    ///   - tile: LR tile size (0 = whole frame).
    ///   - tileWidth: LR tile width, if not `tile` (0 = full-width bands `tile` rows high).
    ///   - overlap: context around each core in LR pixels; nil = the models' receptive radius.
    public init(tile: Int = 128, tileWidth: Int? = nil, overlap: Int? = nil, batchSize: Int = 64, precision: Precision = .fp32) {
        self.tile = tile; self.tileWidth = tileWidth; self.overlap = overlap; self.batchSize = max(1, batchSize)
        self.precision = precision
    }

    /// A tiler that runs a `width` x `height` frame with its whole-frame result (seam-free)
    /// in bounded memory: whole up to 1080p, beyond that in even tiles of at most 512 (4K to
    /// 8K through Bicubic++ C32 x2: 0.48 GB instead of 2.1, and faster), or of `tile` where
    /// given (0: whole); about 128K input pixels a batch (on 128-pixel tiles as fast as 64 at
    /// once, in an eighth of the memory).
    public static func forFrame(width: Int, height: Int, tile: Int? = nil, overlap: Int? = nil, precision: Precision) -> Tiler {
        let tile = tile ?? (width * height > 1920 * 1088 ? 512 : 0)
        var tiler = Tiler(tile: tile, overlap: overlap, batchSize: tile > 0 ? max(1, (1 << 17) / (tile * tile)) : 1, precision: precision)
        tiler.evenly = true
        return tiler
    }

    /// The grid this tiler uses for `plane` and `models` (e.g. to classify tiles first).
    public func grid(width: Int, height: Int, models: [Model]) -> TileGrid {
        let align = models.map(\.graph.align).reduce(1, lcm)
        let radius = models.map(\.graph.receptiveRadius).max() ?? 0
        return TileGrid(width: width, height: height, tile: tile, tileWidth: tileWidth, overlap: overlap ?? radius, align: align, evenly: evenly)
    }

    /// Upscales (or enhances) `plane` with one model.
    public func run(_ plane: Plane, model: Model) throws -> Plane {
        let g = grid(width: plane.width, height: plane.height, models: [model])
        return try run(plane, models: [model], grid: g, assignment: [Int](repeating: 0, count: g.tiles.count))
    }

    /// `run` with the result written straight into integer samples (`target`, rows `stride`
    /// bytes apart; see `IntegerSamples`): each tile's core is rounded into place band by band
    /// as the plan streams its output (`ExecutionPlan.execute(streamingOutputTo:)`), so no float
    /// plane of the output's size is made or copied.
    public func run(_ plane: Plane, model: Model, into target: UnsafeMutablePointer<UInt8>, stride: Int,
                    wide: Bool, maxValue: Float) throws {
        let g = grid(width: plane.width, height: plane.height, models: [model])
        let s = model.graph.scale
        let width = g.width * s, height = g.height * s, ow = g.windowWidth * s, oh = g.windowHeight * s
        let src = plane.padded(toWidth: g.paddedWidth, height: g.paddedHeight)
        try runTiles(src, models: [model], grid: g, assignment: [Int](repeating: 0, count: g.tiles.count)) { plan, chunk in
            try plan.execute(streamingOutputTo: { rows, band in
                for r in rows where r / oh < chunk.count {  // rows past the batch's last tile are padding
                    let t = g.tiles[chunk[r / oh]], y = t.windowY * s + r % oh
                    guard Self.coreRows(t, scale: s, height: height).contains(y) else { continue }
                    Self.storeCore(of: t, row: y, windowRow: band + (r - rows.lowerBound) * ow, scale: s, width: width,
                                   into: target, stride: stride, wide: wide, maxValue: maxValue)
                }
            })
        }
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
        let weight = Accumulator(count: mixed ? outW * outH : 0)
        let feather = featherWidth(models: models, scale: s)
        try out.withUnsafeMutableBufferPointer { o in
            try runTiles(src, models: models, grid: g, assignment: assignment) { ti, tileOut in
                if mixed {
                    blend((tileOut, g.windowWidth * s, o.baseAddress!), tile: ti, grid: g, scale: s, assignment: assignment, feather: feather,
                          weight: weight.values, outWidth: outW)
                } else {
                    paste(tileOut, g.tiles[ti], grid: g, scale: s, into: o.baseAddress!, outWidth: outW)
                }
            }
            if let canvas {
                // Canvas tiles: their window cut out of the canvas, blended like a model's output.
                let window = Accumulator(count: g.windowWidth * s * g.windowHeight * s, zeroed: false)
                for ti in g.tiles.indices where assignment[ti] == canvasIndex {
                    cut(g.tiles[ti], grid: g, scale: s, from: { canvas.data[$1 * canvas.width + $0] },
                        width: canvas.width, height: canvas.height, into: window.values)
                    blend((UnsafePointer(window.values), g.windowWidth * s, o.baseAddress!), tile: ti, grid: g, scale: s, assignment: assignment, feather: feather,
                          weight: weight.values, outWidth: outW)
                }
            }
            if mixed { for i in 0..<(outW * outH) { o[i] /= weight.values[i] } }
        }
        return Plane(width: outW, height: outH, data: out).cropped(toWidth: g.width * s, height: g.height * s)
    }

    /// `run` with the canvas already in place as integer samples (`canvas`, 8-bit, or 16-bit
    /// little-endian when `wide`, rows `stride` bytes apart, `width` x `height` = the plane at
    /// the models' scale, `maxValue` the samples' white): only the tiles assigned a
    /// model and the seams around them are computed, and written back rounded. Canvas tiles
    /// (assignment `models.count`) cost nothing, so a frame that is mostly canvas stays cheap.
    ///
    /// `keepGoing` is asked before each batch of tiles: once it says no, the batches left keep
    /// the canvas (a frame that runs late gives up model tiles, not its deadline). Blending
    /// waits until the batches are done, so the result is exactly `composite` of the returned
    /// assignment: no seam where a tile lost its model.
    /// - Returns: the assignment carried out (tiles not run set to the canvas).
    @discardableResult
    public func composite(_ plane: Plane, models: [Model], grid g: TileGrid, assignment planned: [Int],
                          onto canvas: UnsafeMutablePointer<UInt8>, stride: Int, wide: Bool, maxValue: Float,
                          scratch: CompositeScratch = CompositeScratch(), keepGoing: () -> Bool = { true }) throws -> [Int] {
        let canvasIndex = models.count
        guard !models.isEmpty, planned.count == g.tiles.count, plane.width == g.width, plane.height == g.height,
              planned.allSatisfy({ (0...canvasIndex).contains($0) }) else {
            throw EngineError.badInput("tile assignment does not match the grid (\(planned.count) for \(g.tiles.count) tiles)")
        }
        let s = models[0].graph.scale
        let width = g.width * s, height = g.height * s
        let outW = g.paddedWidth * s
        let ow = g.windowWidth * s, oh = g.windowHeight * s
        // Each model tile's output window, kept until every batch has run or been given up.
        let plannedModelTiles = g.tiles.indices.filter { planned[$0] != canvasIndex }
        var slot = [Int](repeating: -1, count: g.tiles.count)
        for (k, ti) in plannedModelTiles.enumerated() { slot[ti] = k }
        scratch.reserve(outW * g.paddedHeight * s, windows: plannedModelTiles.count * ow * oh)
        let windows = scratch.windows!.values
        var assignment = planned
        let src = plane.padded(toWidth: g.paddedWidth, height: g.paddedHeight)
        try runTiles(src, models: models, grid: g, assignment: planned) { plan, chunk in
            guard keepGoing() else {
                for ti in chunk { assignment[ti] = canvasIndex }
                return
            }
            // Streamed band by band into the tiles' windows: the batch's output is never written whole.
            try plan.execute(streamingOutputTo: { rows, band in
                for r in rows where r / oh < chunk.count {  // rows past the batch's last tile are padding
                    (windows + slot[chunk[r / oh]] * ow * oh + (r % oh) * ow).update(from: band + (r - rows.lowerBound) * ow, count: ow)
                }
            })
        }
        // The tiles whose outputs can reach a model tile's pixels: the model tiles and their neighbours.
        let modelTiles = g.tiles.indices.filter { assignment[$0] != canvasIndex }
        if modelTiles.isEmpty { return assignment }
        let touched = Set(modelTiles.flatMap(g.neighbourhood(of:)))
        // A model tile whose eight neighbours took its branch too is not feathered on any side,
        // and no neighbour's feather reaches its core: the core is its own output exactly, and
        // is rounded straight onto the canvas. Only the others go through the blend.
        var uniform: [Int] = [], blended: [Int] = []
        for ti in modelTiles {
            if g.neighbourhood(of: ti).allSatisfy({ assignment[$0] == assignment[ti] }) { uniform.append(ti) } else { blended.append(ti) }
        }
        let acc = scratch.acc!, weight = scratch.weight!, canvasWeight = scratch.canvasWeight!
        let feather = featherWidth(models: models, scale: s)
        // A canvas tile counts only where a model tile's window covers it (a strip of the
        // overlap beside a single model tile): its clip is the union of those windows.
        let canvasClips: [(Int, (x: Range<Int>, y: Range<Int>))] = touched.filter { assignment[$0] == canvasIndex }.compactMap { ti in
            var clip: (x: Range<Int>, y: Range<Int>)?
            for n in g.neighbourhood(of: ti) where assignment[n] != canvasIndex {
                let m = g.tiles[n]
                let x = (m.windowX * s)..<(m.windowX * s + ow), y = (m.windowY * s)..<(m.windowY * s + oh)
                clip = clip.map { (min($0.x.lowerBound, x.lowerBound)..<max($0.x.upperBound, x.upperBound),
                                   min($0.y.lowerBound, y.lowerBound)..<max($0.y.upperBound, y.upperBound)) } ?? (x, y)
            }
            return clip.map { (ti, $0) }
        }
        // Full-width bands (one column) blend only within `feather` rows of a boundary between
        // different branches: every other row holds one band's output alone, at weight 1, and is
        // rounded straight onto the canvas like a uniform tile's core. Tiles blend every row.
        let bands = g.columns == 1, outH = g.paddedHeight * s
        var seamRow = [Bool](repeating: !bands, count: outH)
        if bands {
            for r in 1..<max(1, g.rows) where assignment[r] != assignment[r - 1] {
                let y = g.tiles[r].coreY.lowerBound * s
                for k in max(0, y - feather)..<min(outH, y + feather) { seamRow[k] = true }
            }
        }
        var seams: [Range<Int>] = []  // the runs of seam rows, each blended once
        var row = 0
        while row < outH {
            guard seamRow[row] else { row += 1; continue }
            let start = row
            while row < outH && seamRow[row] { row += 1 }
            seams.append(start..<row)
        }
        // The blended windows' samples, each once (the write-back reads the canvas sample it
        // replaces): rows cut where a window starts or ends, each with its merged spans.
        let windowAreas = blended.map { ti in
            let t = g.tiles[ti]
            return (y: (t.windowY * s)..<min(height, t.windowY * s + oh), x: (t.windowX * s)..<min(width, t.windowX * s + ow))
        }
        let cuts = Set(windowAreas.flatMap { [$0.y.lowerBound, $0.y.upperBound] }).sorted()
        let writeBack: [(Range<Int>, [Range<Int>])] = zip(cuts, cuts.dropFirst()).compactMap { lo, hi in
            var spans: [Range<Int>] = []
            for x in windowAreas.filter({ $0.y.contains(lo) }).map(\.x).sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = spans.last, x.lowerBound <= last.upperBound {
                    spans[spans.count - 1] = last.lowerBound..<max(last.upperBound, x.upperBound)
                } else {
                    spans.append(x)
                }
            }
            return spans.isEmpty ? nil : (lo..<hi, spans)
        }
        // Rows written straight from a tile's own output: a uniform tile's core; a band's core off the seams.
        let direct = uniform.map { ($0, false) } + (bands ? blended.map { ($0, true) } : [])
        // Bands of output rows in parallel: each band blends and writes back only its own rows,
        // so no two threads touch the same sample, and canvas rows are read before written. The
        // bands split the rows' work evenly: model tiles gather where the picture is detailed.
        var rowWork = [Int](repeating: 0, count: outH)
        func work(_ rows: Range<Int>, _ samples: Int) { for y in rows.clamped(to: 0..<outH) { rowWork[y] += samples } }
        for (ti, _) in direct { work(Self.coreRows(g.tiles[ti], scale: s, height: height), g.tiles[ti].coreX.count * s) }
        for ti in blended { work((g.tiles[ti].windowY * s)..<(g.tiles[ti].windowY * s + oh), 3 * ow) }
        for (_, clip) in canvasClips { work(clip.y, clip.x.count) }
        parallelChunks(costs: rowWork, minChunk: 32) { band in
            let all = 0..<outW
            // Every blend lands in some model tile's window, and only those are written back:
            // zeroing them suffices (the canvas neighbours' windows were 8x more to clear).
            for (ti, offSeams) in direct {
                let t = g.tiles[ti], window = windows + slot[ti] * ow * oh
                for y in Self.coreRows(t, scale: s, height: height).clamped(to: band) where !(offSeams && seamRow[y]) {
                    Self.storeCore(of: t, row: y, windowRow: window + (y - t.windowY * s) * ow, scale: s, width: width,
                                   into: canvas, stride: stride, wide: wide, maxValue: maxValue)
                }
            }
            for seam in seams {
                let rows = seam.clamped(to: band)
                guard !rows.isEmpty else { continue }
                for ti in blended {
                    let t = g.tiles[ti]
                    for y in ((t.windowY * s)..<(t.windowY * s + oh)).clamped(to: rows) {
                        let at = y * outW + t.windowX * s
                        (acc.values + at).update(repeating: 0, count: ow)
                        (weight.values + at).update(repeating: 0, count: ow)
                        (canvasWeight.values + at).update(repeating: 0, count: ow)
                    }
                }
                for ti in blended {
                    blend((UnsafePointer(windows + slot[ti] * ow * oh), ow, acc.values), tile: ti, grid: g, scale: s, assignment: assignment,
                          feather: feather, clip: (all, rows), weight: weight.values, outWidth: outW)
                }
                // A canvas tile's samples are the canvas's own: only its weights are summed, and
                // the write-back reads the canvas under them.
                for (ti, clip) in canvasClips {
                    let part = (x: clip.x, y: clip.y.clamped(to: rows))
                    guard !part.y.isEmpty else { continue }
                    blend(nil, tile: ti, grid: g, scale: s, assignment: assignment, feather: feather,
                          clip: part, weight: canvasWeight.values, outWidth: outW)
                }
                for (segment, spans) in writeBack {
                    for y in segment.clamped(to: rows) {
                        for xs in spans {
                            // Samples no blend reached (weight 0) keep the canvas.
                            let x = xs.lowerBound, at = y * outW + x
                            clarity_store_blended(acc.values + at, weight.values + at, canvasWeight.values + at, xs.count,
                                                  canvas + y * stride + x * (wide ? 2 : 1), wide ? 1 : 0, maxValue)
                        }
                    }
                }
            }
        }
        return assignment
    }

    /// Output rows of tile `t`'s core (at `scale`, inside a plane `height` rows high).
    private static func coreRows(_ t: TileGrid.Tile, scale s: Int, height: Int) -> Range<Int> {
        (t.coreY.lowerBound * s)..<min(height, t.coreY.upperBound * s)
    }

    /// Output row `y` of tile `t`'s core, from the row of its output window that holds it,
    /// rounded into integer samples (`target`, rows `stride` bytes apart).
    private static func storeCore(of t: TileGrid.Tile, row y: Int, windowRow: UnsafePointer<Float>, scale s: Int, width: Int,
                                  into target: UnsafeMutablePointer<UInt8>, stride: Int, wide: Bool, maxValue: Float) {
        let xs = (t.coreX.lowerBound * s)..<min(width, t.coreX.upperBound * s)
        guard !xs.isEmpty else { return }
        IntegerSamples.store(windowRow + xs.lowerBound - t.windowX * s, count: xs.count,
                             into: target + y * stride + xs.lowerBound * (wide ? 2 : 1), wide: wide, maxValue: maxValue)
    }

    /// Batch size for `count` tiles of one model: a power of two up to `batchSize` (padded with
    /// blank tiles), so a model compiles at most a handful of shapes however the counts vary.
    func batchFor(_ count: Int) -> Int {
        let limit = max(1, batchSize)
        let nb = (count + limit - 1) / limit
        let per = (count + nb - 1) / nb
        var b = 1
        while b < per { b *= 2 }
        return min(b, limit)
    }

    /// Compiles every batch shape `run` and `composite` can use for this grid, ahead of time.
    public func prepare(models: [Model], grid g: TileGrid) throws {
        for model in models {
            var b = 1
            while true {
                try model.withPlan(batch: min(b, max(1, batchSize)), height: g.windowHeight, width: g.windowWidth, precision: precision) { _ in }
                if b >= batchSize { break }
                b *= 2
            }
        }
    }

    private func featherWidth(models: [Model], scale s: Int) -> Int {
        max(1, ((overlap ?? models.map(\.graph.receptiveRadius).max()!) * s) / 2)
    }

    /// Runs each tile through its model in batches, handing each finished batch's tile
    /// windows to `body` (tile index, output window).
    private func runTiles(_ src: Plane, models: [Model], grid g: TileGrid, assignment: [Int],
                          _ body: (Int, UnsafePointer<Float>) throws -> Void) throws {
        let s = models[0].graph.scale
        let outWindow = g.windowWidth * g.windowHeight * s * s
        try runTiles(src, models: models, grid: g, assignment: assignment) { plan, chunk in
            try plan.execute()
            let result = plan.outputs[0].floats
            for (b, ti) in chunk.enumerated() { try body(ti, result + b * outWindow) }
        }
    }

    /// Loads each batch of tiles into its model's plan and leaves the running to `run` (the
    /// plan, the batch's tile indices).
    private func runTiles(_ src: Plane, models: [Model], grid g: TileGrid, assignment: [Int],
                          run: (ExecutionPlan, [Int]) throws -> Void) throws {
        for (m, model) in models.enumerated() {
            let mine = g.tiles.indices.filter { assignment[$0] == m }
            if mine.isEmpty { continue }
            let batch = batchFor(mine.count)
            try model.withPlan(batch: batch, height: g.windowHeight, width: g.windowWidth, precision: precision) { plan in
                let winPixels = g.windowWidth * g.windowHeight
                for start in Swift.stride(from: 0, to: mine.count, by: batch) {
                    let chunk = Array(mine[start..<min(mine.count, start + batch)])
                    let input = plan.input.floats
                    for (b, ti) in chunk.enumerated() { load(src, tile: g.tiles[ti], grid: g, into: input + b * winPixels) }
                    if chunk.count < batch {
                        (input + chunk.count * winPixels).update(repeating: 0, count: (batch - chunk.count) * winPixels)
                    }
                    try run(plan, chunk)
                }
            }
        }
    }

    /// A tile's output window taken from a whole upscaled plane (`value(x, y)`), edge samples
    /// repeated where the window runs past it.
    /// Only the part inside `clip` (output coordinates) is filled.
    private func cut(_ t: TileGrid.Tile, grid g: TileGrid, scale s: Int, from value: (Int, Int) -> Float,
                     width: Int, height: Int, clip: (x: Range<Int>, y: Range<Int>)? = nil,
                     into window: UnsafeMutablePointer<Float>) {
        let ow = g.windowWidth * s, oh = g.windowHeight * s
        let x0 = t.windowX * s, y0 = t.windowY * s
        let xs = (x0..<(x0 + ow)).clamped(to: clip?.x ?? x0..<(x0 + ow))
        let ys = (y0..<(y0 + oh)).clamped(to: clip?.y ?? y0..<(y0 + oh))
        for y in ys {
            let cy = min(y, height - 1)
            for x in xs { window[(y - y0) * ow + x - x0] = value(min(x, width - 1), cy) }
        }
    }

    /// Enhances `plane` with an early-exit model (one output per exit, shallowest first).
    /// Each tile runs alone and stops at the first exit whose output `accept(tile, exit, core)`
    /// approves, judged on the tile's core (its own pixels, without the overlap that its
    /// neighbours own); the last exit (or `lastExit`) always ends it (`accept` still sees
    /// it, and its answer is ignored). A tile that `start(tile, input core)` refuses (under a
    /// time budget, or with nothing to clean) keeps its input, as exit -1 (same-size models
    /// only). Every interior tile
    /// edge is feathered: an early-exit network sees further than any practical overlap, so
    /// no two tiles agree exactly at their border. Returns the plane and each tile's exit.
    ///
    /// With `sideBySide` copies of `model` (`Model.copy()`), tiles run that many at once, each
    /// worker on its own thread with its share of `Engine.threads`: small networks
    /// gain little from a second thread within a convolution. `start` and `accept` are then
    /// called from several threads.
    ///
    /// With `ensemble` > 1, each window runs as a batch of that many `EnsembleView`s (at most
    /// 4, the flips, where windows are not square), and each exit's output is their mean:
    /// about `ensemble` times the work.
    public func runEarlyExit(_ plane: Plane, model: Model, sideBySide copies: [Model] = [], lastExit: Int? = nil,
                             ensemble: Int = 1, start: (Int, Plane) -> Bool = { _, _ in true },
                             accept: (Int, Int, Plane) throws -> Bool) throws -> (plane: Plane, exits: [Int]) {
        let (cores, exits) = try runEarlyExitCores(plane, model: model, sideBySide: copies, lastExit: lastExit,
                                                   ensemble: ensemble, start: start, accept: accept)
        guard !cores.isEmpty else { return (plane, exits) }
        let s = model.graph.scale  // a larger output has every core changed
        return ((s == 1 ? plane : Plane(width: plane.width * s, height: plane.height * s)).writing(cores), exits)
    }

    /// `runEarlyExit`, returning only the output's cores that differ from the input, those with
    /// a tile that ran among their neighbours (every core, when every tile ran): a frame that
    /// ran few tiles costs little more than their neighbourhoods. `scratch` keeps the tiles'
    /// output windows from frame to frame. `centreFirst`: tiles are handed out from the
    /// picture's centre outwards (`TileGrid.centreFirst`), not row by row.
    public func runEarlyExitCores(_ plane: Plane, model: Model, sideBySide copies: [Model] = [], lastExit: Int? = nil,
                                  ensemble: Int = 1, centreFirst: Bool = false, scratch: CompositeScratch = CompositeScratch(),
                                  start: (Int, Plane) -> Bool = { _, _ in true },
                                  accept: (Int, Int, Plane) throws -> Bool) throws -> (cores: [ChangedCore], exits: [Int]) {
        guard EnsembleView.counts.contains(ensemble) else {
            throw EngineError.badInput("an ensemble takes 1, 2, 4 or 8 views, not \(ensemble)")
        }
        let g = grid(width: plane.width, height: plane.height, models: [model])
        let views = EnsembleView.first(g.windowWidth == g.windowHeight ? ensemble : min(ensemble, 4))
        let s = model.graph.scale
        let last = min(lastExit ?? .max, model.graph.outputs.count - 1)
        guard last >= 0 else { throw EngineError.badInput("exit \(lastExit ?? 0) does not exist") }
        let src = plane.padded(toWidth: g.paddedWidth, height: g.paddedHeight)
        let outWindow = g.windowWidth * g.windowHeight * s * s
        var exits = [Int](repeating: last, count: g.tiles.count)
        // Each tile's output window; a tile that keeps its input leaves its own unwritten.
        scratch.reserve(0, windows: g.tiles.count * outWindow)
        let results = scratch.windows!.values
        let runners = [model] + copies
        let workers = max(1, min(runners.count, g.tiles.count))
        // Tiles are handed out one at a time: their depth, so their cost, varies.
        let order = centreFirst ? g.centreFirst : Array(g.tiles.indices)
        let lock = NSLock()
        var next = 0
        func nextTile() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < order.count else { return nil }
            next += 1
            return order[next - 1]
        }
        try exits.withUnsafeMutableBufferPointer { exits in
            let (inWindow, ow, oh) = (g.windowWidth * g.windowHeight, g.windowWidth * s, g.windowHeight * s)
            func run(worker w: Int) throws {
                try runners[w].withPlan(batch: views.count, height: g.windowHeight, width: g.windowWidth,
                                        precision: precision) { plan in
                    var window = [Float](repeating: 0, count: views.count > 1 ? inWindow : 0)
                    while let ti = nextTile() {
                        let t = g.tiles[ti]
                        guard s > 1 || start(ti, src.region(x: t.coreX.lowerBound, y: t.coreY.lowerBound,
                                                            width: t.coreX.count, height: t.coreY.count)) else {
                            exits[ti] = -1
                            continue
                        }
                        let keep = results + ti * outWindow
                        let input = plan.input.floats
                        if views.count == 1 {
                            load(src, tile: g.tiles[ti], grid: g, into: input)
                        } else {
                            window.withUnsafeMutableBufferPointer { wb in
                                load(src, tile: g.tiles[ti], grid: g, into: wb.baseAddress!)
                                for (i, v) in views.enumerated() {
                                    v.apply(wb.baseAddress!, width: g.windowWidth, height: g.windowHeight, into: input + i * inWindow)
                                }
                            }
                        }
                        var done = 0
                        for k in 0...last {
                            try plan.execute(steps: done..<plan.outputReady[k])
                            done = plan.outputReady[k]
                            let output = Plane(width: ow, height: oh, data: Self.mean(of: views, plan.outputs[k].floats, width: ow, height: oh))
                            let core = output.region(x: (t.coreX.lowerBound - t.windowX) * s, y: (t.coreY.lowerBound - t.windowY) * s,
                                                     width: t.coreX.count * s, height: t.coreY.count * s)
                            if try accept(ti, k, core) || k == last {
                                exits[ti] = k
                                output.data.withUnsafeBufferPointer { keep.update(from: $0.baseAddress!, count: outWindow) }
                                break
                            }
                        }
                    }
                }
            }
            guard workers > 1 else { return try run(worker: 0) }
            let threadsEach = max(1, Engine.threads / workers)
            var failure: Error?
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                do {
                    try Engine.withThreadsOnThisThread(threadsEach) { try run(worker: w) }
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
            if let failure { throw failure }
        }
        if !exits.contains(where: { $0 >= 0 }) { return ([], exits) }
        return (stitch(results, exits: exits, input: src, grid: g, scale: s, feather: featherWidth(models: [model], scale: s)), exits)
    }

    /// The early-exit tiles' output windows (`results`, one a tile) blended, every interior tile
    /// edge feathered, into the cores they change. A tile that kept its input (exit -1) blends
    /// `input`'s window; a core with no tile that ran beside it is left out, the input's own.
    /// Each core gathers its neighbours in tile order, so a blended sample is the same
    /// whichever tiles ran.
    private func stitch(_ results: UnsafePointer<Float>, exits: [Int], input src: Plane, grid g: TileGrid, scale s: Int,
                        feather: Int) -> [ChangedCore] {
        let (outW, outH) = (g.width * s, g.height * s)  // the padding left out
        let inW = g.paddedWidth * s, outWindow = g.windowWidth * g.windowHeight * s * s
        let everyTileDiffers = Array(g.tiles.indices)
        let ran = g.tiles.indices.map { exits[$0] >= 0 }
        var cores = [ChangedCore?](repeating: nil, count: g.tiles.count)
        src.data.withUnsafeBufferPointer { input in
            cores.withUnsafeMutableBufferPointer { cores in
                parallelChunks(g.tiles.count, minChunk: 4) { tiles in
                    var weight: [Float] = []
                    for ti in tiles {
                        let t = g.tiles[ti], near = g.neighbourhood(of: ti)
                        let xs = ((t.coreX.lowerBound * s)..<(t.coreX.upperBound * s)).clamped(to: 0..<outW)
                        let ys = ((t.coreY.lowerBound * s)..<(t.coreY.upperBound * s)).clamped(to: 0..<outH)
                        guard !xs.isEmpty, !ys.isEmpty, near.contains(where: { ran[$0] }) else { continue }
                        let n = xs.count * ys.count
                        if weight.count < n { weight = [Float](repeating: 0, count: n) }
                        let samples = [Float](unsafeUninitializedCapacity: n) { out, count in
                            weight.withUnsafeMutableBufferPointer { w in
                                let (o, w) = (out.baseAddress!, w.baseAddress!)
                                o.initialize(repeating: 0, count: n)
                                w.update(repeating: 0, count: n)
                                // Blended at the output's coordinates, into buffers that hold the core alone.
                                let origin = ys.lowerBound * xs.count + xs.lowerBound
                                for m in near {
                                    let (window, stride) = ran[m] ? (results + m * outWindow, g.windowWidth * s)
                                        : (input.baseAddress! + g.tiles[m].windowY * inW + g.tiles[m].windowX, inW)
                                    blend((window, stride, o - origin), tile: m, grid: g, scale: s, assignment: everyTileDiffers,
                                          feather: feather, clip: (xs, ys), weight: w - origin, outWidth: xs.count)
                                }
                                for i in 0..<n { o[i] /= w[i] }
                            }
                            count = n
                        }
                        cores[ti] = ChangedCore(x: xs.lowerBound, y: ys.lowerBound, width: xs.count, height: ys.count, samples: samples)
                    }
                }
            }
        }
        return cores.compactMap { $0 }
    }

    /// The mean of a batch of `views` of one output window, each turned back.
    private static func mean(of views: [EnsembleView], _ batch: UnsafePointer<Float>, width: Int, height: Int) -> [Float] {
        let n = width * height
        guard views.count > 1 else { return Array(UnsafeBufferPointer(start: batch, count: n)) }
        var sum = [Float](repeating: 0, count: n)
        sum.withUnsafeMutableBufferPointer { out in
            for (i, v) in views.enumerated() { v.addUndone(batch + i * n, width: width, height: height, onto: out.baseAddress!) }
        }
        let scale = 1 / Float(views.count)
        return sum.map { $0 * scale }
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
                       into out: UnsafeMutablePointer<Float>, outWidth: Int) {
        let ow = g.windowWidth * s
        let x0 = t.coreX.lowerBound * s, n = t.coreX.count * s
        for y in (t.coreY.lowerBound * s)..<(t.coreY.upperBound * s) {
            let ty = y - t.windowY * s
            (out + y * outWidth + x0).update(from: tileOut + ty * ow + (x0 - t.windowX * s), count: n)
        }
    }

    /// Accumulates a tile with separable weights: 1 inside its core, a linear ramp across
    /// `2 * feather` pixels at each edge whose neighbour used a different model, a hard edge
    /// where the neighbour used the same model (so same-model seams stay exact): the tile's
    /// output window `samples.from` (rows `samples.stride` floats apart) into `samples.into`,
    /// its weights into `weight`. Without `samples`, only the weights are summed.
    private func blend(_ samples: (from: UnsafePointer<Float>, stride: Int, into: UnsafeMutablePointer<Float>)?, tile ti: Int, grid g: TileGrid,
                       scale s: Int, assignment: [Int], feather: Int, clip: (x: Range<Int>, y: Range<Int>)? = nil,
                       weight: UnsafeMutablePointer<Float>, outWidth: Int) {
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
        let xs = xr.clamped(to: clip?.x ?? xr)
        wx.withUnsafeBufferPointer { wxb in
            let ramp = wxb.baseAddress! - xr.lowerBound  // ramp[x] for x in xr
            for y in yr.clamped(to: clip?.y ?? yr) {
                let wyj = wy[y - yr.lowerBound]
                let wt = weight + y * outWidth
                var x = xs.lowerBound
                guard let samples else {
                    while x + 8 <= xs.upperBound {
                        VectorMath.store8(VectorMath.load8(wt + x) + VectorMath.load8(ramp + x) * wyj, wt + x)
                        x += 8
                    }
                    while x < xs.upperBound { wt[x] += ramp[x] * wyj; x += 1 }
                    continue
                }
                let row = samples.from + (y - t.windowY * s) * samples.stride - t.windowX * s
                let o = samples.into + y * outWidth
                while x + 8 <= xs.upperBound {  // eight samples at a time, then the rest
                    let w = VectorMath.load8(ramp + x) * wyj
                    VectorMath.store8(VectorMath.load8(o + x) + w * VectorMath.load8(row + x), o + x)
                    VectorMath.store8(VectorMath.load8(wt + x) + w, wt + x)
                    x += 8
                }
                while x < xs.upperBound {
                    let w = ramp[x] * wyj
                    o[x] += w * row[x]
                    wt[x] += w
                    x += 1
                }
            }
        }
    }

}

/// Float planes `composite` accumulates into, and the output windows of its model tiles and of
/// `runEarlyExitCores`'s tiles, kept from frame to frame by their caller (fresh 4K planes
/// every frame would cost page faults).
public final class CompositeScratch {
    fileprivate var acc: Accumulator?
    fileprivate var weight: Accumulator?
    /// The canvas's own weight in each blend.
    fileprivate var canvasWeight: Accumulator?
    /// Model tiles' output windows, held until blending.
    fileprivate var windows: Accumulator?
    private var count = 0, windowCount = 0

    public init() {}

    fileprivate func reserve(_ n: Int, windows w: Int) {
        if n > count {
            // Zeroed once to map every page now: a frame's tiles touch new parts of these
            // planes for many frames, and page faults made their first blends several times slower.
            acc = Accumulator(count: n)
            weight = Accumulator(count: n)
            canvasWeight = Accumulator(count: n)
            count = n
        }
        if w > windowCount || windows == nil {
            windows = Accumulator(count: w, zeroed: false)
            windowCount = w
        }
    }
}

/// A float buffer freed with its owner; zeroed, or left for the caller to fill before reading
/// (a 4K plane's worth of zeros costs milliseconds).
private final class Accumulator {
    let values: UnsafeMutablePointer<Float>
    init(count: Int, zeroed: Bool = true) {
        values = .allocate(capacity: max(1, count))
        if zeroed { values.initialize(repeating: 0, count: max(1, count)) }
    }
    deinit { values.deallocate() }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
private func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }
