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
        var out = Plane(width: w, height: h)
        for y in 0..<h {
            let sy = min(y, height - 1)
            for x in 0..<w { out.data[y * w + x] = data[sy * width + min(x, width - 1)] }
        }
        return out
    }

    /// The top-left `w` x `h` region.
    public func cropped(toWidth w: Int, height h: Int) -> Plane {
        w == width && h == height ? self : region(x: 0, y: 0, width: w, height: h)
    }

    /// The `w` x `h` region whose top-left pixel is (x, y).
    public func region(x: Int, y: Int, width w: Int, height h: Int) -> Plane {
        var out = Plane(width: w, height: h)
        for r in 0..<h { out.data.replaceSubrange(r * w ..< (r + 1) * w, with: data[((y + r) * width + x)...].prefix(w)) }
        return out
    }

    /// Rows `rows` of the plane, whole width.
    public func rows(_ rows: Range<Int>) -> Plane {
        Plane(width: width, height: rows.count, data: Array(data[(rows.lowerBound * width)..<(rows.upperBound * width)]))
    }

    /// This plane as a 1-channel tensor of one image.
    public var tensor: Tensor { Tensor(n: 1, h: height, w: width, c: 1, data: data) }
}
