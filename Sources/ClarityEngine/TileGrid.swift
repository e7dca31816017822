/// How a plane is cut into tiles (all in input pixels of the padded plane).
///
/// Rules (they make the stitched result equal the whole-frame result):
/// - the plane is first padded (edge repeat) to a multiple of the model's `align`;
/// - cores (the pixels a tile is responsible for) partition the padded plane; their size is
///   `tile` rounded up to `align`, the last one in a row or column may be smaller (with
///   `evenly`, each axis is cut into as many cores as `tile` needs, of one size);
/// - every tile reads a window of the same size `tile + 2 * overlap` (one compiled shape
///   for every batch), placed `overlap` before its core and shifted inward at the plane's
///   edges, where the model's own zero padding is the same as in a whole-frame run;
/// - window origins are multiples of `align` (a stride-2 first conv sees the same pixel grid);
/// - `overlap` >= the model's receptive radius makes every core pixel exact.
public struct TileGrid: Sendable {
    public struct Tile: Sendable {
        public var row: Int, column: Int
        /// Core [x0, x1) x [y0, y1) in padded-plane pixels.
        public var coreX: Range<Int>, coreY: Range<Int>
        /// Window origin in padded-plane pixels (size is the grid's window size).
        public var windowX: Int, windowY: Int
    }

    public let width: Int, height: Int
    public let paddedWidth: Int, paddedHeight: Int
    public let windowWidth: Int, windowHeight: Int
    public let rows: Int, columns: Int
    public let tiles: [Tile]

    /// Indices of tile `index` and of its up to eight neighbours.
    public func neighbourhood(of index: Int) -> [Int] {
        let t = tiles[index]
        return (max(0, t.row - 1)...min(rows - 1, t.row + 1)).flatMap { r in
            (max(0, t.column - 1)...min(columns - 1, t.column + 1)).map { r * columns + $0 }
        }
    }

    /// Tile indices from the picture's centre outwards, by their cores' centres (the padding
    /// left out; ties in index order): where a frame's time runs out, what is left undone is
    /// at its edges, not its lower part.
    public var centreFirst: [Int] {
        func distance(_ t: Tile) -> Int {  // squared, in doubled coordinates
            let dx = t.coreX.lowerBound + min(t.coreX.upperBound, width) - width
            let dy = t.coreY.lowerBound + min(t.coreY.upperBound, height) - height
            return dx * dx + dy * dy
        }
        return tiles.indices.sorted { (distance(tiles[$0]), $0) < (distance(tiles[$1]), $1) }
    }

    /// - Parameters: `tile` 0 means one tile covering the whole (padded) plane; `tileWidth`
    ///   (default `tile`) sets the tiles' width alone, so `tileWidth` 0 cuts full-width bands.
    ///   `evenly`: cores of one size no larger than `tile` (720 rows in tiles of 512: two of
    ///   360, where a second 512-row window clamped back over the first would compute 1040).
    public init(width: Int, height: Int, tile: Int, tileWidth: Int? = nil, overlap: Int, align: Int, evenly: Bool = false) {
        func up(_ v: Int) -> Int { (v + align - 1) / align * align }
        self.width = width; self.height = height
        paddedWidth = up(width); paddedHeight = up(height)
        func side(_ t: Int, of length: Int) -> Int {
            guard t > 0 else { return Int.max / 4 }
            guard evenly else { return up(t) }
            let parts = (length + t - 1) / t
            return up((length + parts - 1) / parts)
        }
        let o = up(max(0, overlap))
        let xs = Self.split(paddedWidth, side(tileWidth ?? tile, of: paddedWidth), o)
        let ys = Self.split(paddedHeight, side(tile, of: paddedHeight), o)
        windowWidth = xs.window; windowHeight = ys.window
        rows = ys.parts.count; columns = xs.parts.count
        var tiles: [Tile] = []
        for (r, y) in ys.parts.enumerated() {
            for (c, x) in xs.parts.enumerated() {
                tiles.append(Tile(row: r, column: c, coreX: x.core, coreY: y.core, windowX: x.origin, windowY: y.origin))
            }
        }
        self.tiles = tiles
    }

    /// One axis: cores of `t` pixels, windows of `t + 2o` clamped inside `[0, length)`.
    static func split(_ length: Int, _ t: Int, _ o: Int) -> (window: Int, parts: [(core: Range<Int>, origin: Int)]) {
        let window = t >= length ? length : min(length, t + 2 * o)
        if window == length { 
            // One window covers the axis; cores still follow the tile size.
            var parts: [(Range<Int>, Int)] = []
            var s = 0
            while s < length { parts.append((s..<min(length, s + t), 0)); s += t }
            return (length, parts)
        }
        var parts: [(Range<Int>, Int)] = []
        var s = 0
        while s < length {
            let core = s..<min(length, s + t)
            parts.append((core, min(max(0, s - o), length - window)))
            s += t
        }
        return (window, parts)
    }
}
