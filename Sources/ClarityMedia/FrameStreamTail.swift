import CFFmpeg

/// The end of an input that is bare frames back to back (y4m, raw video, DV), which ends
/// cleanly only on a frame's last byte. Their demuxers say nothing of a partial last frame:
/// y4m's drops it as if the stream had ended, raw video's hands it on short, to fail in the
/// decoder as if damaged, DV's hands it on whole size, its missing part left from the frame
/// before (a picture of two halves). A file or pipe cut mid-frame should read as what it is, a
/// truncated input.
struct FrameStreamTail {
    /// The demuxers whose packets are whole frames, laid end to end in the input.
    static let demuxers: Set<String> = ["yuv4mpegpipe", "rawvideo", "dv"]

    /// The input's size now, where known (a file, perhaps still growing): a frame that would
    /// end past it is partial.
    let inputSize: () -> Int64?
    private var frameBytes: Int32?
    private var lastFrameEnd: Int64 = 0

    init(inputSize: @escaping () -> Int64?) {
        self.inputSize = inputSize
    }

    /// Whether `packet` is short of a whole frame (the size of the first, or of what is left of
    /// the file): the cut tail.
    mutating func isPartial(_ packet: AVPacket) -> Bool {
        let full = frameBytes ?? packet.size
        frameBytes = full
        let end = packet.pos + Int64(packet.size)
        if packet.size < full || (packet.pos >= 0 && inputSize().map { end > $0 } == true) { return true }
        if packet.pos >= 0 { lastFrameEnd = end }
        return false
    }

    /// Whether the input ended anywhere but on the last whole frame's last byte, at `position`.
    func leftOver(endingAt position: Int64) -> Bool {
        frameBytes != nil && position != lastFrameEnd
    }
}
