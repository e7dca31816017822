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

    /// Writes `plane` (values in [0, 1]) as rounded, clamped integer samples.
    static func store(_ plane: Plane, into target: (data: UnsafeMutablePointer<UInt8>, stride: Int), wide: Bool, maxValue: Float) {
        let width = plane.width
        plane.data.withUnsafeBufferPointer { src in
            for y in 0..<plane.height {
                let row = src.baseAddress! + y * width
                let dst = target.data + y * target.stride
                var x = 0
                let lanes = 16
                let hi = SIMD16<Float>(repeating: maxValue), half = SIMD16<Float>(repeating: 0.5)
                if wide {
                    dst.withMemoryRebound(to: UInt16.self, capacity: width) { d in
                        while x + lanes <= width {
                            var v = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD16<Float>.self) * hi + half
                            v = v.clamped(lowerBound: .zero, upperBound: hi)
                            UnsafeMutableRawPointer(d + x).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: SIMD16<Int32>(v)), as: SIMD16<UInt16>.self)
                            x += lanes
                        }
                        while x < width { d[x] = UInt16(min(max(row[x] * maxValue + 0.5, 0), maxValue)); x += 1 }
                    }
                } else {
                    while x + lanes <= width {
                        var v = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD16<Float>.self) * hi + half
                        v = v.clamped(lowerBound: .zero, upperBound: hi)
                        UnsafeMutableRawPointer(dst + x).storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(v)), as: SIMD16<UInt8>.self)
                        x += lanes
                    }
                    while x < width { dst[x] = UInt8(min(max(row[x] * maxValue + 0.5, 0), maxValue)); x += 1 }
                }
            }
        }
    }
}
