import CFFmpeg

/// The end of an MPEG transport stream: packets of 188 bytes (192 in an M2TS, 204 with error
/// correction), each opening with the sync byte 0x47, so a whole file ends on a packet's last
/// byte. FFmpeg's demuxer reads one cut mid-packet (a download or a copy not finished) to its
/// end without a word, its last frame concealed.
enum TransportStreamTail {
    /// (packet size, offset of its sync byte)
    private static let layouts = [(188, 0), (192, 4), (204, 0)]
    /// The packets looked at from the end: a random cut passes for whole with odds of 1 in 256³.
    private static let packetsChecked = 3

    /// Whether the seekable input `pb` ends part-way through a packet. Seeks: call it at the end.
    static func isCut(_ pb: UnsafeMutablePointer<AVIOContext>) -> Bool {
        let size = avio_size(pb)
        let span = packetsChecked * 204
        guard (pb.pointee.seekable & AVIO_SEEKABLE_NORMAL) != 0, size >= Int64(span),
              avio_seek(pb, size - Int64(span), SEEK_SET) >= 0 else { return false }
        var tail = [UInt8](repeating: 0, count: span)
        guard avio_read(pb, &tail, Int32(span)) == Int32(span) else { return false }
        return !layouts.contains { size, sync in
            (1...packetsChecked).allSatisfy { tail[span - $0 * size + sync] == 0x47 }
        }
    }
}
