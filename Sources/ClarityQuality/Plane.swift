/// A pixel type the quality metrics read: 8-bit samples (0...255) or `Float` samples.
public protocol QualityPixel: Sendable {
    /// The sample as a `Float`, unscaled (an 8-bit 200 reads 200).
    var floatValue: Float { get }
}

extension UInt8: QualityPixel {
    @inline(__always) public var floatValue: Float { Float(self) }
}

extension Float: QualityPixel {
    @inline(__always) public var floatValue: Float { self }
}

/// A rectangle in pixels (a tile of a plane).
public struct PlaneRect: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// A read-only, non-owning view of one image plane: `height` rows of `width` samples,
/// consecutive rows `rowStride` samples apart. The memory must outlive the view (build it
/// inside `withUnsafeBufferPointer`, or use the array overloads of the metrics).
public struct PlaneView<Pixel: QualityPixel> {
    public let base: UnsafePointer<Pixel>
    public let width: Int
    public let height: Int
    public let rowStride: Int

    /// A view of `buffer` as a `width` x `height` plane; `rowStride` defaults to `width`.
    public init(_ buffer: UnsafeBufferPointer<Pixel>, width: Int, height: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? width
        precondition(width >= 0 && height >= 0 && stride >= width, "PlaneView: bad geometry")
        precondition(height == 0 || buffer.count >= (height - 1) * stride + width,
                     "PlaneView: buffer too small for \(width)x\(height) stride \(stride)")
        // An empty plane may come with an empty buffer (nil base); give it a dummy address.
        self.base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Pixel>.alignment)!
        self.width = width
        self.height = height
        self.rowStride = stride
    }

    public init(base: UnsafePointer<Pixel>, width: Int, height: Int, rowStride: Int) {
        precondition(width >= 0 && height >= 0 && rowStride >= width, "PlaneView: bad geometry")
        self.base = base
        self.width = width
        self.height = height
        self.rowStride = rowStride
    }

    /// The view of `rect` (which must lie inside the plane).
    public func cropped(to rect: PlaneRect) -> PlaneView {
        precondition(rect.x >= 0 && rect.y >= 0 && rect.width >= 0 && rect.height >= 0
                     && rect.x + rect.width <= width && rect.y + rect.height <= height,
                     "PlaneView: rect \(rect) outside \(width)x\(height)")
        return PlaneView(base: base + rect.y * rowStride + rect.x,
                         width: rect.width, height: rect.height, rowStride: rowStride)
    }

    /// The view with `border` pixels removed on every side (an empty view if nothing is left).
    public func cropped(border: Int) -> PlaneView {
        precondition(border >= 0, "PlaneView: negative border")
        let w = max(0, width - 2 * border), h = max(0, height - 2 * border)
        if w == 0 || h == 0 { return PlaneView(base: base, width: 0, height: 0, rowStride: rowStride) }
        return cropped(to: PlaneRect(x: border, y: border, width: w, height: h))
    }

    @inline(__always) subscript(x: Int, y: Int) -> Pixel { base[y * rowStride + x] }
}

/// Runs `body` on a view of `pixels` (row-major, `width` x `height`, no padding).
@inline(__always)
func withPlane<P: QualityPixel, R>(_ pixels: [P], width: Int, height: Int,
                                   _ body: (PlaneView<P>) -> R) -> R {
    precondition(pixels.count == width * height,
                 "plane of \(pixels.count) samples is not \(width)x\(height)")
    return pixels.withUnsafeBufferPointer { body(PlaneView($0, width: width, height: height)) }
}

@inline(__always)
func withPlanes<P: QualityPixel, R>(_ a: [P], _ b: [P], width: Int, height: Int,
                                    _ body: (PlaneView<P>, PlaneView<P>) -> R) -> R {
    withPlane(a, width: width, height: height) { va in
        withPlane(b, width: width, height: height) { vb in body(va, vb) }
    }
}
