import CDNNL
import Foundation

/// Where a plan's intermediate tensors live. A plan is built twice: the first build sizes
/// (activation memories get no storage; they are only counted), then the plan's steps tell
/// when each is first and last touched (`BufferLayout`), and the second build places every
/// activation at its offset in one buffer, so tensors never alive together share bytes.
/// Storage the plan writes while it is built (padded planes, biases) or that callers touch
/// between runs (the input) is not an activation and keeps its own buffer.
final class ActivationArena {
    private enum Mode {
        case sizing
        case placed(base: UnsafeMutableRawPointer, layout: BufferLayout)
        /// Every activation in its own buffer (calibration plans, whose captured tensors are
        /// all read after the run).
        case separate
    }

    private let mode: Mode
    /// Activations in the order the plan asked for them.
    private(set) var memories: [DNNLMemory] = []

    static var sizing: ActivationArena { ActivationArena(mode: .sizing) }
    static var separate: ActivationArena { ActivationArena(mode: .separate) }

    /// An arena for a second build asking for the same activations, in the same order, as
    /// the first one.
    init(layout: BufferLayout) throws {
        var base: UnsafeMutableRawPointer?
        // (Swift's own allocation would trap where memory runs out.)
        guard posix_memalign(&base, 4096, max(layout.byteCount, 1)) == 0, let base else {
            throw EngineError.outOfMemory("placing a plan's activations (\(layout.byteCount >> 20) MiB)")
        }
        mode = .placed(base: base, layout: layout)
    }

    private init(mode: Mode) { self.mode = mode }

    deinit { if case .placed(let base, _) = mode { free(base) } }

    /// Bytes of the one buffer (placed), or of all activations apart (otherwise).
    var byteCount: Int {
        if case .placed(_, let layout) = mode { return layout.byteCount }
        return bytesApart
    }

    /// Bytes the activations would take each in its own buffer.
    var bytesApart: Int { memories.reduce(0) { $0 + $1.byteCount } }

    /// The next activation, of layout and type `desc`.
    func memory(_ desc: dnnl_memory_desc_t) throws -> DNNLMemory {
        let m: DNNLMemory
        switch mode {
        case .sizing:
            m = try DNNLMemory(desc, storage: .none)
        case .separate:
            m = try DNNLMemory(desc)
        case .placed(let base, let layout):
            let i = memories.count
            guard i < layout.sizes.count, MemoryDesc.size(desc) == layout.sizes[i] else {
                throw EngineError.mismatch("plan rebuild asked for activation \(i) unlike its sizing build")
            }
            m = try DNNLMemory(desc, storage: .at(base + layout.offsets[i]))
        }
        memories.append(m)
        return m
    }
}
