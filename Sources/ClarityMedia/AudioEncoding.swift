/// How audio is written when the user asks (`--audio-codec`, `--audio-bitrate`, `--af`): every
/// audio stream encoded again, rather than copied as it is. Without any, audio is copied, or
/// encoded again only where the container cannot hold it.
public struct AudioEncoding: Sendable {
    /// An FFmpeg audio encoder by name (aac, libopus, flac, ac3, libmp3lame); nil: the one
    /// the container would take (AAC, or its own).
    public var encoder: String?
    /// Bits per second (`EncoderSettings.bitRate` reads FFmpeg's 192k); nil: the encoder's
    /// rate for transparent sound.
    public var bitRate: Int64?
    /// FFmpeg audio filters for every audio stream (`--af`, a graph description); nil: none.
    public var filters: String?

    public init(encoder: String? = nil, bitRate: Int64? = nil, filters: String? = nil) {
        (self.encoder, self.bitRate, self.filters) = (encoder, bitRate, filters)
    }

    /// Whether the user asked for audio to be encoded again.
    public var isAsked: Bool { encoder != nil || bitRate != nil || filters != nil }
}
