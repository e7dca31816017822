import CFFmpeg
import Foundation

/// What to do about an input FFmpeg cannot open, where the cause is a common one it does not
/// spell out: a list of files for its concat demuxer given as a plain input, such a list
/// naming files by absolute paths, a recording stopped before its MP4 index was written, a
/// file of raw frames read without their size, a WTV recording through a pipe.
enum UnreadableInputHint {
    /// The hint for the file at `path` (nil: not a local file), which FFmpeg refused with its
    /// log's `reasons`, read with the demuxer `forced` (nil: probed); "" where none applies.
    static func hint(path: String?, reasons: String?, forced: UnsafePointer<AVInputFormat>?) -> String {
        let why = reasons ?? ""
        if why.contains("moov atom not found") {
            return "; an MP4 whose recording stopped before its index was written (its pictures are there, "
                + "but not where they lie): a repair tool such as untrunc rebuilds the index from a whole file of the same camera"
        }
        // A file of raw frames (`.yuv`, `.rgb`) read without its size.
        if why.contains("Picture size 0x0 is invalid") { return "; " + rawFrames }
        // WTV's demuxer reads its index, at the file's end, before any picture.
        if why.contains("timeline data missing") && path == nil {
            return "; a WTV recording keeps its index at its end, which a pipe cannot go back for: give the file's name instead"
        }
        if let forced, String(cString: forced.pointee.name) == "concat", why.contains("Unsafe file name") {
            return "; FFmpeg's safe mode takes relative paths of letters, digits, '_', '-' and '.' alone: "
                + "--input-option safe=0 lets the list name any (absolute paths, spaces, quotes)"
        }
        if forced == nil, let path, startsLikeConcatList(path) {
            return "; it is a list of files: --input-format concat reads them one after another "
                + "(with --input-option safe=0 where they are named by absolute paths)"
        }
        return ""
    }

    /// What raw frames need to be read.
    static let rawFrames = "raw frames do not say their size: give --input-option video_size=WxH "
        + "(and pixel_format, yuv420p unless told, and framerate, 25 unless told)"

    /// Whether the file starts like a concat list: its first line that is neither empty nor a
    /// comment is "ffconcat version 1.0" or a "file" directive.
    private static func startsLikeConcatList(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4096), let text = String(data: head, encoding: .utf8) else { return false }
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") }
        return line.map { $0.hasPrefix("ffconcat version") || $0.hasPrefix("file ") } ?? false
    }
}
