import Foundation

/// Naive reference implementations of every layer, written for obviousness (direct loops,
/// PyTorch definitions, no SIMD, no oneDNN) so the tests can check the fast paths against
/// them. Not for production use: the convolutions are O(everything) single-threaded.
public enum Reference {
    public static func conv2d(_ x: Tensor, _ c: Layer.Convolution, weight: [Float], bias: [Float]?, residual: Tensor? = nil) -> Tensor {
        let oh = (x.h + 2 * c.padding.h - c.kernel.h) / c.stride.h + 1
        let ow = (x.w + 2 * c.padding.w - c.kernel.w) / c.stride.w + 1
        var out = Tensor(n: x.n, h: oh, w: ow, c: c.outChannels)
        let icg = c.inChannels / c.groups, ocg = c.outChannels / c.groups
        for b in 0..<x.n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<c.outChannels {
            let g = o / ocg
            var s: Double = Double(bias?[o] ?? 0)
            for i in 0..<icg { for ky in 0..<c.kernel.h { for kx in 0..<c.kernel.w {
                let iy = oy * c.stride.h - c.padding.h + ky, ix = ox * c.stride.w - c.padding.w + kx
                guard iy >= 0, iy < x.h, ix >= 0, ix < x.w else { continue }
                let wv = weight[((o * icg + i) * c.kernel.h + ky) * c.kernel.w + kx]
                s += Double(wv) * Double(x[b, iy, ix, g * icg + i])
            } } }
            var v = Float(s)
            if let a = c.activation { v = a.apply(v) }
            if let r = residual { v += r[b, oy, ox, o] }
            out[b, oy, ox, o] = v
        } } } }
        return out
    }

    /// PyTorch ConvTranspose2d, padding 0, weight [in, out/groups, kh, kw].
    public static func convTranspose2d(_ x: Tensor, _ c: Layer.Convolution, weight: [Float], bias: [Float]?) -> Tensor {
        let oh = (x.h - 1) * c.stride.h + c.kernel.h, ow = (x.w - 1) * c.stride.w + c.kernel.w
        var acc = [Double](repeating: 0, count: x.n * oh * ow * c.outChannels)
        let icg = c.inChannels / c.groups, ocg = c.outChannels / c.groups
        for b in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w { for i in 0..<c.inChannels {
            let g = i / icg
            for o in 0..<ocg { for ky in 0..<c.kernel.h { for kx in 0..<c.kernel.w {
                let wv = weight[((i * ocg + o) * c.kernel.h + ky) * c.kernel.w + kx]
                let oy = y * c.stride.h + ky, ox = xx * c.stride.w + kx
                acc[((b * oh + oy) * ow + ox) * c.outChannels + g * ocg + o] += Double(wv) * Double(x[b, y, xx, i])
            } } }
        } } } }
        var out = Tensor(n: x.n, h: oh, w: ow, c: c.outChannels)
        for k in 0..<acc.count {
            var v = Float(acc[k] + Double(bias?[k % c.outChannels] ?? 0))
            if let a = c.activation { v = a.apply(v) }
            out.data[k] = v
        }
        return out
    }

    public static func pixelShuffle(_ x: Tensor, factor r: Int) -> Tensor {
        let co = x.c / (r * r)
        var out = Tensor(n: x.n, h: x.h * r, w: x.w * r, c: co)
        for b in 0..<x.n { for y in 0..<out.h { for xx in 0..<out.w { for ch in 0..<co {
            out[b, y, xx, ch] = x[b, y / r, xx / r, ch * r * r + (y % r) * r + (xx % r)]
        } } } }
        return out
    }

    public static func concat(_ xs: [Tensor]) -> Tensor {
        var out = Tensor(n: xs[0].n, h: xs[0].h, w: xs[0].w, c: xs.reduce(0) { $0 + $1.c })
        for b in 0..<out.n { for y in 0..<out.h { for xx in 0..<out.w {
            var ch = 0
            for t in xs { for k in 0..<t.c { out[b, y, xx, ch] = t[b, y, xx, k]; ch += 1 } }
        } } }
        return out
    }

    public static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = a
        for k in 0..<a.data.count { out.data[k] = a.data[k] + b.data[k] }
        return out
    }

    public static func activation(_ x: Tensor, _ a: Activation) -> Tensor {
        var out = x
        out.data = x.data.map(a.apply)
        return out
    }

    public static func globalAvgPool(_ x: Tensor) -> Tensor {
        var out = Tensor(n: x.n, h: 1, w: 1, c: x.c)
        for b in 0..<x.n { for ch in 0..<x.c {
            var s: Double = 0
            for y in 0..<x.h { for xx in 0..<x.w { s += Double(x[b, y, xx, ch]) } }
            out[b, 0, 0, ch] = Float(s / Double(x.h * x.w))
        } }
        return out
    }

    public static func eca(_ x: Tensor, weight: [Float]) -> Tensor {
        let p = globalAvgPool(x)
        var out = x
        let k = weight.count
        for b in 0..<x.n { for ch in 0..<x.c {
            var s: Float = 0
            for t in 0..<k {
                let j = ch - k / 2 + t
                if (0..<x.c).contains(j) { s += weight[t] * p[b, 0, 0, j] }
            }
            let gate = Activation.sigmoid.apply(s)
            for y in 0..<x.h { for xx in 0..<x.w { out[b, y, xx, ch] = x[b, y, xx, ch] * gate } }
        } }
        return out
    }

    public static func linear(_ x: Tensor, _ l: Layer.Linear, weight: [Float], bias: [Float]?) -> Tensor {
        var out = Tensor(n: x.n, h: 1, w: 1, c: l.outFeatures)
        for b in 0..<x.n { for o in 0..<l.outFeatures {
            var s = Double(bias?[o] ?? 0)
            for i in 0..<l.inFeatures { s += Double(weight[o * l.inFeatures + i]) * Double(x.data[b * l.inFeatures + i]) }
            out[b, 0, 0, o] = l.activation?.apply(Float(s)) ?? Float(s)
        } }
        return out
    }

    public static func maxCandidates(_ x: Tensor, candidates: Int, groups: Int) -> Tensor {
        var out = Tensor(n: x.n, h: x.h, w: x.w, c: groups)
        for b in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w { for g in 0..<groups {
            out[b, y, xx, g] = (0..<candidates).map { x[b, y, xx, $0 * groups + g] }.max()!
        } } } }
        return out
    }

    public static func softmaxSum(_ x: Tensor, candidates: Int, groups: Int, mode: Layer.SoftmaxMode) -> Tensor {
        let cg = candidates * groups
        var out = Tensor(n: x.n, h: x.h, w: x.w, c: groups)
        for b in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w { for g in 0..<groups {
            let logits: [Double] = (0..<candidates).map { c in
                let i = c * groups + g
                return mode == .tm ? Double(x[b, y, xx, cg + i]) : Double(x[b, y, xx, cg + i]) * Double(x[b, y, xx, 2 * cg + i])
            }
            let m = logits.max()!
            let e = logits.map { exp($0 - m) }
            let total = e.reduce(0, +)
            var s: Double = 0
            for c in 0..<candidates { s += e[c] / total * Double(x[b, y, xx, c * groups + g]) }
            out[b, y, xx, g] = Float(s)
        } } } }
        return out
    }
}
