import CFFmpeg

/// A stream of an input file as the writer needs it to copy the stream.
public struct StreamInfo: @unchecked Sendable {
    public enum Kind: String, Sendable { case video, audio, subtitle, data, attachment, unknown }

    public let index: Int
    public let kind: Kind
    public let codecID: AVCodecID
    public let codecName: String
    public let timeBase: AVRational
    /// Owned by the reader; valid while the reader lives.
    public let parameters: UnsafePointer<AVCodecParameters>
    /// The stream's side data (rotation, HDR mastering, ...), copied out.
    public internal(set) var sideData: [SideData]
    /// Its tags that describe the content (language, title) and its disposition (default,
    /// forced, ...).
    public internal(set) var tags: [String: String]
    public let disposition: Int32

    /// Degrees its display matrix turns the picture when shown (90 for a phone's portrait
    /// video stored landscape); 0 without one.
    public var displayRotation: Int {
        guard let matrix = sideData.first(where: { $0.kind == AV_PKT_DATA_DISPLAYMATRIX }), matrix.bytes.count >= 36 else { return 0 }
        let degrees = matrix.bytes.withUnsafeBytes { av_display_rotation_get($0.bindMemory(to: Int32.self).baseAddress!) }
        return degrees.isFinite ? Int(degrees.rounded()) : 0
    }

    /// A cover picture (a video stream of one still, shown for the file), not the video.
    public var isAttachedPicture: Bool { (disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 }
    /// TTML subtitles in MP4 (`stpp`, as streaming services store them), which FFmpeg 5.1
    /// reads as data it has no decoder for.
    public var isTTML: Bool { kind == .data && parameters.pointee.codec_tag == 0x7070_7473 }  // "stpp", little-endian
    /// A cover's picture (its one packet, as the file stores it); nil for other streams.
    public let coverBytes: [UInt8]?

    /// The language its tag states (lower case), nil where none or "und" (undetermined).
    public var language: String? {
        guard let tag = tags.first(where: { $0.key.lowercased() == "language" })?.value.lowercased(), !tag.isEmpty, tag != "und" else { return nil }
        return tag
    }

    /// The refusal of `option`'s `choice` where `url` has no such stream of `kind` among
    /// `candidates` (its streams of that kind that would do), which it names with their
    /// languages; or, where the stream chosen among all of `streams` is TTML, what that is.
    public static func missing(_ choice: StreamChoice, option: String, kind: Kind, among candidates: [StreamInfo], in url: String,
                               streams: [StreamInfo] = []) -> MediaError {
        if case .index(let index) = choice, kind == .subtitle, streams.contains(where: { $0.index == index && $0.isTTML }) {
            return MediaError(.unsupported, "\(option) \(choice): stream #\(index) of \(url) is TTML, which FFmpeg 5.1 cannot read: "
                              + TTMLSubtitles.copyOutHint(stream: index, of: url))
        }
        let name = kind == .subtitle ? "subtitles" : kind.rawValue
        let wanted: String
        switch choice {
        case .index(let index): wanted = "stream #\(index)"
        case .language(let language): wanted = "stream in '\(language)'"
        }
        let named = candidates.map { s in s.language.map { "#\(s.index) (\($0))" } ?? "#\(s.index)" }
        return MediaError(.invalidArgument, "\(option) \(choice): \(url) has no \(kind.rawValue) \(wanted); "
                          + (candidates.isEmpty ? "it has none" : "its \(name): " + named.joined(separator: ", ")))
    }

    /// One piece of stream side data.
    public struct SideData: @unchecked Sendable {
        public let kind: AVPacketSideDataType
        public let bytes: [UInt8]

        /// How to present the picture, whatever its size: the display matrix (rotation,
        /// flips), stereo 3D, 360-degree projection, HDR mastering display and light levels.
        /// What an enhanced stream keeps; the rest describes the coded bitstream.
        public var describesPresentation: Bool {
            describesHDR || [AV_PKT_DATA_DISPLAYMATRIX, AV_PKT_DATA_STEREO3D, AV_PKT_DATA_SPHERICAL].contains(kind)
        }

        /// HDR10's static metadata (`HDRStaticMetadata`).
        public var describesHDR: Bool { [AV_PKT_DATA_MASTERING_DISPLAY_METADATA, AV_PKT_DATA_CONTENT_LIGHT_LEVEL].contains(kind) }
    }

    init(_ stream: UnsafeMutablePointer<AVStream>) {
        index = Int(stream.pointee.index)
        tags = MediaMetadata.tags(stream.pointee.metadata)
        disposition = stream.pointee.disposition
        let cover = stream.pointee.attached_pic
        coverBytes = (disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 && cover.data != nil
            ? Array(UnsafeBufferPointer(start: cover.data, count: Int(cover.size))) : nil
        sideData = (0..<Int(stream.pointee.nb_side_data)).compactMap { i in
            let d = stream.pointee.side_data[i]
            guard let data = d.data else { return nil }
            return SideData(kind: d.type, bytes: Array(UnsafeBufferPointer(start: data, count: Int(d.size))))
        }
        let p = stream.pointee.codecpar!
        parameters = UnsafePointer(p)
        timeBase = stream.pointee.time_base
        codecID = p.pointee.codec_id
        codecName = String(cString: avcodec_get_name(codecID))
        switch p.pointee.codec_type {
        case AVMEDIA_TYPE_VIDEO: kind = .video
        case AVMEDIA_TYPE_AUDIO: kind = .audio
        case AVMEDIA_TYPE_SUBTITLE: kind = .subtitle
        case AVMEDIA_TYPE_DATA: kind = .data
        case AVMEDIA_TYPE_ATTACHMENT: kind = .attachment
        default: kind = .unknown
        }
    }
}
