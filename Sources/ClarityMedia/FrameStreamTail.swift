import CFFmpeg

/// The end of an input that is bare frames back to back (y4m, raw video), which ends cleanly
/// only on a frame's last byte. Their demuxers say nothing of a partial last frame: y4m's
/// drops it as if the stream had ended, raw video's hands it on short, to fail in the decoder
/// as if damaged. A pipe cut mid-frame should read as what it is, a truncated input.
struct FrameStreamTail {
    /// The demuxers whose packets are whole frames, laid end to end in the input.
    static let demuxers: Set<String> = ["yuv4mpegpipe", "rawvideo"]

    private var frameBytes: Int32?
    private var lastFrameEnd: Int64 = 0

    /// Whether `packet` is short of a whole frame (the size of the first): the cut tail.
    mutating func isPartial(_ packet: AVPacket) -> Bool {
        let full = frameBytes ?? packet.size
        frameBytes = full
        if packet.size < full { return true }
        if packet.pos >= 0 { lastFrameEnd = packet.pos + Int64(packet.size) }
        return false
    }

    /// Whether the input went on past the last whole frame, at `position` when it ended.
    func leftOver(endingAt position: Int64) -> Bool {
        frameBytes != nil && position > lastFrameEnd
    }
}
