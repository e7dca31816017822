import CDNNL
import Foundation

/// A model compiled for one input shape and precision: every oneDNN primitive, reorder and
/// buffer created up front, so a run is a fixed list of steps with no allocation. Tensors
/// between oneDNN layers stay in the layouts oneDNN chose; a reorder is inserted only where
/// a consumer (a Swift layer, an int8 conv, a graph output) needs another layout or type.
/// Intermediate tensors share one buffer where their lifetimes allow (`compile`).
final class ExecutionPlan {
    let batch: Int
    /// Graph input, NHWC f32 [batch, H, W, 1].
    let input: DNNLMemory
    /// Graph outputs, NHWC f32, in `graph.outputs` order.
    private(set) var outputs: [DNNLMemory] = []
    /// For each output, how many steps must run before it is ready: an early-exit network
    /// runs `steps[0..<outputReady[0]]`, looks at exit 0, then continues from there.
    private(set) var outputReady: [Int] = []
    let outputShapes: [ModelGraph.Shape]
    /// Every node's output as NHWC f32 (only when compiled with `captureAll`, for calibration).
    private(set) var captured: [(String, DNNLMemory)] = []
    private(set) var info = ModelPlanInfo(layers: [], notes: [])

    private var steps: [() throws -> Void] = []
    private var primitives: [DNNLPrimitive] = []
    private var argLists: [UnsafeMutablePointer<dnnl_exec_arg_t>] = []

    /// A node's output in one layout/type; `scale` maps real values to stored ones.
    private struct Value { let memory: DNNLMemory; let scale: Float }
    private var values: [String: [Value]] = [:]
    private var shapes: [String: ModelGraph.Shape] = [:]
    private let model: Model
    private let calibration: [String: ValueRange]?
    private let arena: ActivationArena

    /// Builds the plan twice: once to learn each intermediate tensor's size and the steps
    /// that touch it, then with the tensors placed in one buffer (`BufferLayout`). A plan
    /// that captures every node for calibration keeps each in its own buffer.
    static func compile(model: Model, batch: Int, height: Int, width: Int, precision: Precision,
                        calibration: [String: ValueRange]?, captureAll: Bool) throws -> ExecutionPlan {
        func build(_ arena: ActivationArena) throws -> ExecutionPlan {
            try ExecutionPlan(model: model, batch: batch, height: height, width: width, precision: precision,
                              calibration: calibration, captureAll: captureAll, arena: arena)
        }
        if captureAll { return try build(.separate) }
        let sizing = try build(.sizing)
        let layout = BufferLayout(sizes: sizing.arena.memories.map(\.byteCount), lifetimes: sizing.activationLifetimes())
        let plan = try build(ActivationArena(layout: layout))
        guard plan.arena.memories.count == layout.sizes.count else {
            throw EngineError.mismatch("plan rebuild asked for \(plan.arena.memories.count) activations, its sizing build for \(layout.sizes.count)")
        }
        return plan
    }

    private init(model: Model, batch: Int, height: Int, width: Int, precision: Precision,
                 calibration: [String: ValueRange]?, captureAll: Bool, arena: ActivationArena) throws {
        self.model = model
        self.batch = batch
        self.calibration = calibration
        self.arena = arena
        Engine.applyThreadsToCurrentThread()
        let graph = model.graph
        let allShapes = try graph.shapes(height: height, width: width)
        shapes = allShapes
        outputShapes = graph.outputs.map { allShapes[$0]! }
        input = try DNNLMemory(try Self.nhwc(batch, allShapes[graph.input]!, dnnl_f32))
        values[graph.input] = [Value(memory: input, scale: 1)]

        // Last layer index that reads each node (outputs live to the end).
        var lastUse: [String: Int] = [:]
        var consumers: [String: [Layer]] = [:]
        for (i, l) in graph.layers.enumerated() {
            for name in l.allInputs { lastUse[name] = i; consumers[name, default: []].append(l) }
        }
        for o in graph.outputs { lastUse[o] = Int.max }

        if !captureAll { findSeparableHeads(consumers) }
        var ready: [String: (DNNLMemory, Int)] = [:]
        for (i, layer) in graph.layers.enumerated() {
            if foldedIntoHeads.contains(layer.name) { continue }  // run by the head's kernel
            if !captureAll, let up = separableUpsample(layer, consumers) {
                separableUpsamples[up.shuffle] = (up.kernel, layer.inputs[0])
                continue  // made by its shuffle, which adds it onto the other shuffle
            }
            if !captureAll, let edge = edgeMax(layer, consumers) {
                edgeMaxes[edge.reduction] = (edge.kernel, layer)
                continue  // made with its reduction and shuffle
            }
            if !captureAll, case .eca = layer.op, !graph.outputs.contains(layer.name),
               let readers = consumers[layer.name], readers.allSatisfy({ if case .concat = $0.op { return true } else { return false } }) {
                gatedInConcat[layer.name] = layer
                continue  // its gate is applied as its concatenation copies it
            }
            // An output stays in the convolutions' precision (quantized, bf16) only when every
            // reader is a conv reading it as input; the C kernels write bf16 only natively.
            let convOnly = !graph.outputs.contains(layer.name) && !captureAll && readOnlyByConvolutions(layer, consumers)
            let bf16ForConvs = precision == .bf16 && Engine.hasNativeBF16 && convOnly
            switch layer.op {
            case .eca, .concat:
                try addGatedCopy(layer, bf16: bf16ForConvs)
            case .convTranspose2d(let c) where TapConvolution.applies(to: c):
                try addTapConvolution(layer, c, precision: precision)
            case .conv2d where separableHeads[layer.name] != nil:
                try addSeparableHead(layer, separableHeads[layer.name]!)
            case .conv2d(let c) where !captureAll && PlaneConvolutionKernel.applies(to: c):
                try addPlaneConvolution(layer, PlaneConvolutionKernel(c, ConvolutionWeights(model, layer)), bf16: bf16ForConvs)
            case .conv2d(let c), .convTranspose2d(let c):
                var transposed = false
                if case .convTranspose2d = layer.op { transposed = true }
                try addConvolution(layer, c, transposed: transposed, weights: ConvolutionWeights(model, layer),
                                   precision: precision, lowPrecisionOutput: convOnly,
                                   inPlaceAllowed: c.residual.map { (lastUse[$0] ?? 0) <= i } ?? false)
            case .pixelShuffle where fusedShuffles.contains(layer.name):
                break  // written by the reduction before it
            case .add where fusedAdds.contains(layer.name):
                break  // accumulated by its second shuffle
            case .pixelShuffle(let f) where !captureAll:
                // The second of two shuffles read only by one `add` adds itself onto the first.
                if let (add, sum) = accumulationTarget(ofShuffle: layer, consumers) {
                    try addShuffle(layer, factor: f, accumulatingOnto: sum)
                    values[add.name] = [Value(memory: sum, scale: 1)]
                    fusedAdds.insert(add.name)
                } else {
                    try addSwiftLayer(layer)
                }
            case .maxCandidates, .softmaxSum:
                // An edge-SR reduction read only by a pixel shuffle writes the shuffled plane itself.
                let readers = consumers[layer.name] ?? []
                if !captureAll, !graph.outputs.contains(layer.name), readers.count == 1,
                   case .pixelShuffle = readers[0].op, readers[0].inputs == [layer.name] {
                    if let (kernel, conv) = edgeMaxes[layer.name] {
                        try addEdgeMax(kernel, convolution: conv, shuffle: readers[0])
                    } else {
                        try addSwiftLayer(layer, shuffledBy: readers[0])
                    }
                    fusedShuffles.insert(readers[0].name)
                } else {
                    try addSwiftLayer(layer)
                }
            default:
                try addSwiftLayer(layer)
            }
            if captureAll { captured.append((layer.name, try variant(layer.name, nhwcF32(layer.name), scale: 1))) }
            if graph.outputs.contains(layer.name) { ready[layer.name] = (try variant(layer.name, nhwcF32(layer.name), scale: 1), steps.count) }
        }
        if captureAll { captured.append((graph.input, input)) }
        for o in graph.outputs {
            let r = try ready[o] ?? (try variant(o, nhwcF32(o), scale: 1), steps.count)
            outputs.append(r.0)
            outputReady.append(r.1)
        }
        if outputs.count == 1, !captureAll { tail = deferrableTail(making: outputs[0]) }
        info.activationBytes = arena.byteCount
        info.activationBytesApart = arena.bytesApart
        if bf16Unavailable {
            info.notes.insert("bf16 convolutions are not available on this CPU (oneDNN ISA \(Engine.cpuISA)); they run in fp32", at: 0)
        }
    }

    deinit { argLists.forEach { $0.deallocate() } }

    /// The first and last step touching each of the arena's activations, in the order the
    /// arena made them; nil for one no step touches. Outputs live to the end (callers read
    /// them after the run), and so does whatever a `tail` step reads (it may run last).
    private func activationLifetimes() -> [ClosedRange<Int>?] {
        var first: [ObjectIdentifier: Int] = [:], last: [ObjectIdentifier: Int] = [:]
        let end = steps.count, deferred = Set(tail)
        for (i, use) in stepUses.enumerated() {
            for id in use.reads.union(use.writes) {
                first[id] = min(first[id] ?? i, i)
                last[id] = max(last[id] ?? i, deferred.contains(i) ? end : i)
            }
        }
        for o in outputs.map(ObjectIdentifier.init) {
            first[o] = first[o] ?? 0
            last[o] = end
        }
        return arena.memories.map { m in
            let id = ObjectIdentifier(m)
            return first[id].map { $0...last[id]! }
        }
    }

    /// Whether every layer that reads `layer` is a convolution that oneDNN runs.
    private func readOnlyByConvolutions(_ layer: Layer, _ consumers: [String: [Layer]]) -> Bool {
        (consumers[layer.name] ?? []).allSatisfy { l in
            switch l.op { case .conv2d, .convTranspose2d: return !foldedIntoHeads.contains(l.name); default: return false }
        }
    }

    /// Runs the plan on whatever is in `input`; results land in `outputs`.
    func execute() throws { try execute(steps: 0..<steps.count) }

    /// Runs part of the plan: `0..<outputReady[k]` makes output k, and a later range
    /// starting there goes on to the next outputs without redoing the shared layers.
    func execute(steps range: Range<Int>) throws {
        Engine.applyThreadsToCurrentThread()
        for i in range { try steps[i]() }
        try dnnlCheck(dnnl_stream_wait(DNNLContext.shared.stream), "waiting for the stream")
    }

    // MARK: Building blocks

    private static func nhwc(_ n: Int, _ s: ModelGraph.Shape, _ t: dnnl_data_type_t) throws -> dnnl_memory_desc_t {
        try MemoryDesc.make([n, s.c, s.h, s.w], t, dnnl_nhwc)
    }

    private func nhwcF32(_ name: String) throws -> dnnl_memory_desc_t { try Self.nhwc(batch, shapes[name]!, dnnl_f32) }

    /// Memories each step reads and writes, which tell whether the last row writers may run
    /// after every other step (`tail`).
    private var stepUses: [(reads: Set<ObjectIdentifier>, writes: Set<ObjectIdentifier>)] = []

    private func append(_ step: @escaping () throws -> Void, reads: [DNNLMemory], writes: [DNNLMemory]) {
        steps.append(step)
        stepUses.append((Set(reads.map(ObjectIdentifier.init)), Set(writes.map(ObjectIdentifier.init))))
    }

    /// Appends a primitive run; its argument list is built once and kept.
    private func appendPrimitive(_ p: DNNLPrimitive, _ args: [(Int32, DNNLMemory)]) {
        primitives.append(p)
        let list = UnsafeMutablePointer<dnnl_exec_arg_t>.allocate(capacity: args.count)
        for (i, a) in args.enumerated() { list[i] = dnnl_exec_arg_t(arg: a.0, memory: a.1.memory) }
        argLists.append(list)
        let stream = DNNLContext.shared.stream, count = Int32(args.count), prim = p.primitive, name = p.implementation
        let written: Set<Int32> = [clarity_dnnl_arg_dst(), clarity_dnnl_arg_to()]
        append({ try dnnlCheck(dnnl_primitive_execute(prim, stream, count, list), "running \(name)") },
               reads: args.map(\.1), writes: args.filter { written.contains($0.0) }.map(\.1))
    }

    /// Node `name` in layout/type `desc` with int8 scale `scale`, reordered (once per plan) if
    /// no such copy exists yet.
    private func variant(_ name: String, _ desc: dnnl_memory_desc_t, scale: Float) throws -> DNNLMemory {
        let list = values[name]!
        if let v = list.first(where: { MemoryDesc.equal($0.memory.desc, desc) && $0.scale == scale }) { return v.memory }
        let src = list[0]
        let dst = try arena.memory(desc)
        let ratio = scale / src.scale
        try appendPrimitive(Reorder.make(from: src.memory.desc, to: desc, scales: ratio == 1 ? nil : [ratio]),
                            [(clarity_dnnl_arg_from(), src.memory), (clarity_dnnl_arg_to(), dst)])
        values[name]!.append(Value(memory: dst, scale: scale))
        return dst
    }

    private func range(_ name: String) -> ValueRange {
        calibration?[rangeSource[name] ?? name] ?? ValueRange(min: -1, max: 1)
    }

    /// Nodes the plan adds (a tap convolution's output) measured as the graph node they stand for.
    private var rangeSource: [String: String] = [:]

    // MARK: Convolutions

    private func addConvolution(_ layer: Layer, _ c: Layer.Convolution, transposed: Bool, weights: ConvolutionWeights,
                                precision: Precision, lowPrecisionOutput: Bool, inPlaceAllowed: Bool) throws {
        let inShape = shapes[layer.inputs[0]]!, outShape = shapes[layer.name]!
        let wanted = Self.convolutionPrecision(precision, inChannels: c.inChannels, outputLeavesForSwift: !lowPrecisionOutput)
        var attempts: [Precision] = [wanted]
        if wanted != .fp32 { attempts.append(.fp32) }
        var lastError: Error?
        for p in attempts {
            do {
                try buildConvolution(layer, c, transposed: transposed, weights: weights, precision: p, inShape: inShape,
                                     outShape: outShape, lowPrecisionOutput: lowPrecisionOutput, inPlaceAllowed: inPlaceAllowed)
                if p != wanted {
                    if wanted == .bf16 { bf16Unavailable = true } else {
                        info.notes.append("layer '\(layer.name)': \(wanted.rawValue) unavailable (\(lastError.map { "\($0)" } ?? "")), runs in \(p.rawValue)")
                    }
                }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Set when a conv asked for bf16 ran in fp32: the CPU has no bf16 kernels.
    private var bf16Unavailable = false

    /// What a conv asks for in a plan of `precision`. A conv reading a single channel (the
    /// input layer, the fixed bicubic residual) stays fp32: little arithmetic, but it carries
    /// the picture itself, which bf16's 8-bit mantissa would round. Under int8, a conv whose
    /// output leaves for Swift layers (the residual before the shuffle) asks for bf16, and
    /// falls back to fp32 where the CPU has no bf16 (keeping both kinds out of int8 took an early
    /// Bicubic++ from -1.75 dB to -0.04 dB against fp32).
    static func convolutionPrecision(_ precision: Precision, inChannels: Int, outputLeavesForSwift: Bool) -> Precision {
        if inChannels == 1 { return .fp32 }
        if precision == .int8 && outputLeavesForSwift { return .bf16 }
        return precision
    }

    private func buildConvolution(_ layer: Layer, _ c: Layer.Convolution, transposed: Bool, weights cw: ConvolutionWeights,
                                  precision: Precision, inShape: ModelGraph.Shape, outShape: ModelGraph.Shape,
                                  lowPrecisionOutput: Bool, inPlaceAllowed: Bool) throws {
        let inName = layer.inputs[0]
        var types = ConvolutionPrimitive.Types(src: dnnl_f32, weights: dnnl_f32, dst: dnnl_f32)
        var srcScale: Float = 1, dstScale: Float = 1
        var weightScales: [Float]? = nil
        let w = cw.weight
        switch precision {
        case .fp32: break
        case .bf16:
            types = .init(src: dnnl_bf16, weights: dnnl_bf16, dst: lowPrecisionOutput ? dnnl_bf16 : dnnl_f32)
        case .int8:
            let rin = range(inName)
            srcScale = rin.scale
            types.src = rin.unsigned ? dnnl_u8 : dnnl_s8
            types.weights = dnnl_s8
            if lowPrecisionOutput {
                let rout = range(layer.name)
                dstScale = rout.scale
                types.dst = rout.unsigned ? dnnl_u8 : dnnl_s8
            }
            // Without VNNI, u8 x s8 pairs are summed in 16 bits: keep weights to 7 bits there.
            let qmax: Float = (rin.unsigned && !Engine.cpuISA.contains("vnni") && !Engine.cpuISA.contains("amx")) ? 63 : 127
            let ws = Self.perOutputChannelMaxAbs(w, c, transposed: transposed).map { qmax / max($0, 1e-12) }
            weightScales = ws
            let homogeneous = c.activation?.isPositiveHomogeneous ?? true
            types.outputScales = ws.map { (homogeneous ? dstScale : 1) / (srcScale * $0) }
            types.activationScale = homogeneous ? 1 : dstScale
        }
        var conv = try ConvolutionPrimitive(c, transposed: transposed, batch: batch, input: inShape, output: outShape,
                                            types: types)
        var binaryResidual: DNNLMemory? = nil
        if let r = c.residual, conv.primitive.implementation.hasPrefix("ref") {
            // The fused sum has no fast kernel here: add the residual as a binary post-op instead,
            // read in the layout the convolution writes (reordered if it is in another). With a
            // layout of its own (NHWC from a Swift kernel), oneDNN 2.6 on AVX2 falls back to its
            // gemm convolution, which crashes with a binary post-op.
            var alt = types, alone = c
            alone.residual = nil
            if values[r]![0].scale == dstScale,
               let layout = try? ConvolutionPrimitive(alone, transposed: transposed, batch: batch, input: inShape,
                                                      output: outShape, types: types).dstDesc {
                alt.residualAsBinary = layout
                if let b = try? ConvolutionPrimitive(c, transposed: transposed, batch: batch, input: inShape, output: outShape, types: alt),
                   !b.primitive.implementation.hasPrefix("ref") {
                    conv = b
                    binaryResidual = try variant(r, layout, scale: dstScale)
                }
            }
        }
        let src = try variant(inName, conv.srcDesc, scale: srcScale)
        let weights = try packedWeights(layer, c, w, transposed: transposed, desc: conv.weightsDesc, precision: precision,
                                        scales: weightScales, signedSource: types.src == dnnl_s8)
        var args: [(Int32, DNNLMemory)] = [(clarity_dnnl_arg_src(), src), (clarity_dnnl_arg_weights(), weights)]
        if let values = cw.bias {
            let b = try DNNLMemory(try MemoryDesc.make([c.outChannels], dnnl_f32, dnnl_x))
            for o in 0..<c.outChannels {
                // int8 convs add the bias to the s32 accumulator, before the output scale.
                b.floats[o] = values[o] * (weightScales.map { srcScale * $0[o] } ?? 1)
            }
            args.append((clarity_dnnl_arg_bias(), b))
            retained.append(b)
        }
        let dst: DNNLMemory
        if let res = binaryResidual {
            dst = try arena.memory(conv.dstDesc)
            args.append((clarity_dnnl_arg_post_op_src1(ConvolutionPrimitive.residualPostOpIndex(c)), res))
        } else if let r = c.residual {
            if inPlaceAllowed, let v = values[r]!.first(where: { MemoryDesc.equal($0.memory.desc, conv.dstDesc) && $0.scale == dstScale }) {
                dst = v.memory  // the residual is not read again: accumulate onto it in place
            } else {
                dst = try arena.memory(conv.dstDesc)
                let res = values[r]![0]
                let ratio = dstScale / res.scale
                try appendPrimitive(Reorder.make(from: res.memory.desc, to: conv.dstDesc, scales: ratio == 1 ? nil : [ratio]),
                                    [(clarity_dnnl_arg_from(), res.memory), (clarity_dnnl_arg_to(), dst)])
            }
        } else {
            dst = try arena.memory(conv.dstDesc)
        }
        args.append((clarity_dnnl_arg_dst(), dst))
        appendPrimitive(conv.primitive, args)
        values[layer.name] = [Value(memory: dst, scale: dstScale)]
        info.layers.append((layer.name, precision, conv.primitive.implementation))
    }

    private var retained: [DNNLMemory] = []

    /// Largest |w| of each output channel, from the PyTorch layout.
    static func perOutputChannelMaxAbs(_ w: SafetensorsFile.Tensor, _ c: Layer.Convolution, transposed: Bool) -> [Float] {
        var m = [Float](repeating: 0, count: c.outChannels)
        let k = c.kernel.h * c.kernel.w
        if transposed {
            // [in, out/g, kh, kw]: out channel = group * (out/g) + o
            let ipg = c.inChannels / c.groups, opg = c.outChannels / c.groups
            for i in 0..<c.inChannels {
                let g = i / ipg
                for o in 0..<opg { for t in 0..<k {
                    let v = abs(w.values[(i * opg + o) * k + t]); let oc = g * opg + o
                    m[oc] = max(m[oc], v)
                } }
            }
        } else {
            let per = w.values.count / c.outChannels
            for o in 0..<c.outChannels { for t in 0..<per { m[o] = max(m[o], abs(w.values[o * per + t])) } }
        }
        return m
    }

    /// Weights in the layout and type the primitive asked for, reordered once per model.
    private func packedWeights(_ layer: Layer, _ c: Layer.Convolution, _ w: SafetensorsFile.Tensor, transposed: Bool,
                               desc: dnnl_memory_desc_t,
                               precision: Precision, scales: [Float]?, signedSource: Bool) throws -> DNNLMemory {
        let key = "\(layer.name)|\(signedSource ? "s" : "u")|\(precision.rawValue)"
        if let m = model.packedWeights[key]?.first(where: { MemoryDesc.equal($0.desc, desc) }) { return m }
        let g = c.groups
        let dims = g == 1 ? [c.outChannels, c.inChannels, c.kernel.h, c.kernel.w]
                          : [g, c.outChannels / g, c.inChannels / g, c.kernel.h, c.kernel.w]
        let tag: dnnl_format_tag_t = transposed ? (g == 1 ? dnnl_iohw : dnnl_giohw) : (g == 1 ? dnnl_oihw : dnnl_goihw)
        let user = try DNNLMemory(try MemoryDesc.make(dims, dnnl_f32, tag))
        w.values.withUnsafeBufferPointer {
            user.floats.update(from: $0.baseAddress!, count: $0.count)
        }
        let packed = try DNNLMemory(desc)
        try Reorder.run(from: user, to: packed, scales: scales, mask: g == 1 ? 1 : 3)
        model.packedWeights[key, default: []].append(packed)
        return packed
    }

    /// A transposed convolution whose kernel equals its stride, as a 1x1 convolution to all the
    /// kernel taps followed by a pixel shuffle: the same sums, but oneDNN's fast 1x1 kernel
    /// (its deconvolution kernel took 16 ms on a 16-channel 160x160 output, 40x the 1x1 path).
    private func addTapConvolution(_ layer: Layer, _ c: Layer.Convolution, precision: Precision) throws {
        let taps = TapConvolution(layer, c, model.weights)
        let inShape = shapes[layer.inputs[0]]!
        shapes[taps.layer.name] = ModelGraph.Shape(c: taps.convolution.outChannels, h: inShape.h, w: inShape.w)
        rangeSource[taps.layer.name] = layer.name
        try addConvolution(taps.layer, taps.convolution, transposed: false, weights: taps.weights, precision: precision,
                           lowPrecisionOutput: false, inPlaceAllowed: false)
        try addSwiftLayer(Layer(name: layer.name, inputs: [taps.layer.name], op: .pixelShuffle(factor: c.kernel.h)), order: .tapMajor)
    }

    // MARK: Swift layers

    /// A Swift layer that makes its output row by row (pixel shuffles, edge-SR reductions):
    /// `write(rows, dst)` fills output rows `rows` (counted over the batch) starting at `dst`.
    private struct RowWriter {
        let input: DNNLMemory
        let output: DNNLMemory
        let rows: Int
        let rowLength: Int
        let write: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    }

    /// Row writers, by the step that runs them.
    private var rowWriters: [Int: RowWriter] = [:]
    /// The steps of the row writers that make the plan's only output, where they may run after
    /// every other step (`execute(streamingOutputTo:)`).
    private var tail: [Int] = []
    /// Output rows a streamed band holds (at 4K, 120 KB: it stays in the core's cache).
    private static let bandRows = 8

    /// The row writers of `output`, if they may all run after every other step: no other step
    /// touches `output`, and none after a writer changes what that writer reads.
    private func deferrableTail(making output: DNNLMemory) -> [Int] {
        let target = ObjectIdentifier(output)
        let writers = rowWriters.filter { $0.value.output === output }.keys.sorted()
        let others = steps.indices.filter { !writers.contains($0) }
        guard !writers.isEmpty,
              others.allSatisfy({ !stepUses[$0].reads.contains(target) && !stepUses[$0].writes.contains(target) }),
              writers.allSatisfy({ w in others.allSatisfy { $0 < w || stepUses[$0].writes.isDisjoint(with: stepUses[w].reads) } })
        else { return [] }
        return writers
    }

    private func appendRowWriter(_ w: RowWriter) {
        rowWriters[steps.count] = w
        let out = w.output.floats, length = w.rowLength, rows = w.rows, write = w.write
        append({ parallelChunks(rows, minChunk: 8) { r in write(r, out + r.lowerBound * length) } },
               reads: [w.input], writes: [w.output])
    }

    /// Runs the plan and hands its only output to `consume` in bands of rows (counted over the
    /// batch; the pointer is the band's first row, rows `shape.w * shape.c` floats long), bands
    /// in parallel. Where the plan ends in row writers, each band is made in a small buffer
    /// just before it is consumed, so the output is never written whole: at 4K that is 33 MB
    /// fewer to write and read back per frame.
    func execute(streamingOutputTo consume: (Range<Int>, UnsafePointer<Float>) -> Void) throws {
        let shape = outputShapes[0], rows = batch * shape.h, length = shape.w * shape.c
        if tail.isEmpty {
            try execute()
            let out = UnsafePointer(outputs[0].floats)
            parallelChunks(rows, minChunk: 16) { r in consume(r, out + r.lowerBound * length) }
            return
        }
        Engine.applyThreadsToCurrentThread()
        let deferred = Set(tail)
        for i in steps.indices where !deferred.contains(i) { try steps[i]() }
        try dnnlCheck(dnnl_stream_wait(DNNLContext.shared.stream), "waiting for the stream")
        let writers = tail.map { rowWriters[$0]!.write }
        parallelChunks(rows, minChunk: 16) { r in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.bandRows * length) { buffer in
                let band = buffer.baseAddress!
                for lo in Swift.stride(from: r.lowerBound, to: r.upperBound, by: Self.bandRows) {
                    let part = lo..<min(r.upperBound, lo + Self.bandRows)
                    for write in writers { write(part, band) }
                    consume(part, UnsafePointer(band))
                }
            }
        }
    }

    /// A node's float values and their layout: as the producer wrote them when that layout is
    /// one `ChannelLayout` describes, else an NHWC copy.
    private func channelInput(_ name: String, shape s: ModelGraph.Shape) throws -> (UnsafePointer<Float>, ChannelLayout, DNNLMemory) {
        if let first = values[name]?.first, first.scale == 1, let l = MemoryDesc.channelLayout(first.memory.desc) {
            retained.append(first.memory)
            return (UnsafePointer(first.memory.floats), l, first.memory)
        }
        let m = try variant(name, nhwcF32(name), scale: 1)
        retained.append(m)
        return (UnsafePointer(m.floats), .nhwc(height: s.h, width: s.w, channels: s.c), m)
    }

    /// Pixel shuffles whose input reduction writes their output (`addSwiftLayer(_:shuffledBy:)`).
    private var fusedShuffles: Set<String> = []
    /// ECA layers read only by concatenations, which apply their gates as they copy.
    private var gatedInConcat: [String: Layer] = [:]
    /// The channel means of each node some gate reads, made by one step.
    private var channelMeans: [String: ChannelMeans] = [:]
    /// Adds of two shuffles done by the second shuffle accumulating onto the first.
    private var fusedAdds: Set<String> = []

    /// Separable upsampling convolutions left out of the plan, by the shuffle that makes them
    /// (with the node the convolution read).
    private var separableUpsamples: [String: (kernel: SeparableUpsampleKernel, source: String)] = [:]

    /// Where a pixel shuffle may add itself: the first of two shuffles that only one `add`
    /// reads, already made.
    private func accumulationTarget(ofShuffle layer: Layer, _ consumers: [String: [Layer]]) -> (add: Layer, sum: DNNLMemory)? {
        let graph = model.graph, readers = consumers[layer.name] ?? []
        guard readers.count == 1, case .add = readers[0].op, readers[0].inputs.count == 2,
              let other = readers[0].inputs.first(where: { $0 != layer.name }),
              let first = graph.layers.first(where: { $0.name == other }), case .pixelShuffle = first.op,
              consumers[other]?.count == 1, let sum = values[other]?.first,
              !graph.outputs.contains(layer.name), !graph.outputs.contains(other),
              shapes[other] == shapes[layer.name] else { return nil }
        return (readers[0], sum.memory)
    }

    /// A convolution from one channel to factor² phases, with a fixed separable kernel, read
    /// only by a pixel shuffle that adds itself onto another: its shuffle makes it as a
    /// separable filter (`SeparableUpsampleKernel`) instead.
    private func separableUpsample(_ layer: Layer, _ consumers: [String: [Layer]]) -> (kernel: SeparableUpsampleKernel, shuffle: String)? {
        guard case .conv2d(let c) = layer.op, c.isPlainOneChannelFilter,
              let readers = consumers[layer.name], readers.count == 1, case .pixelShuffle(let f) = readers[0].op,
              f * f == c.outChannels, !model.graph.outputs.contains(layer.name),
              accumulationTarget(ofShuffle: readers[0], consumers) != nil,
              let weights = model.weights["\(layer.name).weight"],
              let kernel = SeparableUpsampleKernel(weights: weights.values, factor: f, kernel: c.kernel.h)
        else { return nil }
        return (kernel, readers[0].name)
    }

    /// eSR-MAX's layers made as one (`EdgeMaxKernel`), by the reduction they end in.
    private var edgeMaxes: [String: (kernel: EdgeMaxKernel, convolution: Layer)] = [:]

    /// A one-channel convolution read only by a max over candidates that a pixel shuffle
    /// reads (edge-SR's eSR-MAX): the three run as one `EdgeMaxKernel`.
    private func edgeMax(_ layer: Layer, _ consumers: [String: [Layer]]) -> (kernel: EdgeMaxKernel, reduction: String)? {
        let outputs = model.graph.outputs
        guard case .conv2d(let c) = layer.op, c.isPlainOneChannelFilter,
              let readers = consumers[layer.name], readers.count == 1,
              case .maxCandidates(let candidates, let groups) = readers[0].op,
              let shuffles = consumers[readers[0].name], shuffles.count == 1, case .pixelShuffle(let f) = shuffles[0].op,
              !outputs.contains(layer.name), !outputs.contains(readers[0].name),
              let weights = model.weights["\(layer.name).weight"],
              let kernel = EdgeMaxKernel(weights: weights.values, kernel: c.kernel.h, candidates: candidates,
                                         groups: groups, factor: f)
        else { return nil }
        return (kernel, readers[0].name)
    }

    /// A step that copies node `name` (one channel) into the zero-padded rows of `plane`.
    private func addPaddedCopy(of name: String, _ plane: PaddedPlane) throws -> (UnsafeMutablePointer<Float>, DNNLMemory) {
        let (x, l, source) = try channelInput(name, shape: shapes[name]!)
        let padded = try DNNLMemory(try Self.nhwc(batch, ModelGraph.Shape(c: 1, h: plane.rows, w: plane.rowLength), dnnl_f32))
        let p = padded.floats, rows = batch * plane.height
        p.initialize(repeating: 0, count: plane.count(batch: batch))
        retained.append(padded)
        append({ parallelChunks(rows, minChunk: 16) { r in plane.copy(rows: r, of: x, layout: l, into: p) } },
               reads: [source], writes: [padded])
        return (p, padded)
    }

    private func addEdgeMax(_ kernel: EdgeMaxKernel, convolution: Layer, shuffle: Layer) throws {
        let s = shapes[convolution.inputs[0]]!, f = kernel.factor
        let plane = kernel.padding(width: s.w, height: s.h)
        let (p, padded) = try addPaddedCopy(of: convolution.inputs[0], plane)
        let out = try arena.memory(try nhwcF32(shuffle.name))
        retained.append(out)
        appendRowWriter(RowWriter(input: padded, output: out, rows: batch * s.h * f, rowLength: s.w * f) { r, d in
            kernel.write(rows: r, from: p, plane, into: d)
        })
        values[shuffle.name] = [Value(memory: out, scale: 1)]
        info.layers.append((convolution.name, .fp32, "edge max (\(Engine.kernelInstructionSet))"))
    }

    /// Separable heads by their 1x1 convolution: the depthwise conv it alone reads, and an ECA
    /// that the depthwise conv alone reads, if any.
    private var separableHeads: [String: (depthwise: Layer, eca: Layer?)] = [:]
    /// The layers those heads run in their kernels, left out of the plan.
    private var foldedIntoHeads: Set<String> = []

    /// Finds the depthwise-then-1x1 pairs to one channel that `SeparableHeadKernel` runs.
    private func findSeparableHeads(_ consumers: [String: [Layer]]) {
        let graph = model.graph
        let byName = Dictionary(uniqueKeysWithValues: graph.layers.map { ($0.name, $0) })
        func onlyReader(of name: String) -> Layer? {
            guard !graph.outputs.contains(name), let readers = consumers[name], readers.count == 1 else { return nil }
            return readers[0]
        }
        for layer in graph.layers {
            guard case .conv2d(let p) = layer.op, let dw = byName[layer.inputs[0]], case .conv2d(let d) = dw.op,
                  SeparableHeadKernel.applies(depthwise: d, pointwise: p), onlyReader(of: dw.name)?.name == layer.name
            else { continue }
            var eca: Layer? = nil
            if let e = byName[dw.inputs[0]], case .eca = e.op, onlyReader(of: e.name)?.name == dw.name { eca = e }
            separableHeads[layer.name] = (dw, eca)
            foldedIntoHeads.formUnion([dw.name] + (eca.map { [$0.name] } ?? []))
        }
    }

    /// A separable head (`SeparableHeadKernel`): its input NHWC f32, its output a plane of f32;
    /// an ECA before it gates the weights, once per image and run.
    private func addSeparableHead(_ layer: Layer, _ head: (depthwise: Layer, eca: Layer?)) throws {
        guard case .conv2d(let d) = head.depthwise.op, case .conv2d(let p) = layer.op else {
            throw EngineError.mismatch("\(layer.name) is not a separable head")
        }
        let kernel = SeparableHeadKernel(depthwise: ConvolutionWeights(model, head.depthwise), pointwise: ConvolutionWeights(model, layer),
                                         channels: d.inChannels, kernel: d.kernel.h)
        let source = head.eca?.inputs[0] ?? head.depthwise.inputs[0]
        let x = try variant(source, nhwcF32(source), scale: 1)
        let residual = try p.residual.map { try variant($0, nhwcF32($0), scale: 1) }
        let o = shapes[layer.name]!, n = batch, c = d.inChannels
        let out = try arena.memory(try Self.nhwc(batch, o, dnnl_f32))
        let gate = head.eca.map { (means(of: source, x), ecaWeight($0)) }
        let residualReads = residual.map { [$0] } ?? []
        retained.append(contentsOf: [x, out] + residualReads)
        let input = UnsafePointer(x.floats), r = residual.map { UnsafePointer($0.floats) }, d0 = out.floats, (h, w) = (o.h, o.w)
        let ungated = [[Float]](repeating: kernel.weights(gatedBy: nil), count: n), zeros = [Float](repeating: 0, count: w * c)
        append({
            var weights = ungated
            if let (means, ecaWeight) = gate {
                let g = ReductionKernels.ecaGates(means: means.values, n: n, c: c, weight: ecaWeight)
                weights = (0..<n).map { b in g.withUnsafeBufferPointer { kernel.weights(gatedBy: UnsafeBufferPointer(rebasing: $0[b * c ..< (b + 1) * c])) } }
            }
            zeros.withUnsafeBufferPointer { z in
                parallelChunks(n * h, minChunk: 8) { rows in
                    kernel.write(rows: rows, from: input, height: h, width: w, weights: weights, residual: r, zeros: z.baseAddress!, into: d0)
                }
            }
        }, reads: [x] + residualReads, writes: [out])
        values[layer.name] = [Value(memory: out, scale: 1)]
        info.layers.append((layer.name, .fp32, "separable head (\(Engine.kernelInstructionSet))\(head.eca == nil ? "" : ", ECA folded")"))
    }

    /// A one-channel convolution in C (`PlaneConvolutionKernel`), its output in bf16 when the
    /// plan's convolutions read bf16 and it feeds only them, else f32; NHWC either way.
    private func addPlaneConvolution(_ layer: Layer, _ kernel: PlaneConvolutionKernel, bf16: Bool) throws {
        let s = shapes[layer.inputs[0]]!, o = shapes[layer.name]!
        let plane = kernel.padding(width: s.w, height: s.h)
        let (p, padded) = try addPaddedCopy(of: layer.inputs[0], plane)
        let out = try arena.memory(try Self.nhwc(batch, o, bf16 ? dnnl_bf16 : dnnl_f32))
        retained.append(out)
        let d = out.handle, rowBytes = o.w * o.c * (bf16 ? 2 : 4), (h, w) = (o.h, o.w), rows = batch * o.h
        append({ parallelChunks(rows, minChunk: 8) { r in
            kernel.write(rows: r, from: p, plane, outHeight: h, outWidth: w, bf16: bf16, into: d + r.lowerBound * rowBytes)
        } }, reads: [padded], writes: [out])
        values[layer.name] = [Value(memory: out, scale: 1)]
        info.layers.append((layer.name, .fp32, "plane conv (\(Engine.kernelInstructionSet))\(bf16 ? ", bf16 out" : "")"))
    }

    private func addShuffle(_ layer: Layer, factor: Int, accumulatingOnto dst: DNNLMemory) throws {
        if let (kernel, sourceName) = separableUpsamples[layer.name] {
            // Widen the source rows in one step, then make the output rows from them.
            let s = shapes[sourceName]!, rows = batch * s.h
            let (x, l, source) = try channelInput(sourceName, shape: s)
            let wide = try arena.memory(try Self.nhwc(batch, ModelGraph.Shape(c: factor, h: s.h, w: s.w), dnnl_f32))
            retained.append(wide)
            let w = wide.floats, (h, width) = (s.h, s.w)
            append({ parallelChunks(rows, minChunk: 8) { r in kernel.widen(rows: r, of: x, layout: l, height: h, width: width, into: w) } },
                   reads: [source], writes: [wide])
            appendRowWriter(RowWriter(input: wide, output: dst, rows: rows * factor, rowLength: width * factor) { r, d in
                kernel.add(rows: r, from: w, height: h, width: width, onto: d)
            })
            return
        }
        let s = shapes[layer.inputs[0]]!
        let (x, l, source) = try channelInput(layer.inputs[0], shape: s)
        let shuffle = PixelShuffleKernel(x, layout: l, h: s.h, w: s.w, c: s.c, factor: factor, accumulate: true)
        appendRowWriter(RowWriter(input: source, output: dst, rows: batch * s.h * factor, rowLength: shuffle.rowLength,
                                  write: shuffle.write))
    }

    /// An ECA layer or a concatenation as one `GatedCopy`, its output NHWC f32, or bf16 when
    /// `bf16`; ECA layers read only by the concatenation are gated as it copies their inputs.
    private func addGatedCopy(_ layer: Layer, bf16: Bool) throws {
        let sources: [(name: String, weight: [Float]?)]
        if case .eca = layer.op {
            sources = [(layer.inputs[0], ecaWeight(layer))]
        } else {
            sources = layer.inputs.map { input in gatedInConcat[input].map { ($0.inputs[0], ecaWeight($0)) } ?? (input, nil) }
        }
        var reads: [DNNLMemory] = [], parts: [GatedCopy.Part] = []
        for (name, weight) in sources {
            let x = try variant(name, nhwcF32(name), scale: 1)
            reads.append(x)
            parts.append(GatedCopy.Part(source: UnsafePointer(x.floats), channels: shapes[name]!.c,
                                        gate: weight.map { (means(of: name, x), $0) }))
        }
        let o = shapes[layer.name]!
        let out = try arena.memory(try Self.nhwc(batch, o, bf16 ? dnnl_bf16 : dnnl_f32))
        let copy = GatedCopy(parts: parts, batch: batch, pixels: o.h * o.w, bf16: bf16), d = out.handle
        retained.append(contentsOf: reads + [out])
        append({ copy.run(into: d) }, reads: reads, writes: [out])
        values[layer.name] = [Value(memory: out, scale: 1)]
        let gates = parts.filter { $0.gate != nil }.count
        info.layers.append((layer.name, .fp32, "gated copy, \(gates) of \(parts.count) parts gated (\(Engine.kernelInstructionSet))"
                            + (bf16 ? ", bf16 out" : "")))
    }

    /// An ECA layer's conv1d weights (the model checked that every layer has its tensors).
    private func ecaWeight(_ eca: Layer) -> [Float] { model.weights["\(eca.name).weight"]!.values }

    /// The means of node `name`'s channels (held in `x`), made by a step the first time a gate
    /// needs them.
    private func means(of name: String, _ x: DNNLMemory) -> ChannelMeans {
        if let m = channelMeans[name] { return m }
        let s = shapes[name]!, n = batch, pixels = s.h * s.w, p = UnsafePointer(x.floats)
        let m = ChannelMeans(count: n * s.c)
        append({ m.values.withUnsafeMutableBufferPointer { ReductionKernels.globalAvgPool(p, $0.baseAddress!, n: n, pixels: pixels, c: s.c) } },
               reads: [x], writes: [])
        channelMeans[name] = m
        return m
    }

    /// A layer run in Swift; an edge-SR reduction given `shuffle` writes that shuffle's output
    /// (in its place) instead of its own; a pixel shuffle reads its channels in `order`.
    private func addSwiftLayer(_ layer: Layer, shuffledBy shuffle: Layer? = nil, order: PixelShuffleKernel.Order = .pytorch) throws {
        let name = shuffle?.name ?? layer.name
        let out = try arena.memory(try nhwcF32(name))
        let s = shapes[layer.inputs[0]]!
        let n = batch, pixels = s.h * s.w
        let o = out.floats
        // Per-pixel channel readers take the input where the producing conv left it.
        switch layer.op {
        case .pixelShuffle, .maxCandidates, .softmaxSum:
            let (x, l, source) = try channelInput(layer.inputs[0], shape: s)
            let groups = shapes[layer.name]!.c
            var placing = ReductionOutput.nhwc(width: s.w, groups: groups)
            if let shuffle, case .pixelShuffle(let f) = shuffle.op {
                placing = .shuffled(width: s.w, groups: groups, factor: f)
            }
            let (factor, rowLength, write): (Int, Int, (Range<Int>, UnsafeMutablePointer<Float>) -> Void)
            switch layer.op {
            case .pixelShuffle(let f):
                let kernel = PixelShuffleKernel(x, layout: l, h: s.h, w: s.w, c: s.c, factor: f, order: order)
                (factor, rowLength, write) = (f, kernel.rowLength, kernel.write)
            case .maxCandidates(let c, let g):
                (factor, rowLength) = (placing.factor, placing.rowLength)
                write = ReductionKernels.maxCandidates(x, layout: l, h: s.h, w: s.w, candidates: c, groups: g, placing: placing)
            case .softmaxSum(let c, let g, let m):
                (factor, rowLength) = (placing.factor, placing.rowLength)
                write = ReductionKernels.softmaxSum(x, layout: l, h: s.h, w: s.w, candidates: c, groups: g, mode: m,
                                                    placing: placing)
            default:
                fatalError("unreachable")
            }
            retained.append(out)
            appendRowWriter(RowWriter(input: source, output: out, rows: n * s.h * factor, rowLength: rowLength, write: write))
            values[name] = [Value(memory: out, scale: 1)]
            return
        default:
            break
        }
        let ins = try layer.inputs.map { try variant($0, nhwcF32($0), scale: 1) }
        let x = ins[0].floats
        let kernel: () -> Void
        switch layer.op {
        case .add:
            let y = ins[1].floats
            kernel = { ElementwiseKernels.add(x, y, o, count: n * pixels * s.c) }
        case .activation(let a):
            kernel = { ElementwiseKernels.activate(x, o, count: n * pixels * s.c, a) }
        case .globalAvgPool:
            kernel = { ReductionKernels.globalAvgPool(x, o, n: n, pixels: pixels, c: s.c) }
        case .linear(let spec):
            let w = model.weights["\(layer.name).weight"]!.values
            let b = model.weights["\(layer.name).bias"]?.values
            kernel = { ReductionKernels.linear(x, o, n: n, spec: spec, weight: w, bias: b) }
        case .conv2d, .convTranspose2d, .pixelShuffle, .maxCandidates, .softmaxSum, .eca, .concat:
            fatalError("built elsewhere")
        }
        retained.append(contentsOf: ins + [out])
        append(kernel, reads: ins, writes: [out])
        values[layer.name] = [Value(memory: out, scale: 1)]
    }
}
