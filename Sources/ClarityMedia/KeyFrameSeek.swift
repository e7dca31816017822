import CFFmpeg

/// Seeks an input so that reading on meets a key frame shown at or before a given time.
/// Formats that seek by file position and decoding time (MPEG-TS, MPEG-PS) land near the
/// time asked, not at a key frame: the pictures from there to the next key frame cannot be
/// decoded, and a part read from there would start up to a GOP late (ffmpeg's -ss loses
/// them too). Such an input is tried from further back, the distance doubling, until the
/// first key frame after the landing is shown in time.
enum KeyFrameSeek {
    /// How far back a seek is tried at most, in microseconds (a GOP is rarely over 10 s).
    static let farthest = Int64(AV_TIME_BASE) * 20

    /// Seeks `ctx` for a part starting at `time` (microseconds, the input's clock), by the
    /// key frames of stream `video`.
    static func seek(_ ctx: UnsafeMutablePointer<AVFormatContext>, video: Int32, before time: Int64) {
        guard (ctx.pointee.iformat.pointee.flags & AVFMT_SEEK_TO_PTS) == 0 else {
            avformat_seek_file(ctx, -1, Int64.min, time, time, 0)
            return
        }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        var back = Int64(AV_TIME_BASE) * 3 / 23  // ffmpeg's -ss starts here
        while true {
            let target = time - back
            guard avformat_seek_file(ctx, -1, Int64.min, target, target, 0) >= 0 else { return }
            guard back < farthest, let packet else { break }
            // Past the last key frame, or at one shown too late: from further back.
            if let key = firstKeyFrame(ctx, video: video, packet: packet), key <= time { break }
            back *= 2
        }
        // The look ahead read on: back to where the last try landed.
        avformat_seek_file(ctx, -1, Int64.min, time - back, time - back, 0)
    }

    /// The display time (microseconds) of the first key frame of stream `video` read from
    /// here; nil when none comes before the end or within a few thousand packets.
    private static func firstKeyFrame(_ ctx: UnsafeMutablePointer<AVFormatContext>, video: Int32,
                                      packet: UnsafeMutablePointer<AVPacket>) -> Int64? {
        let timeBase = ctx.pointee.streams[Int(video)]!.pointee.time_base
        for _ in 0..<5000 {
            guard av_read_frame(ctx, packet) >= 0 else { return nil }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == video, (packet.pointee.flags & AV_PKT_FLAG_KEY) != 0 else { continue }
            let t = packet.pointee.pts != clarity_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            guard t != clarity_nopts_value() else { return nil }
            return av_rescale_q(t, timeBase, clarity_time_base_q())
        }
        return nil
    }
}
