import CFFmpeg

/// Mends the clock jumps of formats that allow them (MPEG-TS and MPEG-PS: a broadcast
/// splice, a recording resumed, files joined by `cat` or `concat:`). A packet whose decode
/// time jumps back, or more than 10 s either way, from where its stream was going (forward,
/// also past where every other stream is) moves the clock by the jump, so the streams go on
/// where they were and stay in step. Each stream takes the moved clock at its own seam: a
/// multiplex carries one stream's tail after another's seam (the sound of the first recording
/// after the pictures of the second began), and that tail, moved with the pictures, made the
/// sound's own seam a second jump (every seam of joined recordings left a gap as long as the
/// jump, ffmpeg's output alike).
/// Without it, everything after a backward jump would reach the writer out of order and be
/// dropped. Only audio and video tell of a jump (as in ffmpeg): a sparse stream (subtitles,
/// data) goes quiet for long spells that are not jumps; its packets move with the latest clock.
public struct TimestampStitcher {
    /// A forward or backward jump this large is a discontinuity, not a gap (ffmpeg's
    /// dts_delta_threshold).
    static let jumpLimit: Int64 = 10 * Int64(AV_TIME_BASE)
    /// A step back this large is one too (ffmpeg's: a tenth of a second).
    static let stepBackLimit: Int64 = Int64(AV_TIME_BASE) / 10

    /// How far the input's clock has been moved so far, in microseconds.
    private var shift: Int64 = 0
    /// Per stream: how far its clock is moved (the latest `shift` from its own seam on).
    private var streamShift: [Int32: Int64] = [:]
    /// Per stream: the decode time of its last packet and the one expected next (µs, shifted).
    private var last: [Int32: Int64] = [:]
    private var expected: [Int32: Int64] = [:]
    /// The last decode time of any stream, for a stream's first packet.
    private var lastOfAny: Int64?
    /// Streams not heard from since the latest jump: the clock moved by another stream's jump,
    /// their first packets after it can overlap the tail of what came before.
    private var pastSeam: Set<Int32> = []
    /// The jumps mended so far.
    public private(set) var jumps = 0

    public init() {}

    /// Moves `packet` (in `timeBase`) onto the mended clock; a packet of audio or video
    /// (`tellsJumps`) can find a jump. False for a packet the stream's part before a jump
    /// already covers (it would land before the stream's last): one the caller can drop.
    public mutating func mend(_ packet: UnsafeMutablePointer<AVPacket>, timeBase: AVRational, tellsJumps: Bool) -> Bool {
        let p = packet.pointee
        guard tellsJumps, p.dts != clarity_nopts_value() else {
            move(packet, by: shift, timeBase: timeBase)
            return true
        }
        let stream = p.stream_index
        let raw = av_rescale_q(p.dts, timeBase, clarity_time_base_q())
        var own = streamShift[stream] ?? shift
        // Another stream found a seam since this one's last packet: this one takes the moved
        // clock where its own packets reach the seam (on its old clock they jump, on the moved
        // one they go on); until then its tail keeps the old clock.
        if own != shift, jump(of: stream, at: raw + own) != nil, jump(of: stream, at: raw + shift) == nil {
            own = shift
            pastSeam.insert(stream)
        }
        var dts = raw + own
        if let jump = jump(of: stream, at: dts) {
            shift = own - jump
            own = shift
            dts -= jump
            jumps += 1
            pastSeam = Set(last.keys)
        }
        streamShift[stream] = own
        move(packet, by: own, timeBase: timeBase)
        if pastSeam.contains(stream), let previous = last[stream] {
            if dts <= previous { return false }
            pastSeam.remove(stream)
        }
        last[stream] = dts
        expected[stream] = dts + max(0, av_rescale_q(p.duration, timeBase, clarity_time_base_q()))
        lastOfAny = dts
        return true
    }

    /// How far `stream`'s packet at `dts` (µs, moved) jumps from where the stream was going;
    /// nil where it goes on.
    private func jump(of stream: Int32, at dts: Int64) -> Int64? {
        if let next = expected[stream], let previous = last[stream] {
            let delta = dts - next
            // A stream that goes on no further than where another already is has a gap of its
            // own (video paused while the sound went on), not a jump of the clock they share:
            // moving every stream by it threw the others back, and the clock swung to and fro.
            let forward = delta > Self.jumpLimit && last.allSatisfy { $0.key == stream || dts - $0.value > Self.jumpLimit }
            return forward || delta < -Self.jumpLimit || dts + Self.stepBackLimit < previous ? delta : nil
        }
        guard let previous = lastOfAny else { return nil }
        let delta = dts - previous
        return abs(delta) > Self.jumpLimit ? delta : nil
    }

    private func move(_ packet: UnsafeMutablePointer<AVPacket>, by microseconds: Int64, timeBase: AVRational) {
        guard microseconds != 0 else { return }
        let step = av_rescale_q(microseconds, clarity_time_base_q(), timeBase)
        if packet.pointee.pts != clarity_nopts_value() { packet.pointee.pts += step }
        if packet.pointee.dts != clarity_nopts_value() { packet.pointee.dts += step }
    }
}
