/// Element-wise layers on NHWC floats (add, activation); concatenations are `GatedCopy`. Memory bound;
/// written over SIMD8 lanes where it matters, using `a + b` forms only (see DESIGN.md).
enum ElementwiseKernels {
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count / 8, minChunk: 4096) { r in
            for v in r {
                let x = UnsafeRawPointer(a + v * 8).loadUnaligned(as: SIMD8<Float>.self)
                let y = UnsafeRawPointer(b + v * 8).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + v * 8).storeBytes(of: x + y, as: SIMD8<Float>.self)
            }
        }
        for i in (count / 8 * 8)..<count { out[i] = a[i] + b[i] }
    }

    static func activate(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, _ act: Activation) {
        parallelChunks(count, minChunk: 16384) { r in
            for i in r { out[i] = act.apply(x[i]) }
        }
    }
}
