/// Float samples in [0, 1] to the integer samples of a video plane: 8-bit, or 16-bit
/// little-endian when `wide` (9 to 16 significant bits), rounded half up and clamped to
/// [0, maxValue], NaN to 0. The last step of every model stage.
public enum IntegerSamples {
    /// `count` floats from `source` into one row of samples at `target`, eight at a time.
    @inline(__always)
    public static func store(_ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutableRawPointer,
                             wide: Bool, maxValue: Float) {
        let whole = count - count % 8
        let raw = UnsafeRawPointer(source)
        if wide {
            let d = target.assumingMemoryBound(to: UInt16.self)
            for x in Swift.stride(from: 0, to: whole, by: 8) {
                let q = quantize(raw.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self), maxValue)
                for i in 0..<8 { d[x + i] = UInt16(truncatingIfNeeded: q[i]) }
            }
            for x in whole..<count { d[x] = UInt16(truncatingIfNeeded: quantize(source[x], maxValue)) }
        } else {
            let d = target.assumingMemoryBound(to: UInt8.self)
            for x in Swift.stride(from: 0, to: whole, by: 8) {
                let q = quantize(raw.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self), maxValue)
                for i in 0..<8 { d[x + i] = UInt8(truncatingIfNeeded: q[i]) }
            }
            for x in whole..<count { d[x] = UInt8(truncatingIfNeeded: quantize(source[x], maxValue)) }
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

    /// The same, eight lanes at once without a branch or a call per lane: clamp (NaN to 0),
    /// then floor by rounding to nearest through 2^23 and stepping back where that rounded up.
    @inline(__always)
    static func quantize(_ v: SIMD8<Float>, _ maxValue: Float) -> SIMD8<Int32> {
        var x = v * maxValue + 0.5
        x = x.replacing(with: 0, where: .!(x .>= 0))
        x = x.replacing(with: maxValue, where: x .> maxValue)
        let magic = SIMD8<Float>(repeating: 8_388_608)
        var r = (x + magic) - magic
        r = r.replacing(with: r - 1, where: r .> x)
        return unsafeBitCast(r + magic, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    }
}
