import CKernels
import CDNNL
import Foundation

/// Process-wide engine settings. One number, `threads`, is the total the engine may use:
/// oneDNN's OpenMP team and the engine's own Swift loops take turns on the same cores (a
/// layer runs either in oneDNN or in Swift, never both at once), so both are sized to it.
/// The pipeline should give the engine `ThreadPlan.inference` and keep the rest.
public enum Engine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threads = AvailableCores.count

    /// Total threads for inference (oneDNN OpenMP threads and the engine's Swift loops); on a
    /// thread inside `withThreadsOnThisThread`, that thread's own count.
    public static var threads: Int {
        if let own = pthread_getspecific(threadOverride) { return Int(bitPattern: own) }
        lock.lock(); defer { lock.unlock() }
        return _threads
    }

    private static let threadOverride: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with `threads` set to `n` on this thread alone: a worker that runs one of
    /// several plans side by side takes its share of the cores, not all of them.
    public static func withThreadsOnThisThread<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(threadOverride)
        pthread_setspecific(threadOverride, UnsafeRawPointer(bitPattern: max(1, n)))
        defer { pthread_setspecific(threadOverride, previous) }
        return try body()
    }

    /// Sets the total thread count. Takes effect on the next `run` on any thread.
    public static func configure(threads: Int) {
        lock.lock(); defer { lock.unlock() }
        _threads = max(1, threads)
    }

    /// OpenMP's thread count is per calling thread, so it is set on the thread that is about
    /// to run oneDNN primitives (a cheap check when it already matches).
    static func applyThreadsToCurrentThread() {
        let n = Int32(threads)
        if omp_get_max_threads() != n { omp_set_num_threads(n) }
    }

    /// Whether oneDNN runs bf16 convolutions natively here (AVX512-BF16 or AMX); elsewhere a
    /// bf16 plan falls back to fp32.
    public static var hasNativeBF16: Bool { ["avx512_core_bf16", "avx512_core_amx"].contains(cpuISA) }

    /// The instruction set Clarity's own C kernels (`Sources/CKernels`) run with here:
    /// "avx512", "avx2" or "sse2".
    public static var kernelInstructionSet: String { String(cString: clarity_kernels_isa()) }

    /// The oneDNN library linked at run time ("2.6.2"), for reports.
    public static var dnnlVersion: String {
        let v = dnnl_version().pointee
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    /// oneDNN's ISA name on this CPU (e.g. "avx2"), for reports.
    public static var cpuISA: String {
        let isa = dnnl_get_effective_cpu_isa()
        switch isa {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx512_mic: return "avx512_mic"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "isa 0x\(String(isa.rawValue, radix: 16))"
        }
    }
}

/// How a total thread budget splits between inference and the rest of the pipeline
/// (decode, encode, conversions). On 2 cores inference gets both and the pipeline's
/// stages run in the gaps; above that, one core in four is left to the pipeline. With
/// `frameWorkers` copies of the stage working on consecutive frames, each copy gets its share.
public struct ThreadPlan: Equatable, Sendable {
    public let total: Int
    /// Frames processed at once, each by its own copy of the stage.
    public let frameWorkers: Int
    /// Inference threads of one copy.
    public let inference: Int
    /// Scaler threads of one copy.
    public let pipeline: Int

    public init(total: Int, frameWorkers: Int = 1) {
        let t = max(1, total)
        self.total = t
        self.frameWorkers = max(1, min(frameWorkers, t))
        let models = t <= 2 ? t : t - max(1, t / 4)
        inference = max(1, models / self.frameWorkers)
        pipeline = max(1, (t - models) / self.frameWorkers)
    }
}

/// Splits `count` items into at most `Engine.threads` contiguous chunks run concurrently.
/// Used by the engine's Swift layers, which never overlap a oneDNN primitive.
func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = max(1, min(Engine.threads, count / max(1, minChunk)))
    if workers <= 1 { body(0..<count); return }
    let per = (count + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = w * per, hi = min(count, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}

/// `parallelChunks` over items of uneven cost: the chunks split the summed `costs` evenly,
/// so work gathered in one part of the range still reaches every thread.
func parallelChunks(costs: [Int], minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = max(1, min(Engine.threads, costs.count / max(1, minChunk)))
    let total = costs.reduce(0, +)
    if workers <= 1 || total == 0 { body(0..<costs.count); return }
    var bounds = [0], sum = 0
    for (i, c) in costs.enumerated() where bounds.count < workers {
        sum += c
        if sum * workers >= total * bounds.count { bounds.append(i + 1) }
    }
    bounds.append(costs.count)
    DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { w in
        if bounds[w] < bounds[w + 1] { body(bounds[w]..<bounds[w + 1]) }
    }
}
