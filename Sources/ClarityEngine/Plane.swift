import CKernels

/// One image plane of floats, row-major (the pipeline converts a frame's luma to this,
/// values in [0, 1]). The tiler's input and output type.
public struct Plane: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var data: [Float]

    public init(width: Int, height: Int, data: [Float]) {
        precondition(data.count == width * height, "plane data count \(data.count) != \(width)x\(height)")
        self.width = width; self.height = height; self.data = data
    }

    public init(width: Int, height: Int, repeating v: Float = 0) {
        self.init(width: width, height: height, data: [Float](repeating: v, count: width * height))
    }

    public subscript(x: Int, y: Int) -> Float {
        get { data[y * width + x] }
        set { data[y * width + x] = newValue }
    }

    /// The plane grown to `width` x `height` by repeating its last column and row (so a
    /// model sees plausible content, not a black edge, where a side is padded up to `align`).
    public func padded(toWidth w: Int, height h: Int) -> Plane {
        if w == width && h == height { return self }
        precondition(w >= width && h >= height, "padding shrinks the plane")
        let data = [Float](unsafeUninitializedCapacity: w * h) { out, count in
            self.data.withUnsafeBufferPointer { src in
                for y in 0..<h {
                    let row = out.baseAddress! + y * w, from = src.baseAddress! + min(y, height - 1) * width
                    row.initialize(from: from, count: width)
                    (row + width).initialize(repeating: from[width - 1], count: w - width)
                }
            }
            count = w * h
        }
        return Plane(width: w, height: h, data: data)
    }

    /// The top-left `w` x `h` region.
    public func cropped(toWidth w: Int, height h: Int) -> Plane {
        w == width && h == height ? self : region(x: 0, y: 0, width: w, height: h)
    }

    /// The `w` x `h` region whose top-left pixel is (x, y).
    public func region(x: Int, y: Int, width w: Int, height h: Int) -> Plane {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "region outside the plane")
        let data = [Float](unsafeUninitializedCapacity: w * h) { out, count in
            self.data.withUnsafeBufferPointer { src in
                for r in 0..<h { (out.baseAddress! + r * w).initialize(from: src.baseAddress! + (y + r) * width + x, count: w) }
            }
            count = w * h
        }
        return Plane(width: w, height: h, data: data)
    }

    /// Rows `rows` of the plane, whole width.
    public func rows(_ rows: Range<Int>) -> Plane {
        Plane(width: width, height: rows.count, data: Array(data[(rows.lowerBound * width)..<(rows.upperBound * width)]))
    }

    /// The least and the greatest sample (nil: an empty plane).
    public var span: (low: Float, high: Float)? {
        guard !data.isEmpty else { return nil }
        var (low, high): (Float, Float) = (0, 0)
        data.withUnsafeBufferPointer { clarity_span($0.baseAddress!, $0.count, &low, &high) }
        return (low, high)
    }

    /// This plane as a 1-channel tensor of one image.
    public var tensor: Tensor { Tensor(n: 1, h: height, w: width, c: 1, data: data) }
}
