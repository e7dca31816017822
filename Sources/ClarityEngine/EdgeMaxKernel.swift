import CKernels

/// edge-SR's eSR-MAX layer made whole, one output row at a time: the one-channel k x k
/// convolution to factor² x candidates channels, the max over candidates and the pixel
/// shuffle (`clarity_edge_max_row`, vector C compiled for the CPU's instruction set).
///
/// Run as oneDNN's convolution, the layer pads its 18 output channels to 32 (one input channel
/// fits no conv kernel well) and writes them all, 66 MB for a 720p frame, for the max to read
/// back. Here an output row is made from k padded input rows that stay in cache and goes
/// straight into the plan's output band; it always runs in fp32.
struct EdgeMaxKernel {
    let factor: Int
    let kernel: Int
    let candidates: Int
    /// Taps of output row phase i, column phase j, candidate c at
    /// `[((i * factor + j) * candidates + c) * kernel² ...]`: the order the C kernel reads.
    private let phaseWeights: [Float]

    /// The kernel for PyTorch conv weights [candidates * groups, 1, k, k] (channel
    /// c * groups + g, group g = i * factor + j: one output channel), or nil for shapes it
    /// does not take (more than one output channel, factor above 4, more than 16 channels per
    /// output row).
    init?(weights w: [Float], kernel k: Int, candidates: Int, groups: Int, factor s: Int) {
        guard groups == s * s, s <= 4, s * candidates <= 16, k % 2 == 1, w.count == candidates * groups * k * k
        else { return nil }
        var packed = [Float](repeating: 0, count: w.count)
        for g in 0..<groups {
            for c in 0..<candidates {
                for t in 0..<(k * k) { packed[(g * candidates + c) * k * k + t] = w[(c * groups + g) * k * k + t] }
            }
        }
        factor = s; kernel = k; self.candidates = candidates; phaseWeights = packed
    }

    /// The padded input it reads: k / 2 zeros around the plane, and enough on the right for
    /// the kernel's last 16-pixel block.
    func padding(width: Int, height: Int) -> PaddedPlane {
        PaddedPlane(width: width, height: height, pad: kernel / 2, rowLength: (width + 15) / 16 * 16 + kernel - 1)
    }

    /// Output rows `rows` (counted over the batch, `height * factor` per image, each
    /// `width * factor` floats) from the padded input; row `rows.lowerBound` starts at `dst`.
    func write(rows: Range<Int>, from padded: UnsafePointer<Float>, _ plane: PaddedPlane, into dst: UnsafeMutablePointer<Float>) {
        let s = factor, k = kernel, perPhase = s * candidates * k * k, (height, width) = (plane.height, plane.width)
        phaseWeights.withUnsafeBufferPointer { w in
            for row in rows {
                let b = row / (height * s), y = (row % (height * s)) / s, i = row % s
                // Output row y*s + i reads input rows y - k/2 ... y + k/2: padded rows y ... y + k - 1.
                clarity_edge_max_row(plane.row(y, image: b, in: padded), plane.rowLength, Int32(width), Int32(k), Int32(s),
                                     Int32(candidates), w.baseAddress! + i * perPhase, dst + (row - rows.lowerBound) * width * s)
            }
        }
    }
}
