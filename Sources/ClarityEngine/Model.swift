import Foundation

/// A model: a graph plus its weights, checked against each other at load time. Plans
/// (oneDNN primitives and buffers) are compiled lazily, once per (batch, input size,
/// precision), and weights are reordered into oneDNN's layouts once per precision.
/// A model may be shared between threads; runs of one model are serialized.
public final class Model: @unchecked Sendable {
    public let graph: ModelGraph
    let weights: [String: SafetensorsFile.Tensor]

    private let lock = NSLock()
    private var plans: [PlanKey: ExecutionPlan] = [:]
    private var _calibration: [String: ValueRange]?
    /// Reordered weights: per layer and precision, one memory per oneDNN layout asked for.
    var packedWeights: [String: [DNNLMemory]] = [:]

    struct PlanKey: Hashable {
        var batch: Int, height: Int, width: Int, precision: Precision, captureAll: Bool
    }

    /// Checks the weights against the graph: every tensor a layer needs is present with its
    /// exact shape, nothing else is present, all values are finite.
    public init(graph: ModelGraph, weights: [String: SafetensorsFile.Tensor]) throws {
        try graph.validate()
        var expected: [String: [Int]] = [:]
        for l in graph.layers { for p in l.parameterShapes { expected[p.name] = p.shape } }
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let t = weights[name] else { throw EngineError.mismatch("missing tensor '\(name)' (shape \(shape))") }
            guard t.shape == shape else {
                throw EngineError.mismatch("tensor '\(name)' has shape \(t.shape), the graph needs \(shape)")
            }
            guard t.values.allSatisfy({ $0.isFinite }) else { throw EngineError.mismatch("tensor '\(name)' holds NaN or infinity") }
        }
        if let extra = weights.keys.sorted().first(where: { expected[$0] == nil }) {
            throw EngineError.mismatch("unexpected tensor '\(extra)': no node of the graph uses it")
        }
        self.graph = graph
        self.weights = weights
        _calibration = graph.calibration
    }

    /// Loads a model file (docs/model-format.md).
    public convenience init(file: SafetensorsFile) throws {
        guard let doc = file.metadata["clarity"] else {
            throw EngineError.mismatch("no 'clarity' key in __metadata__: not a Clarity model file")
        }
        try self.init(graph: try ModelGraph(jsonText: doc), weights: file.tensors)
    }

    public convenience init(data: Data) throws {
        try self.init(file: try SafetensorsFile(data: data))
    }

    public convenience init(contentsOf url: URL) throws {
        try self.init(file: try SafetensorsFile(contentsOf: url))
    }

    /// Another runner of the same graph, weights and int8 ranges, with plans of its own: two
    /// threads can run the two at once (runs of one model are serialized).
    public func copy() throws -> Model {
        let twin = try Model(graph: graph, weights: weights)
        twin._calibration = calibration
        return twin
    }

    /// The model as a safetensors file (what `init(data:)` reads back).
    public func serialized() -> Data {
        SafetensorsFile(metadata: ["clarity": graph.jsonText()], tensors: weights).serialized()
    }

    // MARK: Running

    /// Runs a batch (NHWC, 1 channel) and returns the graph's outputs in order, NHWC.
    public func run(_ input: Tensor, precision: Precision = .fp32) throws -> [Tensor] {
        guard input.c == 1 else { throw EngineError.badInput("models take 1 channel, got \(input.c)") }
        return try withPlan(batch: input.n, height: input.h, width: input.w, precision: precision) { plan in
            input.data.withUnsafeBufferPointer { plan.input.floats.update(from: $0.baseAddress!, count: $0.count) }
            try plan.execute()
            return plan.outputs.enumerated().map { i, m in
                let s = plan.outputShapes[i]
                return Tensor(n: input.n, h: s.h, w: s.w, c: s.c,
                              data: Array(UnsafeBufferPointer(start: m.floats, count: input.n * s.c * s.h * s.w)))
            }
        }
    }

    /// What the plan for this shape and precision runs (kernels, fallbacks).
    public func planInfo(batch: Int, height: Int, width: Int, precision: Precision) throws -> ModelPlanInfo {
        try withPlan(batch: batch, height: height, width: width, precision: precision) { $0.info }
    }

    /// Runs `body` with the compiled plan for this shape, holding the model's lock.
    func withPlan<T>(batch: Int, height: Int, width: Int, precision: Precision, captureAll: Bool = false,
                     _ body: (ExecutionPlan) throws -> T) throws -> T {
        guard height % graph.align == 0, width % graph.align == 0 else {
            throw EngineError.badInput("input \(width)x\(height) is not a multiple of the model's align \(graph.align)")
        }
        lock.lock(); defer { lock.unlock() }
        let key = PlanKey(batch: batch, height: height, width: width, precision: precision, captureAll: captureAll)
        let plan: ExecutionPlan
        if let p = plans[key] {
            plan = p
        } else {
            if precision == .int8 && _calibration == nil && graph.quantizesUnderInt8 {
                throw EngineError.notCalibrated("int8 needs Model.calibrate(samples:) first (model '\(graph.name)')")
            }
            plan = try ExecutionPlan.compile(model: self, batch: batch, height: height, width: width,
                                     precision: precision, calibration: _calibration, captureAll: captureAll)
            plans[key] = plan
        }
        return try body(plan)
    }

    // MARK: Calibration

    /// Whether an int8 plan needs ranges that neither the model file nor a calibration gave:
    /// a model whose int8 plan quantizes nothing (eSR's one-channel convs) needs none.
    public var lacksInt8Ranges: Bool { graph.quantizesUnderInt8 && calibration == nil }

    /// Per-node output ranges from the last calibration (nil before).
    public var calibration: [String: ValueRange]? {
        lock.lock(); defer { lock.unlock() }
        return _calibration
    }

    /// Records each node's output range over `samples` (fp32 runs) to set int8 scales.
    /// Use a few representative frames or tiles (values as the pipeline feeds them).
    public func calibrate(samples: [Tensor]) throws {
        guard !samples.isEmpty else { throw EngineError.badInput("calibration needs at least one sample") }
        var ranges: [String: ValueRange] = [:]
        for s in samples {
            try withPlan(batch: s.n, height: s.h, width: s.w, precision: .fp32, captureAll: true) { plan in
                s.data.withUnsafeBufferPointer { plan.input.floats.update(from: $0.baseAddress!, count: $0.count) }
                try plan.execute()
                for (name, mem) in plan.captured {
                    let (lo, hi) = Self.clippedRange(UnsafeBufferPointer(start: mem.floats, count: mem.byteCount / 4))
                    let old = ranges[name] ?? ValueRange(min: lo, max: hi)
                    ranges[name] = ValueRange(min: min(old.min, lo), max: max(old.max, hi))
                }
            }
        }
        lock.lock(); defer { lock.unlock() }
        _calibration = ranges
        plans = plans.filter { $0.key.precision != .int8 }
        packedWeights = packedWeights.filter { !$0.key.hasSuffix("|int8") }
    }

    /// The 0.01% and 99.99% quantiles of a strided sample (the sign test uses the true
    /// minimum): a few outliers saturate instead of costing every other value resolution.
    static func clippedRange(_ v: UnsafeBufferPointer<Float>) -> (Float, Float) {
        let step = max(1, v.count / 262_144)
        var sample: [Float] = []
        sample.reserveCapacity(v.count / step + 1)
        var trueMin = Float.infinity
        for i in stride(from: 0, to: v.count, by: step) { sample.append(v[i]) }
        for x in v { trueMin = min(trueMin, x) }
        sample.sort()
        let k = sample.count / 10_000
        let lo = trueMin >= 0 ? 0 : min(sample[k], -1e-6)
        return (lo, sample[sample.count - 1 - k])
    }

    /// Frees compiled plans (e.g. after a resolution change), or only those for inputs of
    /// `height` x `width`; weights stay packed.
    public func clearPlans(height: Int? = nil, width: Int? = nil) {
        lock.lock(); defer { lock.unlock() }
        plans = plans.filter { key, _ in key.height != (height ?? key.height) || key.width != (width ?? key.width) }
    }
}
