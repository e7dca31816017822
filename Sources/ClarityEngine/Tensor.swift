/// A batch of feature maps in NHWC order (batch, row, column, channel), the layout every
/// engine API takes and returns. One luma tile is `Tensor(n: 1, h: H, w: W, c: 1)`.
public struct Tensor: Equatable, Sendable {
    public var n: Int, h: Int, w: Int, c: Int
    public var data: [Float]

    public init(n: Int, h: Int, w: Int, c: Int, data: [Float]) {
        precondition(data.count == n * h * w * c, "tensor data count \(data.count) != \(n)x\(h)x\(w)x\(c)")
        self.n = n; self.h = h; self.w = w; self.c = c; self.data = data
    }

    public init(n: Int, h: Int, w: Int, c: Int, repeating v: Float = 0) {
        self.init(n: n, h: h, w: w, c: c, data: [Float](repeating: v, count: n * h * w * c))
    }

    @inline(__always)
    public func index(_ b: Int, _ y: Int, _ x: Int, _ ch: Int) -> Int { ((b * h + y) * w + x) * c + ch }

    public subscript(b: Int, y: Int, x: Int, ch: Int) -> Float {
        get { data[index(b, y, x, ch)] }
        set { data[index(b, y, x, ch)] = newValue }
    }
}
