import ClarityEngine

/// Integer samples of a frame plane to the engine's float planes and back.
enum SampleConversion {
    /// Reads a plane of 8-bit (or, when `wide`, 16-bit little-endian) samples, times `scale`.
    static func plane(from source: (data: UnsafeMutablePointer<UInt8>, stride: Int), width: Int, height: Int,
                      wide: Bool, scale: Float) -> Plane {
        var data = [Float](repeating: 0, count: width * height)
        data.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                let row = dst.baseAddress! + y * width
                let src = source.data + y * source.stride
                if wide {
                    src.withMemoryRebound(to: UInt16.self, capacity: width) { s in
                        for x in 0..<width { row[x] = Float(s[x]) * scale }
                    }
                } else {
                    for x in 0..<width { row[x] = Float(src[x]) * scale }
                }
            }
        }
        return Plane(width: width, height: height, data: data)
    }

    /// Writes `plane` (values in [0, 1]) as rounded, clamped integer samples. Plain scalar code:
    /// generic SIMD clamps and conversions compile to a call per lane on the default target.
    static func store(_ plane: Plane, into target: (data: UnsafeMutablePointer<UInt8>, stride: Int), wide: Bool, maxValue: Float) {
        let width = plane.width
        plane.data.withUnsafeBufferPointer { src in
            for y in 0..<plane.height {
                let row = src.baseAddress! + y * width
                let dst = target.data + y * target.stride
                if wide {
                    dst.withMemoryRebound(to: UInt16.self, capacity: width) { d in
                        for x in 0..<width { d[x] = UInt16(truncatingIfNeeded: quantize(row[x], maxValue)) }
                    }
                } else {
                    for x in 0..<width { dst[x] = UInt8(truncatingIfNeeded: quantize(row[x], maxValue)) }
                }
            }
        }
    }

    /// round(v * maxValue) clamped to [0, maxValue]; NaN becomes 0.
    @inline(__always)
    private static func quantize(_ v: Float, _ maxValue: Float) -> Int32 {
        let scaled = v * maxValue + 0.5
        let clamped = scaled >= 0 ? (scaled <= maxValue ? scaled : maxValue) : 0
        return Int32(clamped)
    }
}
