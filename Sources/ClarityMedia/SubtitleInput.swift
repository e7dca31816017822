import CFFmpeg
import Foundation
import Synchronization

/// A file opened for its subtitles (`--burn-subtitles FILE`, `--add-subtitles`, or the input
/// again), with errors that name the option that asked for it.
public enum SubtitleInput {
    /// `path` opened and its streams read; the caller closes it.
    static func open(_ path: String, for option: String) throws -> UnsafeMutablePointer<AVFormatContext> {
        let shown = SubtitleSourceFile.given(path)
        if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
            throw MediaError(.notMedia, "\(option): \(shown) is empty")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var r = avformat_open_input(&ctx, path, nil, nil)
        if r < 0, let named = formatNamed(by: path) {
            ctx = nil
            r = avformat_open_input(&ctx, path, named, nil)
            if r >= 0 { readByName.withLock { _ = $0.insert(shown) } }
        }
        guard r >= 0, let opened = ctx else {
            throw MediaError.ffmpeg(r, "\(option): cannot read \(shown)", kind: .notMedia)
        }
        r = avformat_find_stream_info(opened, nil)
        guard r >= 0 else {
            avformat_close_input(&ctx)
            throw MediaError.ffmpeg(r, "\(option): cannot read the streams of \(shown)", kind: .notMedia)
        }
        return opened
    }

    /// The text subtitle format `path`'s extension names (.srt, .ass, .ssa, .vtt): FFmpeg's
    /// probe refuses such a file whose start is not as the format's usually is (a line of
    /// credits before the first cue, cues without numbers, "-->" without spaces), which the
    /// format's own reader, told, reads whole (as `ffmpeg -f srt` does).
    private static func formatNamed(by path: String) -> UnsafePointer<AVInputFormat>? {
        textFormats[URL(fileURLWithPath: path).pathExtension.lowercased()].flatMap { av_find_input_format($0.demuxer) }
    }

    /// FFmpeg's reader of each text subtitle format by extension, and the format's name.
    private static let textFormats: [String: (demuxer: String, name: String)] = [
        "srt": ("srt", "SRT"), "ass": ("ass", "ASS"), "ssa": ("ass", "SSA"), "vtt": ("webvtt", "WebVTT"),
    ]

    /// The files (as given) that `open` read by their extension, the probe refusing them.
    private static let readByName = Mutex<Set<String>>([])

    /// The format `path` was read as by its extension alone, where FFmpeg's probe did not take
    /// its content; nil where the probe did.
    public static func readByExtension(_ path: String) -> String? {
        guard readByName.withLock({ $0.contains(path) }) else { return nil }
        return textFormats[URL(fileURLWithPath: path).pathExtension.lowercased()]?.name
    }

    /// The first subtitle stream of `ctx`, opened from `path`.
    static func firstSubtitleStream(of ctx: UnsafeMutablePointer<AVFormatContext>, path: String,
                                    for option: String) throws -> UnsafeMutablePointer<AVStream> {
        let streams = (0..<Int(ctx.pointee.nb_streams)).map { ctx.pointee.streams[$0]! }
        guard let first = streams.first(where: { $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE }) else {
            throw MediaError(.invalidArgument, "\(option): \(SubtitleSourceFile.given(path)) holds no subtitles")
        }
        return first
    }
}
