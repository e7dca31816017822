import CKernels

/// Float samples in [0, 1] to the integer samples of a video plane: 8-bit, or 16-bit
/// little-endian when `wide` (9 to 16 significant bits), rounded half up and clamped to
/// [0, maxValue], NaN to 0. The last step of every model stage.
public enum IntegerSamples {
    /// `count` floats from `source` into one row of samples at `target` (vector C for the
    /// CPU's instruction set: at 4K this runs for every output sample of every frame).
    @inline(__always)
    public static func store(_ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutableRawPointer,
                             wide: Bool, maxValue: Float) {
        clarity_store_samples(source, count, target, wide ? 1 : 0, maxValue)
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
}
