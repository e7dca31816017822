import CFFmpeg

/// The duration of a copied subtitle packet, mended before it is written.
enum SubtitleDuration {
    /// FFmpeg's "until further notice", 2^32-1 ms (its encoders' for a picture whose end they
    /// were not told), is none: MP4 refused such a packet (74). A DVD subtitle without one
    /// takes its stop command's: MP4 lost a VOB's last line, as ffmpeg's copy does, and
    /// Matroska kept no end. `timeBase` is the packet's.
    static func mend(_ p: UnsafeMutablePointer<AVPacket>, timeBase: AVRational, codec: AVCodecID) {
        if av_rescale_q(p.pointee.duration, timeBase, AVRational(num: 1, den: 1000)) >= Int64(UInt32.max) { p.pointee.duration = 0 }
        if p.pointee.duration <= 0, codec == AV_CODEC_ID_DVD_SUBTITLE, let shown = DVDSubtitleTiming.displayDuration(p.pointee, in: timeBase) {
            p.pointee.duration = shown
        }
    }
}
