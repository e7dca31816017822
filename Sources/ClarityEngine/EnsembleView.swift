/// One of the eight symmetries of a square (the identity, the flips, the transposes): a
/// network shown a window turned one of these ways, its output turned back, gives a second
/// opinion; the mean of several opinions is a self-ensemble (EDSR's "+" models). Flips and
/// transposes of a window whose origin and size are multiples of 4 keep H.264's 4x4 block
/// edges on the 4-pixel grid, where the network learnt to look for them.
public struct EnsembleView: Sendable, Equatable {
    public var transposed: Bool, flipsRows: Bool, flipsColumns: Bool

    /// The first `count` views: 1 the identity, 2 adds the left-right flip, 4 every flip,
    /// 8 every flip of the transpose too (square windows only).
    public static func first(_ count: Int) -> [EnsembleView] {
        [false, true].flatMap { t in [(false, false), (false, true), (true, false), (true, true)].map {
            EnsembleView(transposed: t, flipsRows: $0.0, flipsColumns: $0.1)
        } }.prefix(count).map { $0 }
    }

    public static let counts = [1, 2, 4, 8]

    /// Where output pixel (x, y) of the turned `width` x `height` window comes from in the
    /// original window (the turned window is `height` x `width` when transposed).
    @inline(__always)
    private func source(_ x: Int, _ y: Int, width: Int, height: Int) -> Int {
        let (w, h) = transposed ? (height, width) : (width, height)
        let fx = flipsColumns ? w - 1 - x : x, fy = flipsRows ? h - 1 - y : y
        return transposed ? fx * width + fy : fy * width + fx
    }

    /// Writes `window` (`width` x `height`) turned this way into `out`.
    public func apply(_ window: UnsafePointer<Float>, width: Int, height: Int, into out: UnsafeMutablePointer<Float>) {
        let (w, h) = transposed ? (height, width) : (width, height)
        for y in 0..<h { for x in 0..<w { out[y * w + x] = window[source(x, y, width: width, height: height)] } }
    }

    /// Adds `turned` (this view of a `width` x `height` window) turned back onto `sum`.
    public func addUndone(_ turned: UnsafePointer<Float>, width: Int, height: Int, onto sum: UnsafeMutablePointer<Float>) {
        let (w, h) = transposed ? (height, width) : (width, height)
        for y in 0..<h { for x in 0..<w { sum[source(x, y, width: width, height: height)] += turned[y * w + x] } }
    }
}
