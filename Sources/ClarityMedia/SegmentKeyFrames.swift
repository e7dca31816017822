import CFFmpeg

/// Key frames where a segmenting muxer (HLS, DASH) means to cut. Such a muxer cuts
/// only at a key frame, and encoders place theirs by their own rules (x264 every 250 frames:
/// 10 s at 25 fps), so HLS's 2 s segments came out 10 s long and DASH's video segments out of
/// step with its sound's 5 s ones. As ffmpeg's `-force_key_frames "expr:gte(t,n_forced*N)"`.
struct SegmentKeyFrames {
    /// Seconds between cuts.
    let length: Double
    /// The first frame's time: the muxers measure their segments from it (a part that starts
    /// at 0.033 s is cut at 5.033, 10.033, ...).
    private var origin: Double?
    private var next = 0.0

    /// The segment length `context`'s muxer is set to; nil for a muxer that does not cut.
    init?(_ context: UnsafeMutablePointer<AVFormatContext>) {
        let options = ["hls": "hls_time", "dash": "seg_duration"]
        guard let option = options[String(cString: context.pointee.oformat.pointee.name)] else { return nil }
        var microseconds: Int64 = 0
        guard av_opt_get_int(context, option, AV_OPT_SEARCH_CHILDREN, &microseconds) >= 0, microseconds > 0 else { return nil }
        length = Double(microseconds) / 1e6
    }

    /// Whether the frame at `seconds` must be a key frame: the first, and the first at or
    /// after each cut.
    mutating func isDue(at seconds: Double) -> Bool {
        let origin = self.origin ?? seconds
        self.origin = origin
        guard seconds + 1e-6 >= next else { return false }
        next = origin + (((seconds - origin) / length + 1e-6).rounded(.down) + 1) * length
        return true
    }
}
