/// Elementwise functions on eight floats at once, for kernels that would otherwise call libm
/// once per value (edge-SR's softmax spent most of its time in `expf`).
enum VectorMath {
    /// e^x to about 2 ulp (Cephes' expf polynomial): x = n ln2 + r with |r| <= ln2 / 2, then
    /// e^r by a degree-7 polynomial and 2^n built in the exponent bits. Inputs are clamped to
    /// [-87, 88], where e^x is a normal float.
    @inline(__always)
    static func exp(_ value: SIMD8<Float>) -> SIMD8<Float> {
        let x = max(min(value, SIMD8(repeating: 88)), SIMD8(repeating: -87))
        // Adding 1.5 * 2^23 rounds x / ln2 to an integer, which lands in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        let r = x - n * 0.693_359_375 + n * 2.121_944_40e-4   // ln2 in two parts, for exactness
        var p = r * 1.987_569_150_0e-4 + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let exponent = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return p * unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// Lane-wise maximum and minimum (the standard library's `pointwiseMax` goes lane by lane
    /// through NaN-aware scalar code and is not inlined).
    @inline(__always)
    static func max(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }

    @inline(__always)
    static func min(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    /// Eight floats from unaligned memory.
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }

    /// Eight floats to unaligned memory.
    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
