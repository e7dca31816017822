import CKernels
import Foundation

/// Layers that reduce over space or over candidates: global average pooling, ECA channel
/// attention, fully connected, edge-SR's max and softmax-weighted sums. All NHWC floats.
enum ReductionKernels {
    /// Mean over H and W: [N, H, W, C] -> [N, C].
    static func globalAvgPool(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, n: Int, pixels: Int, c: Int) {
        for b in 0..<n {
            let o = out + b * c
            clarity_channel_sums(x + b * pixels * c, pixels, Int32(c), o)
            for ch in 0..<c { o[ch] /= Float(pixels) }
        }
    }

    /// ECA's gates from the channel means ([N, C]): sigmoid(conv1d_k(means)) over channels,
    /// the conv1d zero-padded, no bias.
    static func ecaGates(means: [Float], n: Int, c: Int, weight: [Float]) -> [Float] {
        let k = weight.count, half = k / 2
        var gate = [Float](repeating: 0, count: n * c)
        for b in 0..<n {
            for ch in 0..<c {
                var s: Float = 0
                for t in 0..<k {
                    let j = ch + t - half
                    if j >= 0 && j < c { s += weight[t] * means[b * c + j] }
                }
                gate[b * c + ch] = 1 / (1 + exp(-s))
            }
        }
        return gate
    }

    /// Fully connected on [N, in] with PyTorch weight [out, in].
    static func linear(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, n: Int, spec: Layer.Linear,
                       weight: [Float], bias: [Float]?) {
        for b in 0..<n {
            for o in 0..<spec.outFeatures {
                var s = bias?[o] ?? 0
                for i in 0..<spec.inFeatures { s += weight[o * spec.inFeatures + i] * x[b * spec.inFeatures + i] }
                out[b * spec.outFeatures + o] = spec.activation?.apply(s) ?? s
            }
        }
    }

    /// Visits output rows `rows` (see `ReductionOutput`; counted over the batch) eight input
    /// pixels at a time: `body` gets the first pixel's channels (in layout `l`), how many of
    /// the eight lie inside the row, where their outputs start, and the groups this output row
    /// holds with their offsets from a pixel's start. `out` is where row `rows.lowerBound`
    /// goes. The edge-SR reductions work on eight pixels per vector.
    @inline(__always)
    private static func eachPixelBlock(_ x: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int,
                                       rows: Range<Int>, placing p: ReductionOutput, _ out: UnsafeMutablePointer<Float>,
                                       _ body: (UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>,
                                                UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>) -> Void) {
        let perRow = p.rowGroups.count / p.factor
        p.rowGroups.withUnsafeBufferPointer { groups in
            p.rowOffsets.withUnsafeBufferPointer { offsets in
                eachRow(x, layout: l, h: h, rows: rows, placing: p, out) { base, dst, i in
                    let g = UnsafeBufferPointer(rebasing: groups[(i * perRow)..<((i + 1) * perRow)])
                    let o = UnsafeBufferPointer(rebasing: offsets[(i * perRow)..<((i + 1) * perRow)])
                    for px in Swift.stride(from: 0, to: w, by: 8) {
                        body(base + px * l.pixel, min(8, w - px), dst + px * p.pixelStride, g, o)
                    }
                }
            }
        }
    }

    /// Output rows `rows` (counted over the batch): `body` gets the input row's first pixel,
    /// where the output row goes (`out` holds row `rows.lowerBound`), and which of the input
    /// row's `factor` output rows it is.
    @inline(__always)
    private static func eachRow(_ x: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, rows: Range<Int>,
                                placing p: ReductionOutput, _ out: UnsafeMutablePointer<Float>,
                                _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        for row in rows {
            let input = row / p.factor
            body(x + (input / h) * l.batch + (input % h) * l.row, out + (row - rows.lowerBound) * p.rowLength, row % p.factor)
        }
    }

    /// Channel values of `lanes` pixels `stride` floats apart; lanes past them are 0.
    @inline(__always)
    private static func gather(_ p: UnsafePointer<Float>, stride s: Int, lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return SIMD8(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]) }
        var v = SIMD8<Float>.zero
        for i in 0..<lanes { v[i] = p[i * s] }
        return v
    }

    @inline(__always)
    private static func scatter(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, stride: Int, lanes: Int) {
        for i in 0..<lanes { p[i * stride] = v[i] }
    }

    /// A row writer (`ExecutionPlan.RowWriter.write`) of the max over candidates:
    /// channel c*G + g -> out channel g. The channel table and the fast path are chosen once,
    /// not on every band of rows.
    static func maxCandidates(_ x: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, candidates: Int, groups: Int,
                              placing p: ReductionOutput) -> (Range<Int>, UnsafeMutablePointer<Float>) -> Void {
        let channels = (0..<(candidates * groups)).map(l.channel)
        if let starts = consecutiveRuns(channels, candidates: candidates, groups: groups, placing: p) {
            return { rows, out in
                maxOfRuns(x, layout: l, h: h, w: w, starts: starts, run: p.rowGroups.count / p.factor, rows: rows, placing: p, out)
            }
        }
        return { rows, out in
            channels.withUnsafeBufferPointer { ch in
                eachPixelBlock(x, layout: l, h: h, w: w, rows: rows, placing: p, out) { s, lanes, d, gs, offsets in
                    for (g, offset) in zip(gs, offsets) {
                        var m = gather(s + ch[g], stride: l.pixel, lanes: lanes)
                        for c in 1..<max(1, candidates) {
                            m = VectorMath.max(m, gather(s + ch[c * groups + g], stride: l.pixel, lanes: lanes))
                        }
                        scatter(m, d + offset, stride: p.pixelStride, lanes: lanes)
                    }
                }
            }
        }
    }

    /// Where each output row's groups are, for every candidate, consecutive channels written to
    /// consecutive floats (one output channel in an unblocked layout: edge-SR at x2 to x4):
    /// the first channel of row i's run for candidate c at `[i * candidates + c]`. Else nil.
    private static func consecutiveRuns(_ channels: [Int], candidates: Int, groups: Int, placing p: ReductionOutput) -> [Int]? {
        let run = p.rowGroups.count / p.factor
        guard run <= 4, p.pixelStride == run else { return nil }
        var starts: [Int] = []
        for i in 0..<p.factor {
            let g0 = p.rowGroups[i * run]
            for c in 0..<candidates {
                for q in 0..<run where p.rowOffsets[i * run + q] != q
                    || channels[c * groups + p.rowGroups[i * run + q]] != channels[c * groups + g0] + q { return nil }
                starts.append(channels[c * groups + g0])
            }
        }
        return starts
    }

    /// `maxCandidates` over consecutive runs of at most 4 floats: a 4-wide max per pixel. Each
    /// pixel's store spills past its run into the next pixel's, which overwrites it; the last
    /// pixel of a row, whose loads could leave the tensor, is done one float at a time.
    private static func maxOfRuns(_ x: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, starts: [Int], run: Int,
                                  rows: Range<Int>, placing p: ReductionOutput, _ out: UnsafeMutablePointer<Float>) {
        let candidates = starts.count / p.factor
        starts.withUnsafeBufferPointer { st in
            eachRow(x, layout: l, h: h, rows: rows, placing: p, out) { base, d, i in
                let first = st.baseAddress! + i * candidates
                for px in 0..<(w - 1) {
                    let s = base + px * l.pixel
                    var m = UnsafeRawPointer(s + first[0]).loadUnaligned(as: SIMD4<Float>.self)
                    for c in 1..<max(1, candidates) {
                        let v = UnsafeRawPointer(s + first[c]).loadUnaligned(as: SIMD4<Float>.self)
                        m = m.replacing(with: v, where: v .> m)
                    }
                    UnsafeMutableRawPointer(d + px * run).storeBytes(of: m, as: SIMD4<Float>.self)
                }
                let s = base + (w - 1) * l.pixel
                for q in 0..<run {
                    var m = s[first[0] + q]
                    for c in 1..<max(1, candidates) { m = Swift.max(m, s[first[c] + q]) }
                    d[(w - 1) * run + q] = m
                }
            }
        }
    }

    /// A row writer of sum_c V_cg softmax_c(K_cg) (tm) or softmax_c(Q_cg K_cg) (tr), stable (max
    /// subtracted); its channel table is made once.
    static func softmaxSum(_ x: UnsafePointer<Float>, layout l: ChannelLayout, h: Int, w: Int, candidates: Int, groups: Int,
                           mode: Layer.SoftmaxMode, placing p: ReductionOutput) -> (Range<Int>, UnsafeMutablePointer<Float>) -> Void {
        let cg = candidates * groups
        let channels = (0..<((mode == .tm ? 2 : 3) * cg)).map(l.channel)
        return { rows, out in
            channels.withUnsafeBufferPointer { ch in
                eachPixelBlock(x, layout: l, h: h, w: w, rows: rows, placing: p, out) { s, lanes, d, gs, offsets in
                    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: candidates) { logits in
                        for (g, offset) in zip(gs, offsets) {
                            var m = SIMD8<Float>(repeating: -.infinity)
                            for c in 0..<candidates {
                                let i = c * groups + g
                                var logit = gather(s + ch[cg + i], stride: l.pixel, lanes: lanes)
                                if mode == .tr { logit *= gather(s + ch[2 * cg + i], stride: l.pixel, lanes: lanes) }
                                logits[c] = logit
                                m = VectorMath.max(m, logit)
                            }
                            var num = SIMD8<Float>.zero, den = SIMD8<Float>.zero
                            for c in 0..<candidates {
                                let e = VectorMath.exp(logits[c] - m)
                                num += e * gather(s + ch[c * groups + g], stride: l.pixel, lanes: lanes)
                                den += e
                            }
                            scatter(num / den, d + offset, stride: p.pixelStride, lanes: lanes)
                        }
                    }
                }
            }
        }
    }
}

/// Where an edge-SR reduction puts its groups: each input row makes `factor` output rows of
/// `rowLength` floats; group `rowGroups[i * perRow + q]` of an input pixel goes to output row
/// i at `rowOffsets[i * perRow + q]` from the pixel's start, pixels `pixelStride` apart.
/// Either plain NHWC, or straight into the pixel shuffle that follows it in every edge-SR
/// model (which then costs no pass of its own over the upscaled plane).
struct ReductionOutput {
    var factor: Int
    var rowLength: Int
    var pixelStride: Int
    var rowGroups: [Int]
    var rowOffsets: [Int]

    static func nhwc(width w: Int, groups: Int) -> ReductionOutput {
        ReductionOutput(factor: 1, rowLength: w * groups, pixelStride: groups, rowGroups: Array(0..<groups),
                        rowOffsets: Array(0..<groups))
    }

    /// Group k*r*r + i*r + j is channel k of the output pixel (y*r + i, x*r + j) (PyTorch's
    /// order), in an NHWC output of groups / r^2 channels.
    static func shuffled(width w: Int, groups: Int, factor r: Int) -> ReductionOutput {
        let co = groups / (r * r)
        var rowGroups: [Int] = [], rowOffsets: [Int] = []
        for i in 0..<r { for j in 0..<r { for k in 0..<co {
            rowGroups.append(k * r * r + i * r + j)
            rowOffsets.append(j * co + k)
        } } }
        return ReductionOutput(factor: r, rowLength: w * r * co, pixelStride: r * co, rowGroups: rowGroups,
                               rowOffsets: rowOffsets)
    }
}
