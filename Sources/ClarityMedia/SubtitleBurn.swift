import CFFmpeg
import Foundation

/// Subtitles burnt into the picture (`--burn-subtitles`): libavfilter's subtitles filter
/// (libass) reads the input's own text stream, with the fonts the file carries, or a subtitle
/// file. It runs after enhancing, so that the letters are drawn at the output's size, not
/// upscaled, and on the input's clock, the subtitles' own, whatever `--start` cuts.
public enum SubtitleBurn {
    /// Where the subtitles come from: a stream of the input by its index, or a file (SubRip,
    /// ASS, WebVTT).
    public enum Source: Equatable, Sendable {
        case stream(Int)
        case file(String)

        /// A whole number is a stream's index; anything else names a file.
        public init(_ text: String) {
            self = Int(text).map { .stream($0) } ?? .file(text)
        }
    }

    /// The filter (a graph description) that burns `source` into frames of `reader`'s input.
    public static func filter(_ source: Source, of reader: MediaReader) throws -> String {
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw MediaError(.inputNotFound, "--burn-subtitles: subtitle file not found: \(path)")
            }
            return "subtitles=filename=\(escaped(path))"
        case .stream(let index):
            let subtitles = reader.streams.filter { $0.kind == .subtitle }
            guard let ordinal = subtitles.firstIndex(where: { $0.index == index }) else {
                throw StreamInfo.missing(index, option: "--burn-subtitles", kind: .subtitle, among: subtitles, in: reader.url)
            }
            let stream = subtitles[ordinal]
            let props = avcodec_descriptor_get(stream.parameters.pointee.codec_id)?.pointee.props ?? 0
            guard props & AV_CODEC_PROP_TEXT_SUB != 0 else {
                throw MediaError(.unsupported, "--burn-subtitles \(index): stream #\(index) holds \(stream.codecName), subtitles drawn as "
                                 + "pictures; only text subtitles (SubRip, ASS, WebVTT, MP4's) can be burnt")
            }
            guard let path = reader.localFile else {
                throw MediaError(.invalidArgument, "--burn-subtitles reads the subtitles from the input file again: not possible from "
                                 + "a pipe, a device or a network stream")
            }
            return "subtitles=filename=\(escaped(path)):si=\(ordinal)"
        }
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
