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

    /// The first picture of `pattern` the demuxer would open (it tries numbers 0 to 4), if any.
    static func firstExisting(_ pattern: String) -> String? {
        (0..<5).lazy.compactMap { picture(pattern, $0) }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether `path` has a shell pattern's wildcards (`shots/*.jpg`), which the demuxer reads
    /// as one only with pattern_type=glob.
    static func isGlob(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// The first file, in order, that the shell pattern `glob` names, if any.
    static func firstMatch(ofGlob pattern: String) -> String? {
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(pattern, 0, nil, &found) == 0, found.gl_pathc > 0, let first = found.gl_pathv[0] else { return nil }
        return String(cString: first)
    }
}
