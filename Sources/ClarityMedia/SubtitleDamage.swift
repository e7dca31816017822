/// Where a subtitle file turned out damaged after its first lines: FFmpeg's reason, and how
/// many packets (added as a stream) or events (burnt) came before; those are kept, the rest
/// left out.
public struct SubtitleDamage: Sendable {
    public let reason: String
    public let before: Int
}
