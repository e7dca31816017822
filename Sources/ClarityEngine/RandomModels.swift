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

    /// The RBQE shape on luma (a UNet++ with one exit per nested decoder, PAPERS.md): level 0
    /// is two 3x3 convs 1->C, each deeper level a stride-2 conv and two convs; decoder node
    /// (i, j) concatenates the level's earlier nodes with the upsampled node (i+1, j-1),
    /// weighs channels with ECA and applies two depthwise-separable convs; exit j is a
    /// separable conv C->1 added to the input. `levels` - 1 exits, shallowest first, nodes
    /// ordered exit by exit so each exit needs only the steps before it. ReLU throughout.
    public static func rbqeGraph(channels c: Int = 32, levels: Int = 6) -> ModelGraph {
        let relu = Activation.relu
        var layers: [Layer] = []
        func conv(_ name: String, _ input: String, _ i: Int, _ o: Int, k: Int = 3, stride: Int = 1, groups: Int = 1,
                  act: Activation? = relu, residual: String? = nil) {
            layers.append(Layer(name: name, inputs: [input], op: .conv2d(.init(
                inChannels: i, outChannels: o, kernel: (k, k), stride: (stride, stride), padding: (k / 2, k / 2),
                groups: groups, activation: act, residual: residual))))
        }
        func separable(_ name: String, _ input: String, _ i: Int, _ o: Int, act: Activation? = relu, residual: String? = nil) {
            conv("\(name).dw", input, i, i, groups: i)
            conv(name, "\(name).dw", i, o, k: 1, act: act, residual: residual)
        }
        func node(_ i: Int, _ j: Int) -> String { "x\(i)\(j)" }
        conv("x00.a", "lq", 1, c)
        conv(node(0, 0), "x00.a", c, c)
        var outputs: [String] = []
        for j in 1..<max(2, levels) {
            // Encoder level j, then the decoders of the diagonal that ends in exit j.
            conv("x\(j)0.down", node(j - 1, 0), c, c, stride: 2)
            conv("x\(j)0.a", "x\(j)0.down", c, c)
            conv(node(j, 0), "x\(j)0.a", c, c)
            for i in stride(from: j - 1, through: 0, by: -1) {
                let jj = j - i
                let up = "\(node(i, jj)).up"
                layers.append(Layer(name: up, inputs: [node(i + 1, jj - 1)], op: .convTranspose2d(.init(
                    inChannels: c, outChannels: c, kernel: (2, 2), stride: (2, 2), activation: relu))))
                let parts = (0..<jj).map { node(i, $0) } + [up]
                layers.append(Layer(name: "\(node(i, jj)).cat", inputs: parts, op: .concat))
                layers.append(Layer(name: "\(node(i, jj)).eca", inputs: ["\(node(i, jj)).cat"], op: .eca(kernel: 3)))
                separable("\(node(i, jj)).s1", "\(node(i, jj)).eca", c * (jj + 1), c)
                separable(node(i, jj), "\(node(i, jj)).s1", c, c)
            }
            separable("exit\(j)", node(0, j), c, 1, act: nil, residual: "lq")
            outputs.append("exit\(j)")
        }
        let align = 1 << (max(2, levels) - 1)
        return ModelGraph(name: "rbqe-shape-c\(c)-l\(levels)", task: "deartifact", scale: 1, input: "lq", outputs: outputs,
                          align: align, receptiveRadius: 4 * align, layers: layers)
    }

    public static func rbqe(channels: Int = 32, levels: Int = 6, seed: UInt64 = 1) throws -> Model {
        let g = rbqeGraph(channels: channels, levels: levels)
        return try Model(graph: g, weights: weights(for: g, seed: seed))
    }

    /// A random plane-like batch in [0, 1).
    public static func input(n: Int, h: Int, w: Int, c: Int = 1, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(n: n, h: h, w: w, c: c, data: (0..<(n * h * w * c)).map { _ in rng.uniform() })
    }
}
