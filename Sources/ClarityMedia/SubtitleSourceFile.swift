import Foundation

/// The file read for a subtitle file the user named: the file itself, or a temporary copy
/// made on first use of
/// - a pipe's bytes (a shell's `<(...)`, a named pipe): subtitle files are read more than once
///   (their streams, their character set, the burner's own reading), and a pipe gives its bytes
///   once (a second open of a named pipe waited for ever for a writer that had gone, and
///   `<(...)` read as empty);
/// - TTML as SRT (`TTMLSubtitles`): FFmpeg 5.1 writes TTML but cannot read it.
enum SubtitleSourceFile {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var copies: [String: String] = [:]
    nonisolated(unsafe) private static var languages: [String: String] = [:]

    /// `path` itself where it is neither a pipe nor TTML; else the path of its copy, removed at
    /// exit. `option` (which named it) is said in errors.
    static func settled(_ path: String, for option: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let copy = copies[path] { return copy }
        let pipe = InterruptiblePipe.isPipe(path)
        guard let file = FileHandle(forReadingAtPath: path) else {
            if pipe { throw MediaError(.inputUnreadable, "\(option): cannot read \(path)") }
            return path
        }
        defer { try? file.close() }
        var bytes = (pipe ? try? file.readToEnd() : try? file.read(upToCount: 4096)) ?? Data()
        let ttml = TTMLSubtitles.holdsTTML(bytes)
        guard pipe || ttml else { return path }
        var name = URL(fileURLWithPath: path).lastPathComponent, language: String?
        if ttml {
            if !pipe { bytes += (try? file.readToEnd()) ?? Data() }
            let document = try TTMLSubtitles.read(bytes, name: "\(option): \(path)")
            guard !document.cues.isEmpty else {
                throw MediaError(.notMedia, "\(option): \(path) is TTML that holds no subtitles (no paragraph with text)")
            }
            bytes = Data(TTMLSubtitles.srt(document.cues).utf8)
            name += ".srt"
            language = document.language
        }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-\(getpid())-\(copies.count)-\(name)").path
        guard FileManager.default.createFile(atPath: copy, contents: bytes) else {
            throw MediaError(.outputUnwritable, "\(option): cannot keep what \(path) gave in \(copy)")
        }
        // Removed at exit, or by a second Ctrl-C with the outputs (which ends without exit's handlers).
        if copies.isEmpty { atexit { SubtitleSourceFile.removeCopies() } }
        TemporaryFiles.shared.register(copy, sequence: false)
        copies[path] = copy
        languages[copy] = language
        return copy
    }

    /// The language a copy's TTML document states (SRT cannot say it), if any.
    static func language(of copy: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return languages[copy]
    }

    /// The path the user gave for `path`: the one it is a copy of, if it is one (for messages).
    static func given(_ path: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return copies.first { $0.value == path }?.key ?? path
    }

    private static func removeCopies() {
        for copy in copies.values { unlink(copy) }
    }
}
