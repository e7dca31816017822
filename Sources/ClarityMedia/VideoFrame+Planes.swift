import CFFmpeg

/// Copies between a frame's padded planes and tightly packed arrays, for code that works on
/// whole planes (image loading, measurements) rather than streaming frames.
extension VideoFrame {
    /// Fills `rows` rows of `rowBytes` bytes of plane `index` from a packed array.
    public func copyPlane(_ index: Int, from bytes: [UInt8], rowBytes: Int, rows: Int) {
        precondition(bytes.count >= rowBytes * rows, "\(bytes.count) bytes cannot fill \(rows) rows of \(rowBytes)")
        let (data, stride) = plane(index)
        bytes.withUnsafeBufferPointer { src in
            for y in 0..<rows { (data + y * stride).update(from: src.baseAddress! + y * rowBytes, count: rowBytes) }
        }
    }

    /// The first `rows` rows of `rowBytes` bytes of plane `index`, packed.
    public func planeBytes(_ index: Int, rowBytes: Int, rows: Int) -> [UInt8] {
        let (data, stride) = plane(index)
        var out = [UInt8](repeating: 0, count: rowBytes * rows)
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<rows { (dst.baseAddress! + y * rowBytes).update(from: data + y * stride, count: rowBytes) }
        }
        return out
    }
}

extension VideoFrame {
    /// Copies the pixels of `rect` (on whole chroma samples), in every plane, from `source`, a
    /// frame of the same size and pixel format (planar or packed; chroma planes in proportion).
    public func copy(_ rect: CropRect, from source: VideoFrame) {
        precondition(source.width == width && source.height == height && source.pixelFormat == pixelFormat,
                     "copying between frames of different shapes")
        guard source !== self, let d = av_pix_fmt_desc_get(pixelFormat) else { return }
        let bytes = { (columns: Int, plane: Int) in columns == 0 ? 0 : Int(av_image_get_linesize(self.pixelFormat, Int32(columns), Int32(plane))) }
        for p in 0..<Int(av_pix_fmt_count_planes(pixelFormat)) {
            let (left, right) = (bytes(rect.x, p), bytes(rect.x + rect.width, p))
            let shift = p == 1 || p == 2 ? Int(d.pointee.log2_chroma_h) : 0
            let (top, bottom) = (rect.y >> shift, (rect.y + rect.height + (1 << shift) - 1) >> shift)
            let (to, toStride) = plane(p), (from, fromStride) = source.plane(p)
            for y in top..<bottom { (to + y * toStride + left).update(from: from + y * fromStride + left, count: right - left) }
        }
    }
}
