import CFFmpeg

/// A cover picture as Matroska keeps it: an attached file (cover.jpg, image/jpeg), which
/// FFmpeg's reader turns back into a cover stream. FFmpeg 5.1's Matroska writer would take
/// a cover stream as a video track of one frame (a second video for players), so the
/// picture goes in as a file instead.
struct CoverFile {
    let name: String
    let mimeType: String
    let bytes: [UInt8]

    /// The file for `stream`'s picture; nil where it is no cover, or a picture Matroska's
    /// readers do not take as one (JPEG, PNG, GIF and TIFF are).
    init?(_ stream: StreamInfo) {
        guard stream.isAttachedPicture, let bytes = stream.coverBytes, !bytes.isEmpty else { return nil }
        let kind: (String, String)
        switch stream.codecID {
        case AV_CODEC_ID_MJPEG: kind = ("jpg", "image/jpeg")
        case AV_CODEC_ID_PNG: kind = ("png", "image/png")
        case AV_CODEC_ID_GIF: kind = ("gif", "image/gif")
        case AV_CODEC_ID_TIFF: kind = ("tif", "image/tiff")
        default: return nil
        }
        name = stream.tags["filename"] ?? "cover.\(kind.0)"
        mimeType = stream.tags["mimetype"] ?? kind.1
        self.bytes = bytes
    }

    /// Adds the file to `context` as an attachment with `tags` (a title becomes its description).
    func add(to context: UnsafeMutablePointer<AVFormatContext>, tags: [String: String]) throws {
        guard let st = avformat_new_stream(context, nil),
              let data = av_mallocz(bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) else {
            throw MediaError(.codec, "cannot add the cover picture")
        }
        bytes.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: $0.count) }
        let p = st.pointee.codecpar!
        p.pointee.codec_type = AVMEDIA_TYPE_ATTACHMENT
        p.pointee.extradata = data
        p.pointee.extradata_size = Int32(bytes.count)
        var all = tags
        all["filename"] = name
        all["mimetype"] = mimeType
        MediaMetadata.set(all, into: &st.pointee.metadata)
    }
}
