import Foundation

/// The architecture of a model: the `clarity` document of a model file's `__metadata__`
/// (docs/model-format.md), parsed and checked. Pure description, no weights.
public struct ModelGraph: Sendable {
    public var name: String
    /// What the model does: "upscale", "deartifact" or "classify".
    public var task: String
    /// The task in words, for messages: "an upscaler", "an artifact-removal model".
    public var taskInWords: String {
        switch task {
        case "upscale": return "an upscaler"
        case "deartifact": return "an artifact-removal model"
        case "classify": return "a tile classifier"
        default: return "a '\(task)' model"
        }
    }
    public var scale: Int
    public var input: String
    public var outputs: [String]
    /// Input sides must be multiples of this (stride-2 convs, pooling).
    public var align: Int
    /// Input pixels of context an output pixel depends on: the overlap a tile needs.
    public var receptiveRadius: Int
    public var layers: [Layer]
    /// The free-form `info` object, kept as JSON text.
    public var infoJSON: String?
    /// int8 activation ranges per node, measured on training data when the model was exported
    /// (the `calibration` object); nil if the file has none.
    public var calibration: [String: ValueRange]?

    /// Whether an int8 plan quantizes any layer, and so needs value ranges: a convolution
    /// reading more than one channel (one reading a single channel stays fp32 in every plan,
    /// `ExecutionPlan.convolutionPrecision`).
    public var quantizesUnderInt8: Bool {
        layers.contains { layer in
            switch layer.op {
            case .conv2d(let c), .convTranspose2d(let c): return c.inChannels > 1
            default: return false
            }
        }
    }
    /// How an early-exit model (several outputs, one per exit) decides where a tile stops;
    /// the `early_exit` object, nil for single-output models.
    public var earlyExit: EarlyExit?
    /// A classifier's branches (the `branches` field): the bundled model each class routes to.
    public var branches: [String]?

    /// Leave at the first exit whose output scores at least `threshold` on IQAM with blocks of
    /// `iqamBlock` pixels (4 for H.264/HEVC-like codecs, 8 for JPEG) or, from the second exit
    /// on, changed the previous exit's output by a mean square of at most `settle` (8-bit
    /// levels squared; nil: no such test); both picked together on validation data for tiles
    /// of `tile` input pixels.
    public struct EarlyExit: Sendable, Equatable {
        public var iqamBlock: Int
        public var threshold: Double
        public var settle: Double?
        public var tile: Int
        public init(iqamBlock: Int, threshold: Double, settle: Double? = nil, tile: Int) {
            self.iqamBlock = iqamBlock; self.threshold = threshold; self.settle = settle; self.tile = tile
        }
    }

    public init(name: String, task: String = "upscale", scale: Int, input: String = "lr", outputs: [String],
                align: Int = 1, receptiveRadius: Int, layers: [Layer], infoJSON: String? = nil) {
        self.name = name; self.task = task; self.scale = scale; self.input = input; self.outputs = outputs
        self.align = align; self.receptiveRadius = receptiveRadius; self.layers = layers; self.infoJSON = infoJSON
    }

    /// Channels and size of one node's output (batch excluded).
    public struct Shape: Equatable, Sendable {
        public var c: Int, h: Int, w: Int
    }
}

// MARK: - JSON

extension ModelGraph {
    /// Parses the `clarity` JSON document.
    public init(jsonText: String) throws {
        guard let data = jsonText.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EngineError.invalidGraph("the 'clarity' metadata is not a JSON object")
        }
        func field<T>(_ key: String, _ type: T.Type) throws -> T {
            guard let v = obj[key] as? T else { throw EngineError.invalidGraph("missing or mistyped field '\(key)'") }
            return v
        }
        let format = try field("format", NSNumber.self).intValue
        guard format == 1 else { throw EngineError.invalidGraph("format \(format) is not supported (expected 1)") }
        name = try field("name", String.self)
        task = try field("task", String.self)
        scale = try field("scale", NSNumber.self).intValue
        input = try field("input", String.self)
        outputs = try field("outputs", [String].self)
        align = try field("align", NSNumber.self).intValue
        receptiveRadius = try field("receptive_radius", NSNumber.self).intValue
        let nodes = try field("nodes", [[String: Any]].self)
        layers = try nodes.map(Self.parseLayer)
        if let c = obj["calibration"] {
            guard let ranges = c as? [String: [NSNumber]], ranges.values.allSatisfy({ $0.count == 2 }) else {
                throw EngineError.invalidGraph("'calibration' must map node names to [min, max]")
            }
            calibration = ranges.mapValues { ValueRange(min: $0[0].floatValue, max: $0[1].floatValue) }
        }
        if let e = obj["early_exit"] {
            let settle = (e as? [String: Any])?["settle"]  // optional: absent or null means no settle test
            guard let d = e as? [String: Any], let block = d["iqam_block"] as? NSNumber,
                  let threshold = d["threshold"] as? NSNumber, let tile = d["tile"] as? NSNumber,
                  block.intValue >= 2, tile.intValue >= 1,
                  settle == nil || settle is NSNull || ((settle as? NSNumber)?.doubleValue ?? -1) >= 0 else {
                throw EngineError.invalidGraph("'early_exit' must be {\"iqam_block\": >=2, \"threshold\": Q, \"settle\": >=0 or null, \"tile\": >=1}")
            }
            earlyExit = EarlyExit(iqamBlock: block.intValue, threshold: threshold.doubleValue,
                                  settle: (settle as? NSNumber)?.doubleValue, tile: tile.intValue)
        }
        if let b = obj["branches"] {
            guard let names = b as? [String], !names.isEmpty else { throw EngineError.invalidGraph("'branches' must list model names") }
            branches = names
        }
        if let info = obj["info"], JSONSerialization.isValidJSONObject(info),
           let d = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) {
            infoJSON = String(decoding: d, as: UTF8.self)
        }
        guard scale >= 1, align >= 1, receptiveRadius >= 0 else {
            throw EngineError.invalidGraph("scale and align must be >= 1 and receptive_radius >= 0")
        }
        try validate()
    }

    /// The `clarity` JSON document (what the training toolkit writes).
    public func jsonText() -> String {
        var obj: [String: Any] = [
            "format": 1, "name": name, "task": task, "scale": scale, "input": input, "outputs": outputs,
            "align": align, "receptive_radius": receptiveRadius, "nodes": layers.map(Self.nodeJSON),
        ]
        if let calibration {
            obj["calibration"] = calibration.mapValues { [Double($0.min), Double($0.max)] }
        }
        if let earlyExit {
            obj["early_exit"] = ["iqam_block": earlyExit.iqamBlock, "threshold": earlyExit.threshold, "tile": earlyExit.tile]
                .merging(earlyExit.settle.map { ["settle": $0] } ?? [:]) { a, _ in a }
        }
        if let branches { obj["branches"] = branches }
        if let infoJSON, let d = infoJSON.data(using: .utf8), let info = try? JSONSerialization.jsonObject(with: d) {
            obj["info"] = info
        }
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func parseLayer(_ n: [String: Any]) throws -> Layer {
        guard let name = n["name"] as? String else { throw EngineError.invalidGraph("a node has no 'name'") }
        guard let op = n["op"] as? String else { throw EngineError.invalidGraph("node '\(name)' has no 'op'") }
        guard let inputs = n["inputs"] as? [String] else { throw EngineError.invalidGraph("node '\(name)' has no 'inputs' list") }
        func int(_ k: String) throws -> Int {
            guard let v = n[k] as? NSNumber else { throw EngineError.invalidGraph("node '\(name)' (\(op)): missing integer '\(k)'") }
            return v.intValue
        }
        func pair(_ k: String, default d: (Int, Int)? = nil) throws -> (h: Int, w: Int) {
            if let a = n[k] as? [NSNumber], a.count == 2 { return (a[0].intValue, a[1].intValue) }
            if let v = n[k] as? NSNumber { return (v.intValue, v.intValue) }
            if n[k] == nil, let d { return d }
            throw EngineError.invalidGraph("node '\(name)' (\(op)): '\(k)' must be [h, w]")
        }
        func activation() throws -> Activation? {
            guard let a = n["activation"], !(a is NSNull) else { return nil }
            guard let d = a as? [String: Any] else { throw EngineError.invalidGraph("node '\(name)': 'activation' must be an object") }
            return try Activation(json: d, node: name)
        }
        let bias = (n["bias"] as? Bool) ?? false
        let result: Layer.Op
        switch op {
        case "conv2d", "conv_transpose2d":
            var c = Layer.Convolution(inChannels: try int("in_channels"), outChannels: try int("out_channels"),
                                      kernel: try pair("kernel"))
            c.stride = try pair("stride", default: op == "conv2d" ? (1, 1) : c.kernel)
            c.padding = op == "conv2d" ? try pair("padding", default: (0, 0)) : (0, 0)
            c.groups = (n["groups"] as? NSNumber)?.intValue ?? 1
            c.bias = bias
            c.activation = try activation()
            if op == "conv2d" {
                c.residual = n["residual"] as? String
                result = .conv2d(c)
            } else {
                result = .convTranspose2d(c)
            }
        case "pixel_shuffle": result = .pixelShuffle(factor: try int("factor"))
        case "concat": result = .concat
        case "add": result = .add
        case "activation":
            guard let a = try activation() else { throw EngineError.invalidGraph("node '\(name)': 'activation' missing") }
            result = .activation(a)
        case "global_avg_pool": result = .globalAvgPool
        case "eca": result = .eca(kernel: try int("kernel"))
        case "linear":
            result = .linear(Layer.Linear(inFeatures: try int("in_features"), outFeatures: try int("out_features"),
                                          bias: bias, activation: try activation()))
        case "max_candidates": result = .maxCandidates(candidates: try int("candidates"), groups: try int("groups"))
        case "softmax_sum":
            guard let m = (n["mode"] as? String).flatMap(Layer.SoftmaxMode.init(rawValue:)) else {
                throw EngineError.invalidGraph("node '\(name)': softmax_sum 'mode' must be 'tm' or 'tr'")
            }
            result = .softmaxSum(candidates: try int("candidates"), groups: try int("groups"), mode: m)
        default:
            throw EngineError.invalidGraph("node '\(name)': unknown op '\(op)'")
        }
        return Layer(name: name, inputs: inputs, op: result)
    }

    private static func nodeJSON(_ l: Layer) -> [String: Any] {
        var n: [String: Any] = ["name": l.name, "inputs": l.inputs]
        func conv(_ c: Layer.Convolution) {
            n["in_channels"] = c.inChannels; n["out_channels"] = c.outChannels
            n["kernel"] = [c.kernel.h, c.kernel.w]; n["stride"] = [c.stride.h, c.stride.w]
            n["groups"] = c.groups; n["bias"] = c.bias
            if let a = c.activation { n["activation"] = a.json }
        }
        switch l.op {
        case .conv2d(let c):
            n["op"] = "conv2d"; conv(c); n["padding"] = [c.padding.h, c.padding.w]
            if let r = c.residual { n["residual"] = r }
        case .convTranspose2d(let c): n["op"] = "conv_transpose2d"; conv(c)
        case .pixelShuffle(let f): n["op"] = "pixel_shuffle"; n["factor"] = f
        case .concat: n["op"] = "concat"
        case .add: n["op"] = "add"
        case .activation(let a): n["op"] = "activation"; n["activation"] = a.json
        case .globalAvgPool: n["op"] = "global_avg_pool"
        case .eca(let k): n["op"] = "eca"; n["kernel"] = k
        case .linear(let li):
            n["op"] = "linear"; n["in_features"] = li.inFeatures; n["out_features"] = li.outFeatures; n["bias"] = li.bias
            if let a = li.activation { n["activation"] = a.json }
        case .maxCandidates(let c, let g): n["op"] = "max_candidates"; n["candidates"] = c; n["groups"] = g
        case .softmaxSum(let c, let g, let m):
            n["op"] = "softmax_sum"; n["candidates"] = c; n["groups"] = g; n["mode"] = m.rawValue
        }
        return n
    }
}

// MARK: - Validation and shapes

extension ModelGraph {
    /// Checks names (unique, inputs defined earlier, outputs exist) and channel counts.
    func validate() throws {
        var seen: Set<String> = [input]
        for l in layers {
            guard !seen.contains(l.name) else { throw EngineError.invalidGraph("node name '\(l.name)' is used twice") }
            for i in l.allInputs where !seen.contains(i) {
                throw EngineError.invalidGraph("node '\(l.name)' reads '\(i)', which is not an earlier node or the input")
            }
            seen.insert(l.name)
        }
        for o in outputs where !seen.contains(o) || o == input {
            throw EngineError.invalidGraph("output '\(o)' is not a node")
        }
        guard !outputs.isEmpty else { throw EngineError.invalidGraph("no outputs") }
        // Channel consistency on a small probe size (multiple of align, large enough for kernels).
        let probe = align * max(1, (64 + align - 1) / align)
        _ = try shapes(height: probe, width: probe)
    }

    /// Output shape of every node for one input of `height` x `width` (1 channel).
    public func shapes(height: Int, width: Int) throws -> [String: Shape] {
        guard height > 0, width > 0 else { throw EngineError.badInput("input size \(width)x\(height)") }
        var s: [String: Shape] = [input: Shape(c: 1, h: height, w: width)]
        for l in layers {
            let ins = l.inputs.map { s[$0]! }
            func need(_ count: Int) throws {
                guard ins.count == count else {
                    throw EngineError.invalidGraph("node '\(l.name)' needs \(count) input(s), has \(ins.count)")
                }
            }
            func fail(_ m: String) -> EngineError { .invalidGraph("node '\(l.name)': \(m)") }
            let out: Shape
            switch l.op {
            case .conv2d(let c):
                try need(1)
                let x = ins[0]
                guard x.c == c.inChannels else { throw fail("in_channels \(c.inChannels) but input has \(x.c)") }
                guard c.groups >= 1, c.inChannels % c.groups == 0, c.outChannels % c.groups == 0 else {
                    throw fail("channels \(c.inChannels)->\(c.outChannels) not divisible by groups \(c.groups)")
                }
                guard c.stride.h >= 1, c.stride.w >= 1, c.kernel.h >= 1, c.kernel.w >= 1 else { throw fail("bad kernel or stride") }
                let oh = (x.h + 2 * c.padding.h - c.kernel.h) / c.stride.h + 1
                let ow = (x.w + 2 * c.padding.w - c.kernel.w) / c.stride.w + 1
                guard oh > 0, ow > 0 else { throw fail("input \(x.w)x\(x.h) too small for its kernel") }
                out = Shape(c: c.outChannels, h: oh, w: ow)
                if let r = c.residual, s[r]! != out { throw fail("residual '\(r)' has shape \(s[r]!), output is \(out)") }
            case .convTranspose2d(let c):
                try need(1)
                guard ins[0].c == c.inChannels else { throw fail("in_channels \(c.inChannels) but input has \(ins[0].c)") }
                guard c.inChannels % c.groups == 0, c.outChannels % c.groups == 0 else { throw fail("channels not divisible by groups") }
                out = Shape(c: c.outChannels, h: (ins[0].h - 1) * c.stride.h + c.kernel.h,
                            w: (ins[0].w - 1) * c.stride.w + c.kernel.w)
            case .pixelShuffle(let f):
                try need(1)
                guard f >= 1, ins[0].c % (f * f) == 0 else { throw fail("\(ins[0].c) channels not divisible by \(f * f)") }
                out = Shape(c: ins[0].c / (f * f), h: ins[0].h * f, w: ins[0].w * f)
            case .concat:
                guard ins.count >= 2 else { throw fail("concat needs 2 or more inputs") }
                guard ins.allSatisfy({ $0.h == ins[0].h && $0.w == ins[0].w }) else { throw fail("concat inputs differ in size") }
                out = Shape(c: ins.reduce(0) { $0 + $1.c }, h: ins[0].h, w: ins[0].w)
            case .add:
                try need(2)
                guard ins[0] == ins[1] else { throw fail("add inputs differ: \(ins[0]) vs \(ins[1])") }
                out = ins[0]
            case .activation:
                try need(1); out = ins[0]
            case .globalAvgPool:
                try need(1); out = Shape(c: ins[0].c, h: 1, w: 1)
            case .eca(let k):
                try need(1)
                guard k >= 1, k % 2 == 1 else { throw fail("ECA kernel must be odd") }
                out = ins[0]
            case .linear(let li):
                try need(1)
                guard ins[0].h == 1, ins[0].w == 1, ins[0].c == li.inFeatures else {
                    throw fail("linear needs [N, \(li.inFeatures), 1, 1], got \(ins[0])")
                }
                out = Shape(c: li.outFeatures, h: 1, w: 1)
            case .maxCandidates(let c, let g):
                try need(1)
                guard ins[0].c == c * g else { throw fail("expects \(c * g) channels, input has \(ins[0].c)") }
                out = Shape(c: g, h: ins[0].h, w: ins[0].w)
            case .softmaxSum(let c, let g, let m):
                try need(1)
                let k = m == .tm ? 2 : 3
                guard ins[0].c == k * c * g else { throw fail("expects \(k * c * g) channels, input has \(ins[0].c)") }
                out = Shape(c: g, h: ins[0].h, w: ins[0].w)
            }
            s[l.name] = out
        }
        return s
    }
}
