import CFFmpeg
import Foundation

/// A subtitle file added to the output as a stream of its own (`--add-subtitles`): its first
/// subtitle stream, read whole at once (subtitles are small), cut to the part written and
/// timed on the output's clock. Its language is the file name's, where the part before the
/// extension is two or three letters (film.fra.srt), as players find subtitles beside a film,
/// else a TTML document's own.
public final class SubtitleFile {
    public let path: String
    /// The stream, described by the file (valid while this lives).
    public let stream: StreamInfo
    /// Its packets in order, timed from the part's start (in `stream.timeBase`).
    private(set) var packets: [Packet] = []
    private var format: UnsafeMutablePointer<AVFormatContext>?

    /// The character set its text is read in, where it is not UTF-8 (converted to UTF-8).
    public private(set) var charset: SubtitleCharset?
    /// Where the file turned out damaged after some subtitles (FFmpeg's reason, and how many
    /// came before): those are kept, the rest left out.
    public private(set) var damage: SubtitleDamage?

    /// The file at `path`, cut to `range` of the film (a subtitle file counts from the film's
    /// start), whose pictures, if it holds pictures and states no canvas (a .sup), are drawn on
    /// `canvas`: the film's picture; text not in UTF-8 is taken as in `given` (Windows-1252
    /// where nil).
    public init(path: String, range: InputRange, canvas: (width: Int32, height: Int32), charset given: String? = nil) throws {
        self.path = path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MediaError(.inputNotFound, "--add-subtitles: subtitle file not found: \(path)")
        }
        let file = try SubtitleSourceFile.settled(path, for: "--add-subtitles")
        let ctx = try SubtitleInput.open(file, for: "--add-subtitles")
        format = ctx
        let st = try SubtitleInput.firstSubtitleStream(of: ctx, path: path, for: "--add-subtitles")
        let par = st.pointee.codecpar!
        let pictures = SubtitleReencoder.holdsText(par.pointee.codec_id) == false
        if pictures && (par.pointee.width <= 0 || par.pointee.height <= 0) { (par.pointee.width, par.pointee.height) = canvas }
        if let language = Self.language(of: path) ?? SubtitleSourceFile.language(of: file), av_dict_get(st.pointee.metadata, "language", nil, 0) == nil {
            av_dict_set(&st.pointee.metadata, "language", language, 0)
        }
        stream = StreamInfo(st)
        charset = try SubtitleCharset.of(file, codec: par.pointee.codec_id, given: given)
        try read(st.pointee.index, in: ctx, cutTo: range, pictures: pictures)
    }

    deinit { avformat_close_input(&format) }

    /// The language a file name states before its extension (film.eng.srt: eng), if any.
    static func language(of path: String) -> String? {
        let parts = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.split(separator: ".")
        guard parts.count >= 2, let last = parts.last, case .language(let code)? = StreamChoice(String(last)) else { return nil }
        return code
    }

    /// Reads the stream's packets: those that end before `range` or start after it are left
    /// out, one that straddles its start is shortened to it, and all are moved to its clock.
    /// A stream of `pictures` is decoded up to its first picture: a .sup of damaged bytes
    /// reads as packets that hold none, and was added as an empty stream.
    private func read(_ index: Int32, in ctx: UnsafeMutablePointer<AVFormatContext>, cutTo range: InputRange, pictures: Bool) throws {
        let tb = stream.timeBase
        let start = Int64((range.start / av_q2d(tb)).rounded()), end = range.duration.map { start + Int64(($0 / av_q2d(tb)).rounded()) }
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let p = packet else { throw MediaError(.codec, "cannot allocate a packet") }
        let converter = try charset?.converter()
        var read = 0
        var decoder = pictures ? try? SubtitleReencoder.openDecoder(for: stream) : nil
        defer { avcodec_free_context(&decoder) }
        var shown = false
        while true {
            let r = av_read_frame(ctx, p)
            if r == clarity_averror_eof() { break }
            guard r >= 0 else {
                guard read > 0 else { throw MediaError.ffmpeg(r, "--add-subtitles: cannot read the subtitles of \(path)", kind: .notMedia) }
                damage = SubtitleDamage(reason: MediaError.text(r), before: read)
                break
            }
            defer { av_packet_unref(p) }
            let pts = p.pointee.pts != clarity_nopts_value() ? p.pointee.pts : p.pointee.dts
            guard p.pointee.stream_index == index, pts != clarity_nopts_value() else { continue }
            read += 1
            try converter?.convert(p)
            if let dec = decoder, !shown {
                var subtitle = AVSubtitle(), got: Int32 = 0
                if avcodec_decode_subtitle2(dec, &subtitle, &got, p) >= 0 && got != 0 {
                    shown = true
                    avsubtitle_free(&subtitle)
                }
            }
            let finish = p.pointee.duration > 0 ? pts + p.pointee.duration : pts + 1
            guard finish > start, end.map({ pts < $0 }) ?? true else { continue }
            let from = max(pts, start)
            if p.pointee.duration > 0 { p.pointee.duration = min(finish, end ?? finish) - from }
            (p.pointee.pts, p.pointee.dts) = (from - start, from - start)
            packets.append(Packet(movingFrom: p))
        }
        if read == 0 || (decoder != nil && !shown) {
            throw MediaError(.notMedia, "--add-subtitles: \(path) holds no subtitles that can be read")
        }
    }
}
