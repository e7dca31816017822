import Foundation

/// A small deterministic generator (SplitMix64), so tests and benchmarks are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float = 0, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
}

/// Models with random weights, for tests and the benchmark (no trained weights needed).
public enum RandomModels {
    /// Uniform weights scaled by 1/sqrt(fan-in) (keeps activations of deep stacks bounded).
    public static func weights(for graph: ModelGraph, seed: UInt64) -> [String: SafetensorsFile.Tensor] {
        var rng = SeededRandom(seed: seed)
        var out: [String: SafetensorsFile.Tensor] = [:]
        for l in graph.layers {
            for (name, shape) in l.parameterShapes {
                let count = shape.reduce(1, *)
                let fanIn = name.hasSuffix(".bias") ? 16 : max(1, shape.dropFirst().reduce(1, *))
                let bound = Float(sqrt(3.0 / Double(fanIn)))
                out[name] = .init(shape: shape, values: (0..<count).map { _ in rng.uniform(-bound, bound) })
            }
        }
        return out
    }

    /// The Bicubic++ shape on luma: conv 1->C 3x3 stride 2, C->C, C->C (+ skip from the
    /// first), C->(2s)^2, pixel shuffle 2s, so the output is s times the input. No biases,
    /// LeakyReLU 0.1. Receptive radius 8 input pixels, align 2.
    public static func bicubicPlusPlusGraph(channels c: Int = 32, scale s: Int = 3) -> ModelGraph {
        let leaky = Activation.leakyReLU(alpha: 0.1)
        func conv(_ name: String, _ input: String, _ i: Int, _ o: Int, stride: Int = 1, act: Activation? = leaky,
                  residual: String? = nil) -> Layer {
            Layer(name: name, inputs: [input], op: .conv2d(.init(inChannels: i, outChannels: o, kernel: (3, 3),
                  stride: (stride, stride), padding: (1, 1), activation: act, residual: residual)))
        }
        let r = 2 * s
        return ModelGraph(name: "bicubicpp-shape-c\(c)-x\(s)", scale: s, outputs: ["out"], align: 2, receptiveRadius: 8,
                          layers: [
                              conv("conv0", "lr", 1, c, stride: 2),
                              conv("conv1", "conv0", c, c),
                              conv("conv2", "conv1", c, c, residual: "conv0"),
                              conv("conv_out", "conv2", c, r * r, act: nil),
                              Layer(name: "out", inputs: ["conv_out"], op: .pixelShuffle(factor: r)),
                          ])
    }

    public static func bicubicPlusPlus(channels: Int = 32, scale: Int = 3, seed: UInt64 = 1) throws -> Model {
        let g = bicubicPlusPlusGraph(channels: channels, scale: scale)
        return try Model(graph: g, weights: weights(for: g, seed: seed))
    }

    /// A random plane-like batch in [0, 1).
    public static func input(n: Int, h: Int, w: Int, c: Int = 1, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(n: n, h: h, w: w, c: c, data: (0..<(n * h * w * c)).map { _ in rng.uniform() })
    }
}
