import Foundation

/// Temporary outputs still open, so a second Ctrl-C can remove them before the process dies,
/// and a crash as it dies (`CrashCleanup`).
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    /// Each path, whether it is a picture sequence's pattern, and its crash handler's slot.
    private var paths: [String: (sequence: Bool, slot: Int?)] = [:]

    func register(_ path: String, sequence: Bool) {
        lock.lock(); defer { lock.unlock() }
        unregister(locked: path)
        paths[path] = (sequence, CrashCleanup.add(path, sequence: sequence))
    }

    func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        unregister(locked: path)
    }

    private func unregister(locked path: String) {
        if let slot = paths[path]?.slot { CrashCleanup.remove(slot) }
        paths[path] = nil
    }

    /// Unlinks every registered file, and every picture written of a registered sequence.
    /// Called from the interrupt watcher's thread, not from a signal handler.
    public func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for (path, (sequence, _)) in paths {
            guard sequence else { unlink(path); continue }
            var n = PictureSequence.firstWritten
            while let picture = PictureSequence.picture(path, n), unlink(picture) == 0 { n += 1 }
        }
    }
}
