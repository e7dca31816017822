import Foundation

/// A Linux pipe holds 64 KB, so a 4K frame (12 MB) crosses it in about 190 hand-overs, each a
/// wake-up of the other side. Pipes the tool reads or writes are enlarged to 1 MB, the most an
/// unprivileged process may ask for by default: 300 4K frames of `clarity live` into `cat` beside
/// a busy loop on 2 cores took 28-30 thousand voluntary context switches (writer and reader)
/// against 52 thousand (the writer alone) through 64 KB.
enum PipeCapacity {
    static let bytes: Int32 = 1 << 20
    /// fcntl's F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7), which Glibc's module leaves out.
    private static let setPipeSize: Int32 = 1031

    /// Enlarges the pipe behind `fd`; anything else (a file, a terminal, a socket) is left as
    /// it is, and a refusal leaves the pipe as it was.
    static func enlarge(_ fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { return }
        _ = fcntl(fd, setPipeSize, bytes)
    }

    /// The descriptor of a `-` or `pipe:N` path, if it is one.
    static func descriptor(of path: String, standard: Int32) -> Int32? {
        if path == "-" { return standard }
        guard path.hasPrefix("pipe:") else { return nil }
        return path.dropFirst(5).isEmpty ? standard : Int32(path.dropFirst(5))
    }
}
