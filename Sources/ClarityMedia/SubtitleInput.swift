import CFFmpeg
import Foundation

/// A file opened for its subtitles (`--burn-subtitles FILE`, `--add-subtitles`, or the input
/// again), with errors that name the option that asked for it.
enum SubtitleInput {
    /// `path` opened and its streams read; the caller closes it.
    static func open(_ path: String, for option: String) throws -> UnsafeMutablePointer<AVFormatContext> {
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var r = avformat_open_input(&ctx, path, nil, nil)
        guard r >= 0, let opened = ctx else {
            if isTTML(path) {
                throw MediaError(.notMedia, "\(option): \(path) is TTML (DFXP), which FFmpeg 5.1 writes but cannot read: convert it to SRT or "
                                 + "WebVTT first (Subtitle Edit, or a TTML converter)")
            }
            throw MediaError.ffmpeg(r, "\(option): cannot read \(path)", kind: .notMedia)
        }
        r = avformat_find_stream_info(opened, nil)
        guard r >= 0 else {
            avformat_close_input(&ctx)
            throw MediaError.ffmpeg(r, "\(option): cannot read the streams of \(path)", kind: .notMedia)
        }
        return opened
    }

    /// Whether `path` holds TTML (streaming services' subtitles, `.ttml`, `.dfxp`, `.xml`): a
    /// `<tt` element near its start.
    private static func isTTML(_ path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? file.close() }
        let head = String(decoding: (try? file.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        return head.range(of: #"<(tt:)?tt[\s>]"#, options: .regularExpression) != nil
    }

    /// The first subtitle stream of `ctx`, opened from `path`.
    static func firstSubtitleStream(of ctx: UnsafeMutablePointer<AVFormatContext>, path: String,
                                    for option: String) throws -> UnsafeMutablePointer<AVStream> {
        let streams = (0..<Int(ctx.pointee.nb_streams)).map { ctx.pointee.streams[$0]! }
        guard let first = streams.first(where: { $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE }) else {
            throw MediaError(.invalidArgument, "\(option): \(path) holds no subtitles")
        }
        return first
    }
}
