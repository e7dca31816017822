import Foundation

/// An output written under a temporary name in the same folder and renamed into place only
/// when complete, so a failed or interrupted run never leaves a half-written file behind.
public final class OutputFile {
    public let finalPath: String
    /// Where bytes go while writing: the temporary path, or the pipe or device itself.
    public let writingPath: String
    /// Written in place: stdout, a FIFO or a device.
    public let isPipe: Bool
    private var settled = false

    public init(_ path: String, overwrite: Bool) throws {
        if path == "-" || path.hasPrefix("pipe:") {
            finalPath = "pipe:1"
            writingPath = path == "-" ? "pipe:1" : path
            isPipe = true
            return
        }
        finalPath = path
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG && (info.st_mode & S_IFMT) != S_IFDIR {
            // A device or FIFO (/dev/null, a named pipe): written in place, nothing to rename.
            writingPath = path
            isPipe = true
            return
        }
        isPipe = false
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw MediaError(.outputUnwritable, "output is a folder: \(path)") }
            if !overwrite { throw MediaError(.outputUnwritable, "output exists: \(path) (use --overwrite to replace it)") }
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw MediaError(.outputUnwritable, "output folder does not exist: \(folder)")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw MediaError(.outputUnwritable, "cannot write to folder: \(folder)")
        }
        let ext = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
        let name = ".\(url.deletingPathExtension().lastPathComponent).clarity-\(getpid())\(ext)"
        writingPath = url.deletingLastPathComponent().appendingPathComponent(name).path
        TemporaryFiles.shared.register(writingPath)
    }

    /// Moves the finished file under its final name.
    public func commit() throws {
        guard !isPipe, !settled else { return }
        settled = true
        TemporaryFiles.shared.unregister(writingPath)
        if rename(writingPath, finalPath) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(writingPath)
            throw MediaError(.outputUnwritable, "cannot move output into place at \(finalPath): \(reason)")
        }
    }

    /// Removes what was written.
    public func discard() {
        guard !isPipe, !settled else { return }
        settled = true
        unlink(writingPath)
        TemporaryFiles.shared.unregister(writingPath)
    }

    deinit { discard() }

    /// Bytes written so far (0 for a pipe).
    public var bytesWritten: Int64 {
        guard !isPipe, let a = try? FileManager.default.attributesOfItem(atPath: writingPath) else { return 0 }
        return (a[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// Temporary outputs still open, so a second Ctrl-C can remove them before the process dies.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: [String: UnsafeMutablePointer<CChar>] = [:]

    func register(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths[path] = strdup(path)
    }

    func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        if let p = paths.removeValue(forKey: path) { free(p) }
    }

    /// Unlinks every registered file. Only calls `unlink`, so a signal handler may use it.
    public func removeAllUnsafe() {
        for p in paths.values { unlink(p) }
    }
}
