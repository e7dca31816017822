/// The weights one convolution primitive is built from: a graph layer's own tensors (PyTorch
/// layout), or ones the plan derived for a lowered layer (`TapConvolution`).
struct ConvolutionWeights {
    let weight: SafetensorsFile.Tensor
    let bias: [Float]?

    init(weight: SafetensorsFile.Tensor, bias: [Float]?) {
        self.weight = weight
        self.bias = bias
    }

    init(_ model: Model, _ layer: Layer) {
        self.init(weight: model.weights["\(layer.name).weight"]!, bias: model.weights["\(layer.name).bias"]?.values)
    }
}
