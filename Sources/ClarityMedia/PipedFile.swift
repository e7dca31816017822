import Foundation

/// A small input named by a pipe's path (a shell's `<(...)`, a named pipe), copied whole into a
/// temporary file on first use. Subtitle files are read more than once (their streams, their
/// character set, the burner's own reading), and a pipe gives its bytes once: a second open of
/// a named pipe waited for ever for a writer that had gone, and `<(...)` read as empty.
enum PipedFile {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var copies: [String: String] = [:]

    /// `path` itself where it is not a pipe; else the path of its copy, removed at exit.
    static func settled(_ path: String) throws -> String {
        guard InterruptiblePipe.isPipe(path) else { return path }
        lock.lock()
        defer { lock.unlock() }
        if let copy = copies[path] { return copy }
        guard let pipe = FileHandle(forReadingAtPath: path), let bytes = try? pipe.readToEnd() ?? Data() else {
            throw MediaError(.inputUnreadable, "cannot read \(path)")
        }
        try? pipe.close()
        let name = "clarity-\(getpid())-\(copies.count)-\(URL(fileURLWithPath: path).lastPathComponent)"
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: copy, contents: bytes) else {
            throw MediaError(.outputUnwritable, "cannot keep what \(path) gave in \(copy)")
        }
        // Removed at exit, or by a second Ctrl-C with the outputs (which ends without exit's handlers).
        if copies.isEmpty { atexit { PipedFile.removeCopies() } }
        TemporaryFiles.shared.register(copy, sequence: false)
        copies[path] = copy
        return copy
    }

    /// The path the user gave for `path`: the pipe's where `path` is a copy of one (for messages).
    static func given(_ path: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return copies.first { $0.value == path }?.key ?? path
    }

    private static func removeCopies() {
        for copy in copies.values { unlink(copy) }
    }
}
