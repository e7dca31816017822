import CFFmpeg
import Foundation

/// The files a list FFmpeg reads as one input names, checked before it is read: a list for
/// its concat demuxer (`--input-format concat`), an HLS media playlist and a DASH manifest on
/// disk. FFmpeg opens each file only when the one before it ends, so a missing one stopped a
/// concat list there (the output held the parts before it, exit 0, "Impossible to open
/// 'file:gone.mp4'") and was skipped in a playlist or a manifest, unsaid (a second of video gone).
enum ListedFiles {
    /// Refuses (66) a list at `path` that names a local file that is not there, naming it as
    /// the list does, with where (a line; a manifest's representation and segment) and where
    /// it was looked for. `concat`: the input is read as a concat list; otherwise a file that
    /// starts as an HLS playlist is looked at, unless it is a master playlist, whose variants
    /// are not all read, and an `.mpd` that is a DASH manifest. A list that is not UTF-8 is
    /// left to FFmpeg (its names' bytes are its to read).
    static func check(_ path: String, concat: Bool, shown: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        for named in self.named(in: path, concat: concat) {
            let local = named.name.hasPrefix("file:") ? String(named.name.dropFirst(5)) : named.name
            // Names of other protocols (http://, concat:...) are FFmpeg's to open.
            if local.contains("://") || (local.firstIndex(of: ":").map { local[..<$0].allSatisfy(\.isLetter) } ?? false) { continue }
            let found = local.hasPrefix("/") ? local : folder.appendingPathComponent(local).path
            if !FileManager.default.fileExists(atPath: found) {
                throw MediaError(.inputNotFound, "\(shown) names '\(named.name)' (\(named.place)), which is not there: \(found)")
            }
        }
    }

    /// The files the list at `path` names, with where: a concat list's and an HLS media
    /// playlist's by line, a DASH manifest's by representation and segment.
    private static func named(in path: String, concat: Bool) -> [DASHSegments.Named] {
        let playlist = !concat && startsAsPlaylist(path)
        guard concat || playlist || path.lowercased().hasSuffix(".mpd"),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        if !concat && DASHSegments.isManifest(text) { return DASHSegments.named(in: text) }
        guard concat || (playlist && !text.contains("#EXT-X-STREAM-INF")) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().flatMap { index, line in
            (concat ? concatArgument(line) : playlistURI(line)).map { DASHSegments.Named(name: $0, place: "line \(index + 1)") }
        }
    }

    /// Whether the file begins as an HLS playlist does (`#EXTM3U`): only its first bytes are read.
    private static func startsAsPlaylist(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 7)) == Data("#EXTM3U".utf8)
    }

    /// A concat list's `file` directive's argument, as the demuxer reads it (FFmpeg's
    /// tokenizer: 'quoted' text as it stands, \ escapes).
    private static func concatArgument(_ line: Substring) -> [String] {
        let words = line.drop { $0 == " " || $0 == "\t" }
        guard words.hasPrefix("file"), let after = words.dropFirst(4).first, after == " " || after == "\t" else { return [] }
        let argument = String(words.dropFirst(5))
        let token: String? = argument.withCString { start in
            var cursor: UnsafePointer<CChar>? = start
            guard let word = av_get_token(&cursor, " \t\r\n") else { return nil }
            defer { av_free(word) }
            return String(cString: word)
        }
        return token.map { $0.isEmpty ? [] : [$0] } ?? []
    }

    /// A playlist line's URI: the line itself where it is not a tag, or a map's URI attribute.
    private static func playlistURI(_ line: Substring) -> [String] {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return [] }
        if !text.hasPrefix("#") { return [text] }
        guard text.hasPrefix("#EXT-X-MAP:"), let start = text.range(of: "URI=\"") else { return [] }
        return [String(text[start.upperBound...].prefix { $0 != "\"" })]
    }
}
