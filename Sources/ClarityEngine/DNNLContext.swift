import CDNNL

/// The one oneDNN CPU engine and stream of the process. oneDNN engines are cheap to share
/// and primitives are bound to the engine that created them, so there is exactly one.
final class DNNLContext: @unchecked Sendable {
    static let shared = DNNLContext()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        var e: dnnl_engine_t?
        var s: dnnl_stream_t?
        precondition(dnnl_engine_create(&e, dnnl_cpu, 0) == dnnl_success, "oneDNN: no CPU engine")
        precondition(dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue) == dnnl_success,
                     "oneDNN: no CPU stream")
        engine = e!
        stream = s!
    }
}

/// Turns a oneDNN status into a thrown `EngineError` naming what was being done.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
    if status == dnnl_out_of_memory { throw EngineError.outOfMemory(what()) }
    if status != dnnl_success {
        throw EngineError.dnnl("\(what()) failed (status \(status.rawValue)\(status == dnnl_unimplemented ? ", unimplemented on this CPU" : ""))")
    }
}

/// Memory descriptors for the engine's logical NCHW dims (oneDNN's dimension order is
/// always logical; the tag chooses the physical layout).
enum MemoryDesc {
    static func make(_ dims: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "memory descriptor \(dims)")
        return md
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a, b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// The layout of a 4-D f32 tensor as a `ChannelLayout`, if it is plain or has a single
    /// inner block on channels (oneDNN's `aBcd8b`); nil for other layouts.
    static func channelLayout(_ md: dnnl_memory_desc_t) -> ChannelLayout? {
        guard md.ndims == 4, md.data_type == dnnl_f32, md.format_kind == dnnl_blocked, md.offset0 == 0 else { return nil }
        let b = md.format_desc.blocking
        let strides = withUnsafeBytes(of: b.strides) { Array($0.bindMemory(to: Int64.self).prefix(4)).map(Int.init) }
        let inner = withUnsafeBytes(of: b.inner_blks) { Array($0.bindMemory(to: Int64.self).prefix(1)) }
        let index = withUnsafeBytes(of: b.inner_idxs) { Array($0.bindMemory(to: Int64.self).prefix(1)) }
        switch Int(b.inner_nblks) {
        case 0: return ChannelLayout(block: 1, batch: strides[0], channelBlock: strides[1], row: strides[2], pixel: strides[3])
        case 1 where index[0] == 1:
            return ChannelLayout(block: Int(inner[0]), batch: strides[0], channelBlock: strides[1], row: strides[2], pixel: strides[3])
        default: return nil
        }
    }

    static func size(_ md: dnnl_memory_desc_t) -> Int {
        var md = md
        return dnnl_memory_desc_get_size(&md)
    }
}

/// A oneDNN memory object. Its buffer has a stable address (primitives keep raw pointers to
/// it, so it must not be a Swift array): one oneDNN allocated and owns, or a place in a
/// plan's `ActivationArena`.
final class DNNLMemory {
    enum Storage {
        /// A buffer oneDNN allocates (aligned) and frees with the memory.
        case own
        /// Someone else's buffer, which outlives the memory.
        case at(UnsafeMutableRawPointer)
        /// No buffer: a memory that is only described (a plan's sizing build). Its `handle`
        /// is a pointer nothing may touch.
        case none
    }

    let memory: dnnl_memory_t
    let desc: dnnl_memory_desc_t
    let handle: UnsafeMutableRawPointer

    init(_ desc: dnnl_memory_desc_t, storage: Storage = .own) throws {
        var md = desc
        var m: dnnl_memory_t?
        let pointer: UnsafeMutableRawPointer?
        switch storage {
        case .own: pointer = clarity_dnnl_memory_allocate()
        case .at(let p): pointer = p
        case .none: pointer = clarity_dnnl_memory_none()
        }
        try dnnlCheck(dnnl_memory_create(&m, &md, DNNLContext.shared.engine, pointer), "allocating a model's tensor")
        memory = m!
        self.desc = desc
        var h: UnsafeMutableRawPointer?
        try dnnlCheck(dnnl_memory_get_data_handle(memory, &h), "memory handle")
        handle = h ?? Self.unbacked
    }

    /// The handle of a memory without a buffer: non-null so that a sizing build can take it
    /// like any other, and in the first page, so that any use of it faults at once.
    private static let unbacked = UnsafeMutableRawPointer(bitPattern: 0x40)!

    var floats: UnsafeMutablePointer<Float> { handle.assumingMemoryBound(to: Float.self) }
    var byteCount: Int { MemoryDesc.size(desc) }

    deinit { dnnl_memory_destroy(memory) }
}

/// A created primitive, destroyed with its owner.
final class DNNLPrimitive {
    let primitive: dnnl_primitive_t
    /// oneDNN's implementation name (e.g. "jit:avx2"), for reports and tests.
    let implementation: String

    /// Creates the primitive of `pd`; takes ownership of `pd` and destroys it.
    init(pd: dnnl_primitive_desc_t) throws {
        defer { dnnl_primitive_desc_destroy(pd) }
        var impl: UnsafePointer<CChar>?
        _ = withUnsafeMutablePointer(to: &impl) { dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, $0) }
        implementation = impl.map { String(cString: $0) } ?? "?"
        var p: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&p, pd), "creating primitive")
        primitive = p!
    }

    func execute(_ args: [(Int32, DNNLMemory)]) throws {
        let list = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.memory) }
        try dnnlCheck(dnnl_primitive_execute(primitive, DNNLContext.shared.stream, Int32(list.count), list),
                      "executing \(implementation)")
    }

    deinit { dnnl_primitive_destroy(primitive) }
}

/// Primitive attributes (output scales, post-ops), destroyed after the primitive is built.
final class DNNLAttributes {
    let attr: dnnl_primitive_attr_t
    init() throws {
        var a: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&a), "attributes")
        attr = a!
    }
    func setOutputScales(_ scales: [Float], mask: Int32) throws {
        try dnnlCheck(dnnl_primitive_attr_set_output_scales(attr, Int64(scales.count), mask, scales), "output scales")
    }
    func setPostOps(_ build: (dnnl_post_ops_t) throws -> Void) throws {
        var p: dnnl_post_ops_t?
        try dnnlCheck(dnnl_post_ops_create(&p), "post-ops")
        defer { dnnl_post_ops_destroy(p) }
        try build(p!)
        try dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, p), "setting post-ops")
    }
    deinit { dnnl_primitive_attr_destroy(attr) }
}

/// A reorder between two memory descriptors (layout and/or data type change), with an
/// optional scale `dst = scale * src` used to quantize and dequantize int8 tensors.
enum Reorder {
    static func make(from src: dnnl_memory_desc_t, to dst: dnnl_memory_desc_t,
                     scales: [Float]? = nil, mask: Int32 = 0) throws -> DNNLPrimitive {
        var s = src, d = dst
        let attr = try DNNLAttributes()
        if let scales { try attr.setOutputScales(scales, mask: mask) }
        var pd: dnnl_primitive_desc_t?
        let e = DNNLContext.shared.engine
        try dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &s, e, &d, e, attr.attr), "reorder")
        return try DNNLPrimitive(pd: pd!)
    }

    /// Runs a one-off reorder (used once per weight tensor, never per frame).
    static func run(from src: DNNLMemory, to dst: DNNLMemory, scales: [Float]? = nil, mask: Int32 = 0) throws {
        let r = try make(from: src.desc, to: dst.desc, scales: scales, mask: mask)
        try r.execute([(clarity_dnnl_arg_from(), src), (clarity_dnnl_arg_to(), dst)])
        try dnnlCheck(dnnl_stream_wait(DNNLContext.shared.stream), "waiting for reorder")
    }
}
