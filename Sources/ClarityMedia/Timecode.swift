import CFFmpeg

/// A SMPTE timecode tag ("01:00:00:00", ";" before the frames where frames are dropped), as
/// cameras and editing software write it for a clip's first frame: a part (`--start`) starts
/// later, so its first frame's timecode is later by as many frames (ffmpeg's `-ss` keeps the
/// whole clip's, and the part's frames are then named wrongly).
enum Timecode {
    /// `text` moved on by `frames` frames at `rate`; nil where it is no timecode at that rate.
    static func advance(_ text: String, byFrames frames: Int, rate: AVRational) -> String? {
        guard rate.num > 0, rate.den > 0 else { return nil }
        var timecode = AVTimecode()
        guard av_timecode_init_from_string(&timecode, rate, text, nil) == 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(AV_TIMECODE_STR_SIZE))
        return av_timecode_make_string(&timecode, &buffer, Int32(frames)).map { String(cString: $0) }
    }

    /// `tags` with each timecode moved on by `frames` frames at `rate`.
    static func advanced(_ tags: [String: String], byFrames frames: Int, rate: AVRational) -> [String: String] {
        guard frames > 0 else { return tags }
        var out = tags
        for (key, value) in tags where key.lowercased() == "timecode" {
            out[key] = advance(value, byFrames: frames, rate: rate) ?? value
        }
        return out
    }
}
