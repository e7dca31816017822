import CFFmpeg
import Foundation

/// A list of files for FFmpeg's concat demuxer (`--input-format concat`), checked before it
/// is read. The demuxer opens each file only when the one before it ends, so a missing one
/// stopped the run there: the output held the parts before it, with exit 0 and a warning
/// that named it as FFmpeg resolved it ("Impossible to open 'file:gone.mp4'").
enum ConcatList {
    /// The local files the list at `path` names: each `file` directive's argument as the
    /// demuxer reads it (FFmpeg's tokenizer: quotes and escapes), where it is found (relative
    /// names from the list's folder) and its line. Names of other protocols (`http://...`)
    /// are left out, and so is a list that is not UTF-8 (its names' bytes are FFmpeg's to read).
    private static func files(in path: String) -> [(name: String, path: String, line: Int)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var files: [(name: String, path: String, line: Int)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.drop { $0 == " " || $0 == "\t" }
            guard words.hasPrefix("file"), let after = words.dropFirst(4).first, after == " " || after == "\t" else { continue }
            guard let name = token(String(words.dropFirst(5)).trimmingCharacters(in: .whitespacesAndNewlines)), !name.isEmpty else {
                continue
            }
            let local = name.hasPrefix("file:") ? String(name.dropFirst(5)) : name
            if local.contains("://") || (local.firstIndex(of: ":").map { local[..<$0].allSatisfy(\.isLetter) } ?? false) { continue }
            files.append((name, local.hasPrefix("/") ? local : folder.appendingPathComponent(local).path, index + 1))
        }
        return files
    }

    /// Refuses a list that names a file that is missing (66), naming it as the list does.
    static func check(_ path: String, shown: String) throws {
        if let missing = files(in: path).first(where: { !FileManager.default.fileExists(atPath: $0.path) }) {
            throw MediaError(.inputNotFound, "\(shown) names '\(missing.name)' (line \(missing.line)), which is not there: \(missing.path)")
        }
    }

    /// FFmpeg's reading of one argument (`av_get_token`): 'quoted' text as it stands, \\ escapes.
    private static func token(_ text: String) -> String? {
        text.withCString { start in
            var cursor: UnsafePointer<CChar>? = start
            guard let word = av_get_token(&cursor, " \t\r\n") else { return nil }
            defer { av_free(word) }
            return String(cString: word)
        }
    }
}
