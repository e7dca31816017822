/// Runs a whole model with the naive reference kernels: the ground truth the engine's
/// compiled plans are tested against.
extension Reference {
    public static func run(_ model: Model, _ input: Tensor) -> [Tensor] {
        var v: [String: Tensor] = [model.graph.input: input]
        for l in model.graph.layers {
            let x = v[l.inputs[0]]!
            let w = model.weights["\(l.name).weight"]?.values ?? []
            let bias = model.weights["\(l.name).bias"]?.values
            let out: Tensor
            switch l.op {
            case .conv2d(let c): out = conv2d(x, c, weight: w, bias: bias, residual: c.residual.map { v[$0]! })
            case .convTranspose2d(let c): out = convTranspose2d(x, c, weight: w, bias: bias)
            case .pixelShuffle(let f): out = pixelShuffle(x, factor: f)
            case .concat: out = concat(l.inputs.map { v[$0]! })
            case .add: out = add(x, v[l.inputs[1]]!)
            case .activation(let a): out = activation(x, a)
            case .globalAvgPool: out = globalAvgPool(x)
            case .eca: out = eca(x, weight: w)
            case .linear(let li): out = linear(x, li, weight: w, bias: bias)
            case .maxCandidates(let c, let g): out = maxCandidates(x, candidates: c, groups: g)
            case .softmaxSum(let c, let g, let m): out = softmaxSum(x, candidates: c, groups: g, mode: m)
            }
            v[l.name] = out
        }
        return model.graph.outputs.map { v[$0]! }
    }
}
