import CKernels
import ClarityEngine
import XCTest

/// Every layer against the naive reference on random data (fp32 within 1e-4 relative).
final class LayerTests: XCTestCase {
    /// Max |a - b| over the largest |reference| value.
    static func relativeError(_ a: Tensor, _ ref: Tensor) -> Float {
        XCTAssertEqual([a.n, a.h, a.w, a.c], [ref.n, ref.h, ref.w, ref.c])
        let scale = max(ref.data.map(abs).max() ?? 0, 1e-6)
        return zip(a.data, ref.data).map { abs($0 - $1) }.max()! / scale
    }

    static func conv(_ name: String, _ input: String, _ i: Int, _ o: Int, k: (Int, Int) = (3, 3), s: (Int, Int) = (1, 1),
                     p: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = false, act: Activation? = nil,
                     residual: String? = nil) -> Layer {
        Layer(name: name, inputs: [input], op: .conv2d(.init(inChannels: i, outChannels: o, kernel: k, stride: s,
              padding: p, groups: groups, bias: bias, activation: act, residual: residual)))
    }

    /// Runs `layers` (after a stem conv 1 -> `stem` channels) in the engine and the reference.
    func check(_ layers: [Layer], stem: Int = 8, outputs: [String]? = nil, size: (Int, Int) = (13, 11), batch: Int = 2,
               align: Int = 1, inputScale: Float = 1, tolerance: Float = 1e-4,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let all = [Self.conv("stem", "lr", 1, stem, bias: true)] + layers
        let g = ModelGraph(name: "t", scale: 1, outputs: outputs ?? [all.last!.name], align: align, receptiveRadius: 0, layers: all)
        let model = try Model(graph: g, weights: RandomModels.weights(for: g, seed: 7))
        var x = RandomModels.input(n: batch, h: size.0, w: size.1, seed: 3)
        x.data = x.data.map { $0 * inputScale }
        let got = try model.run(x)
        let want = Reference.run(model, x)
        for (a, b) in zip(got, want) {
            let e = Self.relativeError(a, b)
            XCTAssertLessThan(e, tolerance, "relative error \(e)", file: file, line: line)
        }
    }

    func testConv3x3BiasReLU() throws { try check([Self.conv("c", "stem", 8, 16, bias: true, act: .relu)]) }
    func testConv5x5Stride2LeakyReLU() throws {
        try check([Self.conv("c", "stem", 8, 12, k: (5, 5), s: (2, 2), p: (2, 2), act: .leakyReLU(alpha: 0.1))], size: (14, 10))
    }
    func testConv1x1Sigmoid() throws { try check([Self.conv("c", "stem", 8, 5, k: (1, 1), p: (0, 0), bias: true, act: .sigmoid)]) }
    func testConvNonSquareTanh() throws { try check([Self.conv("c", "stem", 8, 8, k: (1, 3), p: (0, 1), act: .tanh)]) }
    func testDepthwiseConv() throws { try check([Self.conv("c", "stem", 8, 8, groups: 8, bias: true, act: .relu)]) }
    func testGroupedConv() throws { try check([Self.conv("c", "stem", 8, 12, groups: 2)]) }
    func testConv4x4Stride4() throws { try check([Self.conv("c", "stem", 8, 16, k: (4, 4), s: (4, 4), p: (0, 0))], size: (16, 12)) }
    func testConvFirstLayerStride2() throws { try check([Self.conv("c", "lr", 1, 32, s: (2, 2), act: .leakyReLU(alpha: 0.1))], size: (12, 16)) }
    func testResidualSumPostOp() throws {
        try check([Self.conv("a", "stem", 8, 8, act: .relu), Self.conv("b", "a", 8, 8, act: .leakyReLU(alpha: 0.1), residual: "stem")])
    }
    func testResidualStillReadLater() throws {
        // The residual is read again after the sum: it must not be overwritten in place.
        try check([Self.conv("a", "stem", 8, 8, residual: "stem"),
                   Layer(name: "s", inputs: ["a", "stem"], op: .add)])
    }
    func testConvTranspose2x2() throws {
        try check([Layer(name: "up", inputs: ["stem"], op: .convTranspose2d(.init(inChannels: 8, outChannels: 6, kernel: (2, 2),
                   stride: (2, 2), bias: true, activation: .relu)))])
    }
    /// RBQE's upsampling: the taps' channels copied as runs (16 and 32 channels, every copy of
    /// the kernel, fp32 and a bf16 plan), and gathered where a pixel's run is not whole vectors.
    func testConvTranspose2x2OfWholeVectors() throws {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for (c, out) in [(16, 16), (32, 32), (16, 8)] {
                let layers = [Self.conv("stem", "lr", 1, c, bias: true),
                              Layer(name: "up", inputs: ["stem"], op: .convTranspose2d(.init(inChannels: c, outChannels: out,
                                    kernel: (2, 2), stride: (2, 2), bias: true, activation: .relu))),
                              Self.conv("after", "up", out, 4)]
                try checkFP32AndBF16(layers, output: "after", scale: 2, size: (13, 37), "\(c) -> \(out) channels, \(isa)")
            }
        }
    }
    func testConvTranspose4x4Stride4() throws {
        // Kernel equal to stride: run as a 1x1 convolution to the taps plus a pixel shuffle.
        try check([Layer(name: "up", inputs: ["stem"], op: .convTranspose2d(.init(inChannels: 8, outChannels: 3, kernel: (4, 4),
                   stride: (4, 4), activation: .leakyReLU(alpha: 0.1))))], size: (6, 10))
    }
    func testConvTranspose3x3Stride2() throws {
        // Overlapping taps: oneDNN's deconvolution itself.
        try check([Layer(name: "up", inputs: ["stem"], op: .convTranspose2d(.init(inChannels: 8, outChannels: 4, kernel: (3, 3),
                   stride: (2, 2), bias: true)))])
    }
    /// `layers` (from "lr", batch 2) against the reference in fp32 (within 1e-4) and in a bf16
    /// plan (3e-2), each plan's description handed to `inspect`.
    func checkFP32AndBF16(_ layers: [Layer], output: String, scale: Int = 1, size: (Int, Int) = (13, 23), _ label: String,
                          inspect: (Precision, ModelPlanInfo) throws -> Void = { _, _ in }) throws {
        let g = ModelGraph(name: "t", scale: scale, outputs: [output], align: 1, receptiveRadius: 0, layers: layers)
        let model = try Model(graph: g, weights: RandomModels.weights(for: g, seed: 7))
        let x = RandomModels.input(n: 2, h: size.0, w: size.1, seed: 3)
        for (precision, tolerance) in [(Precision.fp32, Float(1e-4)), (.bf16, 3e-2)] {
            let e = Self.relativeError(try model.run(x, precision: precision)[0], Reference.run(model, x)[0])
            XCTAssertLessThan(e, tolerance, "\(label), \(precision)")
            try inspect(precision, try model.planInfo(batch: 2, height: size.0, width: size.1, precision: precision))
        }
    }

    /// Every copy of the shuffle kernel, at widths below one 16-pixel block and with full
    /// blocks and a partial one; written, and added onto another shuffle (Bicubic++'s ending).
    func testPixelShuffle() throws {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            _ = clarity_kernels_cap(Int32(level))
            for size in [(13, 11), (5, 37)] {
                try check([Layer(name: "ps", inputs: ["stem"], op: .pixelShuffle(factor: 2))], size: size)
                try check([Self.conv("c", "stem", 8, 36), Layer(name: "ps", inputs: ["c"], op: .pixelShuffle(factor: 6))], size: size)
            }
            try check([Self.conv("a", "stem", 8, 36, s: (2, 2)), Layer(name: "up6", inputs: ["a"], op: .pixelShuffle(factor: 6)),
                       Self.conv("b", "stem", 8, 9, k: (5, 5), p: (2, 2)), Layer(name: "up3", inputs: ["b"], op: .pixelShuffle(factor: 3)),
                       Layer(name: "sum", inputs: ["up6", "up3"], op: .add)], size: (6, 74))
        }
    }
    func testConcatAddActivation() throws {
        try check([Self.conv("a", "stem", 8, 4), Layer(name: "cat", inputs: ["stem", "a", "stem"], op: .concat),
                   Self.conv("b", "cat", 20, 8), Layer(name: "sum", inputs: ["b", "stem"], op: .add),
                   Layer(name: "act", inputs: ["sum"], op: .activation(.tanh))])
    }
    func testGlobalPoolLinear() throws {
        try check([Layer(name: "gap", inputs: ["stem"], op: .globalAvgPool),
                   Layer(name: "fc", inputs: ["gap"], op: .linear(.init(inFeatures: 8, outFeatures: 3, bias: true, activation: .leakyReLU(alpha: 0.1))))])
    }
    func testECA() throws {
        try check([Layer(name: "eca", inputs: ["stem"], op: .eca(kernel: 3))])
        try check([Layer(name: "eca", inputs: ["stem"], op: .eca(kernel: 5))], stem: 9)  // not a multiple of 8 lanes
    }
    /// ECA layers read only by a concatenation are applied as it copies (two of them on one
    /// node share its channel means), a lone ECA is one gated copy, and both hand bf16 convs
    /// bf16 directly: every instruction set, vector (16 channels) and scalar (9) paths.
    func testGatedCopiesOfECAAndConcat() throws {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for c in [16, 9] {
                let layers = [Self.conv("stem", "lr", 1, c, bias: true), Self.conv("a", "stem", c, c, act: .relu),
                              Layer(name: "ga", inputs: ["stem"], op: .eca(kernel: 3)),
                              Layer(name: "gb", inputs: ["stem"], op: .eca(kernel: 5)),
                              Layer(name: "gc", inputs: ["a"], op: .eca(kernel: 3)),
                              Layer(name: "cat", inputs: ["ga", "a", "gb"], op: .concat),
                              Self.conv("d", "cat", 3 * c, 3 * c, groups: 3 * c, bias: true),
                              Self.conv("e", "gc", c, c), Layer(name: "both", inputs: ["d", "e"], op: .concat)]
                try checkFP32AndBF16(layers, output: "both", "\(c) channels, \(isa)") { precision, info in
                    let copies = Dictionary(uniqueKeysWithValues: info.layers.filter { $0.kernel.hasPrefix("gated copy") }.map { ($0.name, $0.kernel) })
                    let bf16 = precision == .bf16 && Engine.hasNativeBF16 ? ", bf16 out" : ""
                    XCTAssertEqual(copies, ["cat": "gated copy, 2 of 3 parts gated (\(isa))\(bf16)",
                                            "gc": "gated copy, 1 of 1 parts gated (\(isa))\(bf16)",
                                            "both": "gated copy, 0 of 2 parts gated (\(isa))"])
                }
            }
        }
    }
    /// RBQE's exit heads (a depthwise conv, then a 1x1 conv to one channel plus the input) run
    /// as one kernel, an ECA before them folded into its weights per image: every instruction
    /// set, vector (16, 32) and scalar (9) channel paths, a 5x5 kernel; a head whose depthwise
    /// output something else reads too stays two convolutions.
    func testSeparableHeads() throws {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for (c, k) in [(16, 3), (32, 3), (9, 3), (16, 5)] {
                let p = (k / 2, k / 2)
                let layers = [Self.conv("stem", "lr", 1, c, bias: true, act: .relu),
                              Layer(name: "g", inputs: ["stem"], op: .eca(kernel: 3)),
                              Self.conv("dw1", "g", c, c, k: (k, k), p: p, groups: c, bias: true),
                              Self.conv("exit1", "dw1", c, 1, k: (1, 1), p: (0, 0), bias: true, residual: "lr"),
                              Self.conv("dw2", "stem", c, c, k: (k, k), p: p, groups: c, bias: true),
                              Self.conv("exit2", "dw2", c, 1, k: (1, 1), p: (0, 0), bias: true),
                              Layer(name: "both", inputs: ["exit1", "exit2"], op: .concat)]
                try checkFP32AndBF16(layers, output: "both", "\(c) channels, \(k)x\(k), \(isa)") { _, info in
                    let heads = Dictionary(uniqueKeysWithValues: info.layers.filter { $0.kernel.hasPrefix("separable head") }.map { ($0.name, $0.kernel) })
                    XCTAssertEqual(heads, ["exit1": "separable head (\(isa)), ECA folded", "exit2": "separable head (\(isa))"])
                    XCTAssertFalse(info.layers.contains { ["g", "dw1", "dw2"].contains($0.name) })
                }
            }
        }
        let shared = [Self.conv("stem", "lr", 1, 16, bias: true), Self.conv("dw", "stem", 16, 16, groups: 16),
                      Self.conv("exit", "dw", 16, 1, k: (1, 1), p: (0, 0)), Layer(name: "both", inputs: ["exit", "dw"], op: .concat)]
        try checkFP32AndBF16(shared, output: "both", "depthwise output read twice") { _, info in
            XCTAssertFalse(info.layers.contains { $0.kernel.hasPrefix("separable head") })
        }
    }
    func testMaxCandidates() throws { try check([Layer(name: "m", inputs: ["stem"], op: .maxCandidates(candidates: 4, groups: 2))]) }
    func testSoftmaxSumTM() throws { try check([Layer(name: "s", inputs: ["stem"], op: .softmaxSum(candidates: 2, groups: 2, mode: .tm))]) }
    func testSoftmaxSumTR() throws { try check([Layer(name: "s", inputs: ["stem"], op: .softmaxSum(candidates: 3, groups: 1, mode: .tr))], stem: 9) }
    /// The vectorised exp over its whole range: logits of hundreds (the softmax is nearly
    /// one-hot) and of a few units, x3-shaped (9 groups), rows of 8 pixels plus a tail.
    func testSoftmaxSumWideLogits() throws {
        let tm = Layer(name: "s", inputs: ["stem"], op: .softmaxSum(candidates: 4, groups: 9, mode: .tm))
        let tr = Layer(name: "s", inputs: ["stem"], op: .softmaxSum(candidates: 2, groups: 9, mode: .tr))
        for scale: Float in [0.1, 3, 80] {
            try check([tm], stem: 72, size: (5, 19), inputScale: scale)
            try check([tr], stem: 54, size: (5, 19), inputScale: scale)
        }
        try check([Layer(name: "m", inputs: ["stem"], op: .maxCandidates(candidates: 2, groups: 9))], stem: 18, size: (5, 19))
    }
    /// An edge-SR reduction followed by a pixel shuffle writes the shuffled plane directly.
    func testReductionThenShuffle() throws {
        let shuffle3 = Layer(name: "up", inputs: ["r"], op: .pixelShuffle(factor: 3))
        try check([Layer(name: "r", inputs: ["stem"], op: .maxCandidates(candidates: 2, groups: 9)), shuffle3], stem: 18, size: (5, 19))
        try check([Layer(name: "r", inputs: ["stem"], op: .softmaxSum(candidates: 4, groups: 9, mode: .tm)), shuffle3], stem: 72, size: (7, 10))
        try check([Layer(name: "r", inputs: ["stem"], op: .softmaxSum(candidates: 2, groups: 9, mode: .tr)), shuffle3], stem: 54, size: (4, 9))
        // Two output channels at x2 (groups = 2 x 2 x 2).
        try check([Layer(name: "r", inputs: ["stem"], op: .maxCandidates(candidates: 3, groups: 8)),
                   Layer(name: "up", inputs: ["r"], op: .pixelShuffle(factor: 2))], stem: 24, size: (6, 11))
        // The reduction also an output: it is stored, and the shuffle runs on its own.
        try check([Layer(name: "r", inputs: ["stem"], op: .maxCandidates(candidates: 2, groups: 9)), shuffle3],
                  stem: 18, outputs: ["r", "up"], size: (5, 19))
    }
    /// eSR-MAX (a one-channel conv, max over candidates, shuffle) runs as one kernel
    /// (`EdgeMaxKernel`) for the shapes it takes, at widths that end in a partial 16-pixel block
    /// and with more than one image; with a bias on the conv it runs as the three layers.
    func testEdgeMaxAsOneKernel() throws {
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            try checkEdgeMax(isa: isa)
        }
    }

    private func checkEdgeMax(isa: String) throws {
        for (k, candidates, factor, bias, size) in [(5, 2, 3, false, (7, 37)), (3, 4, 2, false, (9, 16)), (5, 3, 4, false, (4, 5)),
                                                    (7, 1, 3, false, (6, 33)), (5, 2, 3, true, (5, 19))] {
            let groups = factor * factor
            let layers = [Self.conv("conv", "lr", 1, candidates * groups, k: (k, k), p: (k / 2, k / 2), bias: bias),
                          Layer(name: "r", inputs: ["conv"], op: .maxCandidates(candidates: candidates, groups: groups)),
                          Layer(name: "up", inputs: ["r"], op: .pixelShuffle(factor: factor))]
            let g = ModelGraph(name: "t", scale: factor, outputs: ["up"], align: 1, receptiveRadius: k / 2, layers: layers)
            let model = try Model(graph: g, weights: RandomModels.weights(for: g, seed: 7))
            let x = RandomModels.input(n: 2, h: size.0, w: size.1, seed: 3)
            let got = try model.run(x)[0]
            XCTAssertEqual([got.h, got.w], [size.0 * factor, size.1 * factor])
            XCTAssertLessThan(Self.relativeError(got, Reference.run(model, x)[0]), 1e-5, "k \(k) candidates \(candidates) x\(factor), \(isa)")
            let kernels = try model.planInfo(batch: 2, height: size.0, width: size.1, precision: .bf16).layers.map(\.kernel)
            XCTAssertEqual(kernels.contains { $0.hasPrefix("edge max") }, !bias, "\(kernels)")
        }
    }

    /// One-channel convolutions to 16-64 channels run in C (`PlaneConvolutionKernel`), with
    /// every instruction set the CPU has, in fp32 and in a bf16 plan (where they hand the next
    /// conv bf16 directly); a residual read elsewhere, odd sizes, and ClassSR's kernel-equals-
    /// stride cells included.
    func testPlaneConvolution() throws {
        defer { _ = clarity_kernels_cap(2) }
        let cases: [(k: Int, s: Int, p: Int, n: Int, act: Activation?, bias: Bool)] = [
            (3, 2, 1, 32, .leakyReLU(alpha: 0.1), false), (3, 1, 1, 16, .relu, true), (5, 1, 2, 48, nil, true),
            (7, 2, 3, 64, .leakyReLU(alpha: 0.2), false), (4, 4, 0, 32, .leakyReLU(alpha: 0.1), true),
        ]
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for c in cases {
                let layers = [Self.conv("c", "lr", 1, c.n, k: (c.k, c.k), s: (c.s, c.s), p: (c.p, c.p), bias: c.bias, act: c.act),
                              Self.conv("d", "c", c.n, c.n, act: .relu), Self.conv("e", "d", c.n, 4, residual: nil),
                              Self.conv("f", "c", c.n, 4, residual: "e")]
                try checkFP32AndBF16(layers, output: "f", "k \(c.k) stride \(c.s) \(c.n) channels, \(isa)") { precision, info in
                    let kernels = info.layers.map(\.kernel)
                    XCTAssertTrue(kernels[0].hasPrefix("plane conv"), "\(kernels)")
                    XCTAssertEqual(kernels[0].hasSuffix("bf16 out"), precision == .bf16 && Engine.hasNativeBF16, "\(kernels)")
                }
            }
        }
    }

    /// Bicubic++'s ending: two shuffles of different factors added (the second shuffle
    /// accumulates onto the first); and the same with the first shuffle also an output.
    func testAddOfTwoShuffles() throws {
        let layers = [Self.conv("a", "stem", 8, 36, s: (2, 2)), Layer(name: "up6", inputs: ["a"], op: .pixelShuffle(factor: 6)),
                      Self.conv("b", "stem", 8, 9, k: (5, 5), p: (2, 2)), Layer(name: "up3", inputs: ["b"], op: .pixelShuffle(factor: 3)),
                      Layer(name: "sum", inputs: ["up6", "up3"], op: .add)]
        try check(layers, size: (12, 16))
        try check(layers, outputs: ["up6", "sum"], size: (12, 16))
    }
    func testMultipleOutputs() throws {
        try check([Self.conv("a", "stem", 8, 1), Self.conv("b", "a", 1, 1)], outputs: ["a", "b"])
    }

    func testBicubicPlusPlusShapeFP32() throws {
        let model = try RandomModels.bicubicPlusPlus(channels: 32, scale: 3)
        let x = RandomModels.input(n: 2, h: 24, w: 18, seed: 5)
        let got = try model.run(x)[0]
        XCTAssertEqual([got.h, got.w, got.c], [72, 54, 1])
        XCTAssertLessThan(Self.relativeError(got, Reference.run(model, x)[0]), 1e-4)
    }

    /// A fixed 5x5 one-to-nine-phase conv + shuffle added onto another shuffle (Bicubic++'s
    /// bicubic residual): with separable phase kernels the plan makes it as a separable filter
    /// (no convolution runs), otherwise as the convolution; both equal the reference.
    func testSeparableUpsampleAddedOntoAShuffle() throws {
        let layers = [
            Self.conv("stem", "lr", 1, 8, bias: true),
            Self.conv("feat", "stem", 8, 9),
            Layer(name: "s1", inputs: ["feat"], op: .pixelShuffle(factor: 3)),
            Self.conv("up", "lr", 1, 9, k: (5, 5), p: (2, 2)),
            Layer(name: "s2", inputs: ["up"], op: .pixelShuffle(factor: 3)),
            Layer(name: "out", inputs: ["s1", "s2"], op: .add),
        ]
        let g = ModelGraph(name: "t", scale: 3, outputs: ["out"], align: 1, receptiveRadius: 0, layers: layers)
        var generator = SeededRandom(seed: 11)
        let vertical = (0..<15).map { _ in generator.uniform(-1, 1) }, horizontal = (0..<15).map { _ in generator.uniform(-1, 1) }
        var outer = [Float](repeating: 0, count: 9 * 25)
        for i in 0..<3 { for j in 0..<3 { for a in 0..<5 { for c in 0..<5 {
            outer[((i * 3 + j) * 5 + a) * 5 + c] = vertical[i * 5 + a] * horizontal[j * 5 + c]
        } } } }
        defer { _ = clarity_kernels_cap(2) }
        for level in [2, 1, 0] {
            let isa = String(cString: clarity_kernels_cap(Int32(level)))
            for separable in [true, false] {
                var weights = RandomModels.weights(for: g, seed: 7)
                if separable { weights["up.weight"] = SafetensorsFile.Tensor(shape: [9, 1, 5, 5], values: outer) }
                let model = try Model(graph: g, weights: weights)
                for (h, w) in [(13, 11), (6, 37)] {  // a partial 16-pixel block alone, and after whole ones
                    let x = RandomModels.input(n: 2, h: h, w: w, seed: 3)
                    XCTAssertLessThan(Self.relativeError(try model.run(x)[0], Reference.run(model, x)[0]), 1e-4,
                                      "separable \(separable), \(h)x\(w), \(isa)")
                    let convs = try model.planInfo(batch: 2, height: h, width: w, precision: .fp32).layers.map(\.name)
                    XCTAssertEqual(convs.contains("up"), !separable, "\(convs)")
                }
            }
        }
    }
}
