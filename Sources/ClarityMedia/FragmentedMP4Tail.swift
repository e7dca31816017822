import CFFmpeg

/// The end of a fragmented MP4, whose index lists no samples up front: each fragment lists its
/// own as it is read. Cut inside its last fragment, the file ends cleanly for FFmpeg's demuxer
/// ("partial file" in its log alone), having handed out fewer packets of a stream than the
/// fragments list, or its last packet short (flagged corrupt).
struct FragmentedMP4Tail {
    private var packets: [Int32: Int] = [:]
    private var lastShort = false

    mutating func read(_ packet: AVPacket) {
        packets[packet.stream_index, default: 0] += 1
        lastShort = (packet.flags & AV_PKT_FLAG_CORRUPT) != 0
    }

    /// Whether the input ended before what its fragments list, for the streams read.
    func isCut(_ ctx: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        lastShort || (0..<ctx.pointee.nb_streams).contains { i in
            let stream = ctx.pointee.streams[Int(i)]!
            return stream.pointee.discard != AVDISCARD_ALL
                && packets[Int32(i), default: 0] < Int(avformat_index_get_entries_count(stream))
        }
    }
}
