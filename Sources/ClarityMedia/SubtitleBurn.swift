import CFFmpeg
import Foundation

/// Subtitles burnt into the picture (`--burn-subtitles`), after enhancing, so that they are
/// drawn at the output's size, not upscaled, and on the input's clock, the subtitles' own,
/// whatever `--start` cuts. Text (SubRip, ASS, WebVTT) is drawn by libass with the fonts the
/// file carries (`TextSubtitleTrack`); pictures (Blu-ray's PGS, DVD, DVB) are scaled onto the
/// frame (`PictureSubtitleTrack`). Both are read alongside the video, or, from an input that
/// cannot be read twice, handed over with the copied packets (`SubtitleOverlay` lays them on).
public struct SubtitleBurn: Sendable {
    public var origin: Origin
    /// Only the pictures marked forced.
    public var forcedOnly: Bool
    public var drawing: Drawing

    /// Where the subtitles come from.
    public enum Origin: Sendable {
        /// Stream `stream` of `path`, read alongside the video: the input itself, or a file of
        /// its own (`separate`), checked before anything is written; text in `charset` where
        /// the file is not UTF-8.
        case file(path: String, stream: Int, separate: Bool, charset: SubtitleCharset?)
        /// The input's stream, whose packets the writer is handed with the copied ones (an
        /// input that cannot be read twice: a pipe, a device, a network stream); their times
        /// are the output's.
        case packets(StreamInfo)
    }

    /// How the subtitles are drawn.
    public enum Drawing: Sendable {
        /// By libass at the frame's size: `style` ASS fields over the subtitles' own
        /// (`force_style`), with the `fonts` the file carries.
        case text(style: String?, fonts: [SubtitleFont])
        /// Scaled from their canvas, of which frames show `part`.
        case pictures(part: ShownPart)
    }

    /// The character set a subtitle file of its own is read in, where it is not UTF-8.
    public var fileCharset: SubtitleCharset? {
        guard case .file(_, _, _, let charset) = origin else { return nil }
        return charset
    }

    /// The part of the input's picture that frames show (after `--crop`), in fractions of its
    /// sides: picture subtitles are placed on the whole picture, then cut and scaled with it.
    public struct ShownPart: Equatable, Sendable {
        public var x = 0.0, y = 0.0, width = 1.0, height = 1.0

        /// The whole picture.
        init() {}

        /// `reader`'s crop; the whole picture where it turns the picture upright, as subtitles
        /// are not turned.
        init(of reader: MediaReader) {
            let (w, h) = (Double(reader.videoStream.parameters.pointee.width), Double(reader.videoStream.parameters.pointee.height))
            guard let crop = reader.crop, reader.videoStream.displayRotation == 0, w > 0, h > 0 else { return }
            (x, y, width, height) = (Double(crop.x) / w, Double(crop.y) / h, Double(crop.width) / w, Double(crop.height) / h)
        }
    }

    /// Where the subtitles come from: a stream of the input by its index, or a file (SubRip,
    /// ASS, WebVTT, Blu-ray's .sup, or any file whose first subtitle stream is wanted).
    public enum Source: Equatable, Sendable {
        case stream(Int)
        case file(String)

        /// A whole number is a stream's index; anything else names a file.
        public init(_ text: String) {
            self = Int(text).map { .stream($0) } ?? .file(text)
        }

        /// This source with a language (two or three letters that name no file) taken as the
        /// first of `reader`'s subtitle streams in it.
        public func resolved(in reader: MediaReader) throws -> Source {
            guard case .file(let name) = self, !FileManager.default.isReadableFile(atPath: name),
                  let choice = StreamChoice(name), case .language = choice else { return self }
            let subtitles = reader.streams.filter { $0.kind == .subtitle }
            guard let stream = subtitles.first(where: choice.picks) else {
                throw StreamInfo.missing(choice, option: "--burn-subtitles", kind: .subtitle, among: subtitles, in: reader.name)
            }
            return .stream(stream.index)
        }
    }

    /// How `source` is burnt into frames of `reader`'s input; with `forcedOnly`, only the
    /// lines a disc marks as forced (PGS and DVD subtitles mark them; text and DVB cannot);
    /// `style`: ASS style fields set over text subtitles' own (libass's `force_style`);
    /// `charset`: that of a subtitle file that is not UTF-8 (`SubtitleCharset`).
    public init(_ source: Source, of reader: MediaReader, forcedOnly: Bool = false, style: String? = nil, charset: String? = nil) throws {
        let (stream, codec): (Int, AVCodecID)
        /// The subtitles' file, where it can be read again.
        let file: String?
        /// The input's stream.
        var chosen: StreamInfo?
        let fonts: [SubtitleFont]
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw MediaError(.inputNotFound, "--burn-subtitles: subtitle file not found: \(path)")
            }
            let settled = try SubtitleSourceFile.settled(path, for: "--burn-subtitles")
            file = settled
            (stream, codec, fonts) = try Self.firstSubtitleStream(of: settled)
        case .stream(let index):
            let subtitles = reader.streams.filter { $0.kind == .subtitle }
            guard let found = subtitles.first(where: { $0.index == index }) else {
                throw StreamInfo.missing(.index(index), option: "--burn-subtitles", kind: .subtitle, among: subtitles, in: reader.name,
                                         streams: reader.streams)
            }
            (file, stream, codec, chosen) = (reader.localFile, index, found.codecID, found)
            fonts = SubtitleFont.attached(among: reader.streams)
        }
        if forcedOnly && ![AV_CODEC_ID_HDMV_PGS_SUBTITLE, AV_CODEC_ID_DVD_SUBTITLE].contains(codec) {
            throw MediaError(.invalidArgument, "--burn-forced-only: \(String(cString: avcodec_get_name(codec))) subtitles mark no line as "
                             + "forced (Blu-ray's PGS and DVD subtitles do)")
        }
        if let file {
            let separate = chosen == nil
            origin = .file(path: file, stream: stream, separate: separate,
                           charset: separate ? try SubtitleCharset.of(file, codec: codec, given: charset) : nil)
        } else {
            origin = .packets(chosen!)
        }
        self.forcedOnly = forcedOnly
        if SubtitleReencoder.holdsText(codec) == false {
            if style != nil {
                throw MediaError(.invalidArgument, "--subtitle-style styles text subtitles: \(String(cString: avcodec_get_name(codec))) "
                                 + "subtitles are pictures, drawn as they are")
            }
            drawing = .pictures(part: ShownPart(of: reader))
        } else {
            drawing = .text(style: style, fonts: fonts)
        }
    }

    /// The index and codec of the first subtitle stream of the file at `path`, and the fonts
    /// it carries.
    private static func firstSubtitleStream(of path: String) throws -> (index: Int, codec: AVCodecID, fonts: [SubtitleFont]) {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = try SubtitleInput.open(path, for: "--burn-subtitles")
        defer { avformat_close_input(&ctx) }
        let stream = try SubtitleInput.firstSubtitleStream(of: ctx!, path: path, for: "--burn-subtitles")
        let streams = (0..<Int(ctx!.pointee.nb_streams)).map { StreamInfo(ctx!.pointee.streams[$0]!) }
        return (Int(stream.pointee.index), stream.pointee.codecpar.pointee.codec_id, SubtitleFont.attached(among: streams))
    }
}
