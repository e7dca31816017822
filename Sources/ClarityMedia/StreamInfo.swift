import CFFmpeg

/// A stream of an input file as the writer needs it to copy the stream.
public struct StreamInfo: @unchecked Sendable {
    public enum Kind: String, Sendable { case video, audio, subtitle, data, attachment, unknown }

    public let index: Int
    public let kind: Kind
    public let codecName: String
    public let timeBase: AVRational
    /// Owned by the reader; valid while the reader lives.
    public let parameters: UnsafePointer<AVCodecParameters>

    init(_ stream: UnsafeMutablePointer<AVStream>) {
        index = Int(stream.pointee.index)
        let p = stream.pointee.codecpar!
        parameters = UnsafePointer(p)
        timeBase = stream.pointee.time_base
        codecName = String(cString: avcodec_get_name(p.pointee.codec_id))
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
