import ClarityMedia

/// Where a pump run stands; handed to the progress callback and returned at the end.
public struct PumpProgress: Sendable {
    public var framesDecoded = 0
    public var framesWritten = 0
    public var packetsCopied = 0
    /// Frames the container announced, when it did.
    public var expectedFrames: Int?
    /// Input duration in seconds, when known.
    public var inputDuration: Double?
    /// Timestamp of the last frame written, in seconds.
    public var position: Double = 0
    public var elapsed: Double = 0
    public var bytesWritten: Int64 = 0
    public var corruptPackets = 0
    public var corruptFrames = 0
    /// Damaged packets or frames the output could not take.
    public var droppedPackets = 0
    public var droppedFrames = 0
    public var truncatedInput = false
    /// Where a truncated input ended, against the length its container states, where it states one.
    public var inputShortfall: InputShortfall?
    /// Why reading stopped early, where FFmpeg said (`MediaReader.readError`).
    public var inputReadError: String?
    /// Clock jumps of the input mended (MPEG-TS splices, joined recordings), and the packets
    /// of copied streams dropped where the parts overlapped.
    public var timestampJumps = 0
    public var seamOverlaps = 0
    /// Streams that began part-way through the input (`MediaReader.streamsBegunLate`).
    public var streamsBegunLate: [(index: Int, codec: String)] = []
    /// Video frames at the input's start that could not be decoded (it was cut between key
    /// frames), and how much later the video starts for them.
    public var undecodableLeadFrames = 0
    public var undecodableLeadSeconds = 0.0
    /// Frames of another size or pixel format than the stream started with, scaled to its
    /// first, and the first such shape.
    public var reshapedFrames = 0
    public var otherShape: String?
    public var interrupted = false
    /// Live mode: frame latencies against the deadline.
    public var latency: LatencyReport?
    /// Tiles per branch, for a stage that routes tiles (`BranchMixReporting`).
    public var branchTiles: [BranchTiles]?

    public var framesPerSecond: Double { elapsed > 0 ? Double(framesWritten) / elapsed : 0 }

    /// Seconds left, from the share of frames (or of duration) already done.
    public var eta: Double? {
        let done: Double
        if let n = expectedFrames, n > 0 {
            done = Double(framesWritten) / Double(n)
        } else if let d = inputDuration, d > 0 {
            done = position / d
        } else {
            return nil
        }
        guard done > 0.001, done < 1 else { return nil }
        return elapsed * (1 - done) / done
    }
}
