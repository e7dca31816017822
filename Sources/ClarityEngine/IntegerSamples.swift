/// Float samples in [0, 1] to the integer samples of a video plane: 8-bit, or 16-bit
/// little-endian when `wide` (9 to 16 significant bits), rounded half up and clamped to
/// [0, maxValue], NaN to 0. The last step of every model stage.
public enum IntegerSamples {
    /// `count` floats from `source` into one row of samples at `target`.
    /// Plain scalar code: generic SIMD clamps and conversions compile to a call per lane on
    /// the default target.
    @inline(__always)
    public static func store(_ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutableRawPointer,
                             wide: Bool, maxValue: Float) {
        if wide {
            let d = target.assumingMemoryBound(to: UInt16.self)
            for x in 0..<count { d[x] = UInt16(truncatingIfNeeded: quantize(source[x], maxValue)) }
        } else {
            let d = target.assumingMemoryBound(to: UInt8.self)
            for x in 0..<count { d[x] = UInt8(truncatingIfNeeded: quantize(source[x], maxValue)) }
        }
    }

    /// A whole plane into rows `stride` bytes apart, rows in parallel.
    public static func store(_ plane: Plane, into target: UnsafeMutablePointer<UInt8>, stride: Int, wide: Bool, maxValue: Float) {
        plane.data.withUnsafeBufferPointer { src in
            parallelChunks(plane.height, minChunk: 16) { rows in
                for y in rows {
                    store(src.baseAddress! + y * plane.width, count: plane.width, into: target + y * stride,
                          wide: wide, maxValue: maxValue)
                }
            }
        }
    }

    @inline(__always)
    static func quantize(_ v: Float, _ maxValue: Float) -> Int32 {
        let scaled = v * maxValue + 0.5
        let clamped = scaled >= 0 ? (scaled <= maxValue ? scaled : maxValue) : 0
        return Int32(clamped)
    }
}
