import CFFmpeg
import Foundation

/// Subtitles burnt into the picture (`--burn-subtitles`), after enhancing, so that they are
/// drawn at the output's size, not upscaled, and on the input's clock, the subtitles' own,
/// whatever `--start` cuts. Text (SubRip, ASS, WebVTT) is drawn by libavfilter's subtitles
/// filter (libass), with the fonts the file carries; pictures (Blu-ray's PGS, DVD, DVB) are
/// scaled onto the frame (`SubtitleOverlay`).
public enum SubtitleBurn: Equatable, Sendable {
    /// The subtitles filter (a graph description) for a text stream.
    case text(filter: String)
    /// Stream `stream` of `file`, drawn as pictures.
    case pictures(file: String, stream: Int)

    /// Where the subtitles come from: a stream of the input by its index, or a file (SubRip,
    /// ASS, WebVTT, Blu-ray's .sup, or any file whose first subtitle stream is wanted).
    public enum Source: Equatable, Sendable {
        case stream(Int)
        case file(String)

        /// A whole number is a stream's index; anything else names a file.
        public init(_ text: String) {
            self = Int(text).map { .stream($0) } ?? .file(text)
        }
    }

    /// How `source` is burnt into frames of `reader`'s input.
    public init(_ source: Source, of reader: MediaReader) throws {
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw MediaError(.inputNotFound, "--burn-subtitles: subtitle file not found: \(path)")
            }
            let first = try Self.firstSubtitleStream(of: path)
            self = first.drawsPictures ? .pictures(file: path, stream: first.index) : .text(filter: "subtitles=filename=\(Self.escaped(path))")
        case .stream(let index):
            let subtitles = reader.streams.filter { $0.kind == .subtitle }
            guard let ordinal = subtitles.firstIndex(where: { $0.index == index }) else {
                throw StreamInfo.missing(index, option: "--burn-subtitles", kind: .subtitle, among: subtitles, in: reader.url)
            }
            guard let path = reader.localFile else {
                throw MediaError(.invalidArgument, "--burn-subtitles reads the subtitles from the input file again: not possible from "
                                 + "a pipe, a device or a network stream")
            }
            let stream = subtitles[ordinal]
            self = Self.drawsPictures(stream.parameters.pointee.codec_id)
                ? .pictures(file: path, stream: index) : .text(filter: "subtitles=filename=\(Self.escaped(path)):si=\(ordinal)")
        }
    }

    /// Whether subtitles of `codec` are pictures rather than text.
    private static func drawsPictures(_ codec: AVCodecID) -> Bool {
        (avcodec_descriptor_get(codec)?.pointee.props ?? 0) & AV_CODEC_PROP_BITMAP_SUB != 0
    }

    /// The index of the first subtitle stream of the file at `path`, and whether it is pictures.
    private static func firstSubtitleStream(of path: String) throws -> (index: Int, drawsPictures: Bool) {
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var r = avformat_open_input(&ctx, path, nil, nil)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "--burn-subtitles: cannot read \(path)", kind: .notMedia) }
        defer { avformat_close_input(&ctx) }
        r = avformat_find_stream_info(ctx, nil)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "--burn-subtitles: cannot read the streams of \(path)", kind: .notMedia) }
        let streams = (0..<Int(ctx!.pointee.nb_streams)).map { ctx!.pointee.streams[$0]!.pointee.codecpar.pointee }
        guard let index = streams.firstIndex(where: { $0.codec_type == AVMEDIA_TYPE_SUBTITLE }) else {
            throw MediaError(.invalidArgument, "--burn-subtitles: \(path) holds no subtitles")
        }
        return (index, drawsPictures(streams[index].codec_id))
    }

    /// A file name escaped for the filter's options, then for the graph around them.
    private static func escaped(_ path: String) -> String {
        func level(_ text: String, _ specials: String) -> String {
            text.reduce(into: "") { out, c in
                if specials.contains(c) { out.append("\\") }
                out.append(c)
            }
        }
        return level(level(path, "\\':="), "\\'[],;")
    }
}
