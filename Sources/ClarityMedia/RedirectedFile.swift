import Foundation

/// A standard stream (or `pipe:N`) that the shell redirected from or to a regular file
/// (`< in.mp4`, `> out.mkv`). FFmpeg's `pipe:` protocol cannot seek it; opened again as the
/// file it is, it can: an MP4 indexed at its end is read, and written with its index first.
enum RedirectedFile {
    /// The path that opens `fd`'s file again: its name, where that still names it (FFmpeg
    /// knows some formats by their extension alone), else `/proc/self/fd/N`. Nil unless `fd`
    /// is a regular file at its start, and, with `empty`, holds nothing (as `>` leaves it):
    /// the rest of a file read part-way, or bytes added after others, are a stream.
    static func path(of fd: Int32, empty: Bool = false) -> String? {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, lseek(fd, 0, SEEK_CUR) == 0,
              !empty || info.st_size == 0 else { return nil }
        let link = "/proc/self/fd/\(fd)"
        var named = stat()
        // (A name with % would be taken for a numbered sequence's pattern.)
        if let name = try? FileManager.default.destinationOfSymbolicLink(atPath: link), name.hasPrefix("/"), !name.contains("%"),
           stat(name, &named) == 0, named.st_dev == info.st_dev, named.st_ino == info.st_ino {
            return name
        }
        return access(link, R_OK) == 0 ? link : nil
    }

    /// The descriptor a path names by itself: /dev/stdin, /dev/stdout, /dev/stderr,
    /// /dev/fd/N, /proc/self/fd/N.
    static func descriptor(named path: String) -> Int32? {
        switch path {
        case "/dev/stdin": return 0
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for folder in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(folder) {
                return Int32(path.dropFirst(folder.count))
            }
            return nil
        }
    }
}
