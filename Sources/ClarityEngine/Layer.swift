/// One node of a model graph, validated: an operation, its inputs and its parameters.
/// Mirrors the node table of docs/model-format.md one to one.
public struct Layer: Sendable {
    public let name: String
    public let inputs: [String]
    public let op: Op

    public init(name: String, inputs: [String], op: Op) {
        self.name = name
        self.inputs = inputs
        self.op = op
    }

    public enum Op: Sendable {
        case conv2d(Convolution)
        case convTranspose2d(Convolution)
        case pixelShuffle(factor: Int)
        case concat
        case add
        case activation(Activation)
        case globalAvgPool
        case eca(kernel: Int)
        case linear(Linear)
        case maxCandidates(candidates: Int, groups: Int)
        case softmaxSum(candidates: Int, groups: Int, mode: SoftmaxMode)
    }

    public enum SoftmaxMode: String, Sendable { case tm, tr }

    /// conv2d / conv_transpose2d parameters (PyTorch semantics, zero padding).
    public struct Convolution: Sendable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernel: (h: Int, w: Int)
        public var stride: (h: Int, w: Int) = (1, 1)
        public var padding: (h: Int, w: Int) = (0, 0)
        public var groups: Int = 1
        public var bias: Bool = false
        public var activation: Activation? = nil
        /// Node whose output is added after the activation (fused sum post-op).
        public var residual: String? = nil

        public init(inChannels: Int, outChannels: Int, kernel: (h: Int, w: Int), stride: (h: Int, w: Int) = (1, 1),
                    padding: (h: Int, w: Int) = (0, 0), groups: Int = 1, bias: Bool = false,
                    activation: Activation? = nil, residual: String? = nil) {
            self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
            self.stride = stride; self.padding = padding; self.groups = groups; self.bias = bias
            self.activation = activation; self.residual = residual
        }

        /// One input channel, stride 1, a square odd kernel with "same" padding, and nothing
        /// fused (bias, activation, residual): a plain filter bank on a plane, the shape that
        /// the plan's special kernels for one-channel convolutions take.
        public var isPlainOneChannelFilter: Bool {
            inChannels == 1 && groups == 1 && !bias && activation == nil && residual == nil && stride == (1, 1)
                && kernel.h == kernel.w && kernel.h % 2 == 1 && padding == (kernel.h / 2, kernel.w / 2)
        }

        /// Weight shape in PyTorch layout.
        func weightShape(transposed: Bool) -> [Int] {
            transposed ? [inChannels, outChannels / groups, kernel.h, kernel.w]
                       : [outChannels, inChannels / groups, kernel.h, kernel.w]
        }
    }

    public struct Linear: Sendable {
        public var inFeatures: Int
        public var outFeatures: Int
        public var bias: Bool = false
        public var activation: Activation? = nil
        public init(inFeatures: Int, outFeatures: Int, bias: Bool = false, activation: Activation? = nil) {
            self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.bias = bias; self.activation = activation
        }
    }

    /// The weight tensors this layer needs: name -> PyTorch shape.
    public var parameterShapes: [(name: String, shape: [Int])] {
        switch op {
        case .conv2d(let c), .convTranspose2d(let c):
            let transposed: Bool
            if case .convTranspose2d = op { transposed = true } else { transposed = false }
            var p = [("\(name).weight", c.weightShape(transposed: transposed))]
            if c.bias { p.append(("\(name).bias", [c.outChannels])) }
            return p
        case .linear(let l):
            var p = [("\(name).weight", [l.outFeatures, l.inFeatures])]
            if l.bias { p.append(("\(name).bias", [l.outFeatures])) }
            return p
        case .eca(let k):
            return [("\(name).weight", [1, 1, k])]
        default:
            return []
        }
    }

    /// Every input this layer reads, including a fused residual.
    var allInputs: [String] {
        if case .conv2d(let c) = op, let r = c.residual { return inputs + [r] }
        return inputs
    }
}
