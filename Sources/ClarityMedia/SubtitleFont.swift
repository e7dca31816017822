import CFFmpeg

/// A font a file carries for its text subtitles (a Matroska attachment), given to libass as
/// FFmpeg's subtitles filter gives it: by the attachment's file name, when its type is a font's.
public struct SubtitleFont: Sendable {
    public let name: String
    public let data: [CChar]

    /// The fonts among `streams` (a file's attachments).
    static func attached(among streams: [StreamInfo]) -> [SubtitleFont] {
        streams.compactMap { s in
            let tag = { (key: String) in s.tags.first(where: { $0.key.lowercased() == key })?.value }
            guard s.kind == .attachment, let type = tag("mimetype")?.lowercased(), mimeTypes.contains(type), let name = tag("filename"),
                  let bytes = s.parameters.pointee.extradata,
                  s.parameters.pointee.extradata_size > 0 else { return nil }
            let data = UnsafeRawBufferPointer(start: bytes, count: Int(s.parameters.pointee.extradata_size)).map { CChar(bitPattern: $0) }
            return SubtitleFont(name: name, data: data)
        }
    }

    /// The types FFmpeg's subtitles filter takes for fonts.
    private static let mimeTypes: Set = ["font/ttf", "font/otf", "font/sfnt", "font/woff", "font/woff2", "application/font-sfnt",
                                         "application/font-woff", "application/x-truetype-font", "application/vnd.ms-opentype",
                                         "application/x-font-ttf"]
}
