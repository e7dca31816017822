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
