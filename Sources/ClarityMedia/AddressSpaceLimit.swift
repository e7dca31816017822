import Foundation

/// Whether the process has used up the memory its limits allow (`ulimit -v`, `ulimit -d`):
/// asked where a failure does not say why. Swift traps where an allocation fails, libraries
/// (oneDNN) abort or dereference the null they were given, and x264 prints its failed
/// allocation and returns an external library's error. The limits are read once, before
/// any crash; the check then only reads `/proc/self/statm` into a buffer on the stack, which
/// neither locks nor allocates, so a crash handler may ask it.
enum AddressSpaceLimit {
    /// The address space and data segment allowed, in bytes (0: unlimited).
    private static let limits: (address: Int, data: Int) =
        (limit(__rlimit_resource_t(RLIMIT_AS.rawValue)), limit(__rlimit_resource_t(RLIMIT_DATA.rawValue)))
    private static let pageSize = sysconf(Int32(_SC_PAGESIZE))

    /// Reads what the handler needs while allocating is still safe.
    static func prepare() { _ = (limits, pageSize) }

    /// A limit is as good as used up when less of it is left than an allocation the run
    /// makes may ask for: a 4K plane's arena, a thread's malloc arena (64 MiB of addresses).
    static func nearlyUsedUp() -> Bool {
        guard limits.address > 0 || limits.data > 0 else { return false }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { statm in
            let fd = open("/proc/self/statm", O_RDONLY)
            guard fd >= 0 else { return false }
            let n = read(fd, statm.baseAddress!, statm.count - 1)
            close(fd)
            return n > 0 && nearlyUsedUp(statm: statm.baseAddress!, count: n)
        }
    }

    /// The check on `count` bytes of `/proc/self/statm`.
    private static func nearlyUsedUp(statm: UnsafeMutablePointer<CChar>, count n: Int) -> Bool {
        statm[n] = 0
        // Pages: total size, resident, shared, text, library, data and stack, dirty.
        var (field, size, data) = (0, 0, 0)
        var p = statm
        while p.pointee != 0 && field <= 5 {
            let c = Int(p.pointee)
            if c == 32 {
                field += 1
            } else if c >= 48 && c <= 57 {
                if field == 0 { size = size * 10 + c - 48 }
                if field == 5 { data = data * 10 + c - 48 }
            }
            p += 1
        }
        return near(used: size * pageSize, limit: limits.address) || near(used: data * pageSize, limit: limits.data)
    }

    private static func near(used: Int, limit: Int) -> Bool {
        limit > 0 && used >= limit - max(256 << 20, limit / 4)
    }

    private static func limit(_ resource: __rlimit_resource_t) -> Int {
        var l = rlimit()
        guard getrlimit(resource, &l) == 0, l.rlim_cur != rlim_t.max else { return 0 }
        return Int(clamping: l.rlim_cur)
    }
}
