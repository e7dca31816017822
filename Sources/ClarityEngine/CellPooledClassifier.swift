/// A classifier of the form "convolutions whose kernel equals their stride, then the mean over
/// the picture, then a linear layer" (ClassSR's Class-Module: a 4x4 stride-4 conv, then 1x1
/// convs). Each of its convolutions sees only its own cell of `cell` x `cell` input pixels,
/// so one run over a whole plane gives every cell's features at once, and a region made of
/// whole cells scores the linear layer on the mean of its cells' features: exactly what the
/// model gives for the region alone, without cutting out and running hundreds of tiles.
public final class CellPooledClassifier: @unchecked Sendable {
    /// Side of the input cell each feature depends on (the product of the strides).
    public let cell: Int
    /// The convolutions alone, run on whole planes.
    private let trunk: Model
    private let head: Layer.Linear
    private let weight: [Float]
    private let bias: [Float]?

    /// nil when `model` does not have this form.
    public init?(_ model: Model) {
        let g = model.graph, layers = g.layers
        guard layers.count >= 3, let last = layers.last, g.outputs == [last.name],
              case .linear(let head) = last.op, last.inputs == [layers[layers.count - 2].name],
              case .globalAvgPool = layers[layers.count - 2].op else { return nil }
        let convs = Array(layers.dropLast(2))
        var cell = 1, previous = g.input
        for layer in convs {
            guard case .conv2d(let c) = layer.op, layer.inputs == [previous], c.residual == nil,
                  c.padding.h == 0, c.padding.w == 0, c.kernel.h == c.stride.h, c.kernel.w == c.stride.w,
                  c.stride.h == c.stride.w else { return nil }
            cell *= c.stride.h
            previous = layer.name
        }
        guard layers[layers.count - 2].inputs == [previous] else { return nil }
        let names = Set(convs.flatMap { $0.parameterShapes.map(\.name) })
        let graph = ModelGraph(name: "\(g.name) (convolutions)", task: "features", scale: 1, input: g.input,
                               outputs: [previous], align: cell, receptiveRadius: 0, layers: convs)
        guard let w = model.weights["\(last.name).weight"]?.values,
              let trunk = try? Model(graph: graph, weights: model.weights.filter { names.contains($0.key) }) else { return nil }
        self.cell = cell
        self.trunk = trunk
        self.head = head
        weight = w
        bias = model.weights["\(last.name).bias"]?.values
    }

    /// The model's output (before any softmax) for each region of `plane`. Regions must be
    /// made of whole cells: sides and origins multiples of `cell`, inside the plane.
    public func outputs(_ plane: Plane, regions: [(x: Range<Int>, y: Range<Int>)], precision: Precision) throws -> [[Float]] {
        let cw = plane.width / cell, ch = plane.height / cell
        for r in regions where r.x.isEmpty || r.y.isEmpty || r.x.lowerBound % cell != 0 || r.y.lowerBound % cell != 0
            || r.x.upperBound % cell != 0 || r.y.upperBound % cell != 0 || r.x.lowerBound < 0 || r.y.lowerBound < 0
            || r.x.upperBound > cw * cell || r.y.upperBound > ch * cell {
            throw EngineError.badInput("region \(r.x) x \(r.y) is not made of whole \(cell)-pixel cells of the \(plane.width)x\(plane.height) plane")
        }
        guard !regions.isEmpty else { return [] }
        let input = plane.cropped(toWidth: cw * cell, height: ch * cell)
        let features = head.inFeatures
        var pooled = [Float](repeating: 0, count: regions.count * features)
        try trunk.withPlan(batch: 1, height: input.height, width: input.width, precision: precision) { plan in
            input.data.withUnsafeBufferPointer { plan.input.floats.update(from: $0.baseAddress!, count: $0.count) }
            try plan.execute()
            let f = UnsafePointer(plan.outputs[0].floats)  // NHWC [1, ch, cw, features]
            pooled.withUnsafeMutableBufferPointer { out in
                for (i, r) in regions.enumerated() {
                    let o = out.baseAddress! + i * features
                    for y in (r.y.lowerBound / cell)..<(r.y.upperBound / cell) {
                        for x in (r.x.lowerBound / cell)..<(r.x.upperBound / cell) {
                            let p = f + (y * cw + x) * features
                            for k in 0..<features { o[k] += p[k] }
                        }
                    }
                    let count = Float(r.x.count / cell * (r.y.count / cell))
                    for k in 0..<features { o[k] /= count }
                }
            }
        }
        var result = [Float](repeating: 0, count: regions.count * head.outFeatures)
        pooled.withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { o in
                ReductionKernels.linear(x.baseAddress!, o.baseAddress!, n: regions.count, spec: head, weight: weight, bias: bias)
            }
        }
        return (0..<regions.count).map { Array(result[($0 * head.outFeatures)..<(($0 + 1) * head.outFeatures)]) }
    }
}
