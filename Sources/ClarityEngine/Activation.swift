import CDNNL
import Foundation

/// The activations of docs/model-format.md. On a convolution they are fused as oneDNN
/// eltwise post-ops; standalone they run in Swift.
public enum Activation: Equatable, Sendable {
    case relu
    case leakyReLU(alpha: Float)
    case tanh
    case sigmoid

    /// Parses `{"type": "relu"}`, `{"type": "leaky_relu", "alpha": 0.1}`, ...
    init(json: [String: Any], node: String) throws {
        switch json["type"] as? String {
        case "relu": self = .relu
        case "leaky_relu":
            guard let a = (json["alpha"] as? NSNumber)?.floatValue else {
                throw EngineError.invalidGraph("node '\(node)': leaky_relu needs a numeric 'alpha'")
            }
            self = .leakyReLU(alpha: a)
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case let t: throw EngineError.invalidGraph("node '\(node)': unknown activation \(t.map { "'\($0)'" } ?? "(no type)")")
        }
    }

    var json: [String: Any] {
        switch self {
        case .relu: return ["type": "relu"]
        case .leakyReLU(let a): return ["type": "leaky_relu", "alpha": Double(a)]
        case .tanh: return ["type": "tanh"]
        case .sigmoid: return ["type": "sigmoid"]
        }
    }

    /// Whether act(k x) = k act(x) for k > 0: then an int8 requantization scale can be
    /// folded into the convolution's output scales instead of the post-op.
    var isPositiveHomogeneous: Bool {
        switch self {
        case .relu, .leakyReLU: return true
        case .tanh, .sigmoid: return false
        }
    }

    /// oneDNN eltwise algorithm and alpha.
    var dnnl: (alg: dnnl_alg_kind_t, alpha: Float) {
        switch self {
        case .relu: return (dnnl_eltwise_relu, 0)
        case .leakyReLU(let a): return (dnnl_eltwise_relu, a)
        case .tanh: return (dnnl_eltwise_tanh, 0)
        case .sigmoid: return (dnnl_eltwise_logistic, 0)
        }
    }

    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .leakyReLU(let a): return x > 0 ? x : a * x
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        }
    }
}
