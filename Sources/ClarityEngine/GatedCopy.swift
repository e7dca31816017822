import CKernels

/// Copies channels into a layer's NHWC output, each part scaled per channel by a gate or not:
/// one kernel serves ECA's channel attention (one gated part), a concatenation (plain parts),
/// and a concatenation of ECA outputs, whose gates are applied as the parts are copied, so no
/// ECA output is written and read back (RBQE's decoders concatenate up to four of them).
/// Written in bf16 when bf16 convolutions alone read the output, which then needs no reorder.
struct GatedCopy {
    struct Part {
        var source: UnsafePointer<Float>
        var channels: Int
        /// An ECA's weights and the means of the source's channels it gates by.
        var gate: (means: ChannelMeans, weight: [Float])?
    }

    let parts: [Part]
    let batch: Int
    let pixels: Int
    let bf16: Bool

    func run(into out: UnsafeMutableRawPointer) {
        let gates = parts.map { p in p.gate.map { ReductionKernels.ecaGates(means: $0.means.values, n: batch, c: p.channels, weight: $0.weight) } }
        let total = parts.reduce(0) { $0 + $1.channels }, size = bf16 ? 2 : 4, pixels = pixels
        parallelChunks(batch * pixels, minChunk: 4096) { r in
            var q = r.lowerBound
            while q < r.upperBound {
                let b = q / pixels, end = min(r.upperBound, (b + 1) * pixels)
                var offset = 0
                for (part, gate) in zip(parts, gates) {
                    let c = part.channels, dst = out + (q * total + offset) * size
                    func copy(_ g: UnsafePointer<Float>?) {
                        clarity_gated_copy(part.source + q * c, end - q, Int32(c), g, dst, total, bf16 ? 1 : 0)
                    }
                    if let gate { gate.withUnsafeBufferPointer { copy($0.baseAddress! + b * c) } } else { copy(nil) }
                    offset += c
                }
                q = end
            }
        }
    }
}

/// The mean of each channel of one node, per batch item: made once per run by one plan step
/// and read by every gate on that node (RBQE's first level feeds four ECAs).
final class ChannelMeans {
    var values: [Float]
    init(count: Int) { values = [Float](repeating: 0, count: count) }
}
