import ClarityEngine

/// Integer samples of a frame plane to the engine's float planes (`IntegerSamples` goes back).
enum SampleConversion {
    /// Reads a plane of 8-bit (or, when `wide`, 16-bit little-endian) samples, times `scale`.
    static func plane(from source: (data: UnsafeMutablePointer<UInt8>, stride: Int), width: Int, height: Int,
                      wide: Bool, scale: Float) -> Plane {
        let data = [Float](unsafeUninitializedCapacity: width * height) { dst, count in
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
            count = width * height
        }
        return Plane(width: width, height: height, data: data)
    }
}
