import CFFmpeg
import Foundation

/// FFmpeg's numbered picture sequences (`frame%04d.png`): one picture file per frame, read
/// and written by its image2 demuxer and muxer.
enum PictureSequence {
    /// The number of the first picture the muxer writes.
    static let firstWritten = 1

    /// Whether `path` is a pattern of pictures (`%d`, `%04d`) in a picture format.
    static func isPattern(_ path: String) -> Bool {
        av_filename_number_test(path) != 0 && av_guess_format(nil, path, nil).map { String(cString: $0.pointee.name) } == "image2"
    }

    /// Picture `number` of `pattern`.
    static func picture(_ pattern: String, _ number: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard av_get_frame_filename(&buffer, Int32(buffer.count), pattern, Int32(number)) >= 0 else { return nil }
        return String(cString: buffer)
    }

    /// The number of the first picture of `pattern` the demuxer would open: `start` (its
    /// start_number), else the first of 0 to 4 there is; nil where there is none.
    static func firstNumber(_ pattern: String, start: Int? = nil) -> Int? {
        (start.map { [$0] } ?? Array(0..<5)).first { picture(pattern, $0).map(FileManager.default.fileExists) ?? false }
    }

    /// The number in a pattern (`%d`, `%04d`), as a regular expression.
    private static let numberToken = "%0?[0-9]*d"

    /// The numbers of the pictures of `pattern` in its folder, in order.
    static func numbers(_ pattern: String) -> [Int] {
        let url = URL(fileURLWithPath: pattern)
        let name = NSRegularExpression.escapedPattern(for: url.lastPathComponent)
            .replacingOccurrences(of: numberToken, with: "([0-9]+)", options: .regularExpression)
        guard let regex = try? NSRegularExpression(pattern: "^" + name + "$") else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return files.compactMap { file in
            let whole = NSRange(file.startIndex..., in: file)
            guard let found = regex.firstMatch(in: file, range: whole), let digits = Range(found.range(at: 1), in: file),
                  let n = Int(file[digits]), picture(pattern, n).map({ URL(fileURLWithPath: $0).lastPathComponent == file }) ?? false
            else { return nil }
            return n
        }.sorted()
    }

    /// Refuses (66) a sequence with a number missing before the last of its pictures: FFmpeg's
    /// reader stops at the first number missing, so the output held the pictures before it
    /// and the rest were dropped ("Could not open file"). `start`: the demuxer's start_number.
    static func checkUnbroken(_ pattern: String, start: Int?, shown: String) throws {
        guard var number = firstNumber(pattern, start: start) else { return }
        let present = Set(numbers(pattern))
        while present.contains(number) { number += 1 }
        let later = present.filter { $0 > number }.count
        guard later > 0, let missing = picture(pattern, number) else { return }
        let glob = pattern.replacingOccurrences(of: numberToken, with: "*", options: .regularExpression)
        throw MediaError(.inputNotFound, "\(shown): picture \(missing) is missing, and the \(later) after it would not be read "
                         + "(FFmpeg's reader stops at a number missing): restore it, or read the pictures there are with a glob, "
                         + "'\(glob)' --input-option pattern_type=glob")
    }

    /// Where a sequence has no picture the demuxer would open first, what would: its first
    /// picture's number as start_number (it looks at 0 to 4 alone); nil where it has none.
    static func startHint(_ pattern: String) -> String? {
        numbers(pattern).first.flatMap { n in picture(pattern, n).map { " (its first picture is \($0): --input-option start_number=\(n))" } }
    }

    /// Whether `path` has a shell pattern's wildcards (`shots/*.jpg`), which the demuxer reads
    /// as one only with pattern_type=glob.
    static func isGlob(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// The first file, in order, that the shell pattern `glob` names, if any.
    static func firstMatch(ofGlob pattern: String) -> String? { matches(ofGlob: pattern).first }

    /// The files, in order, that the shell pattern `glob` names.
    static func matches(ofGlob pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// The files an input named `source` may read: a numbered sequence's pictures, a shell
    /// pattern's matches (read with pattern_type=glob) where no file has its name, else itself.
    static func files(of source: String) -> [String] {
        if isPattern(source) { return numbers(source).compactMap { picture(source, $0) } }
        if isGlob(source) && !FileManager.default.fileExists(atPath: source) { return matches(ofGlob: source) }
        return [source]
    }
}
