import CFFmpeg

/// What an input loses before its first decodable picture. A recording cut between key frames
/// (a stretch of a broadcast, a file split by bytes) starts with pictures that refer to ones
/// before the cut; the decoder gives nothing for them, so the video starts later than the
/// input does. ffmpeg's decoder conceals them as smeared frames instead; Clarity leaves them
/// out, and this says how many there were.
struct LeadingLoss {
    /// Display times (microseconds, the input's clock) of the video packets sent to the
    /// decoder before it gave its first picture.
    private var pending: [Int64] = []
    private var settled = false
    /// Packets before the first picture that would have been shown before it, and the time
    /// from the earliest of them to that picture.
    private(set) var frames = 0
    private(set) var seconds = 0.0

    /// Notes a video packet sent to the decoder. Packets the demuxer marks for discarding
    /// (those before an MP4 edit list's start) are meant never to be shown.
    mutating func sent(_ packet: AVPacket, timeBase: AVRational) {
        guard !settled, packet.pts != clarity_nopts_value(), (packet.flags & AV_PKT_FLAG_DISCARD) == 0 else { return }
        pending.append(av_rescale_q(packet.pts, timeBase, clarity_time_base_q()))
    }

    /// The decoder's first picture, at `pts` in `timeBase`: what was sent for earlier times
    /// from `begin` on (microseconds, the input's clock: where the part read starts) is lost.
    /// Before `begin`, a seek's run-up is dropped anyway.
    mutating func firstPicture(at pts: Int64, timeBase: AVRational, begin: Int64) {
        guard !settled else { return }
        settled = true
        if pts != clarity_nopts_value() {
            let shown = av_rescale_q(pts, timeBase, clarity_time_base_q())
            let lost = pending.filter { $0 >= begin && $0 < shown }
            frames = lost.count
            seconds = lost.min().map { Double(shown - $0) / 1e6 } ?? 0
        }
        pending = []
    }
}
