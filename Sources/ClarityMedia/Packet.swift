import CFFmpeg

/// A compressed packet of a stream that is copied, not decoded (audio, subtitles).
public final class Packet: @unchecked Sendable {
    public let avPacket: UnsafeMutablePointer<AVPacket>

    /// Moves the contents of `packet` into a new Packet, leaving `packet` blank.
    init(movingFrom packet: UnsafeMutablePointer<AVPacket>) {
        avPacket = av_packet_alloc()
        av_packet_move_ref(avPacket, packet)
    }

    /// A packet of `bytes` shown at `pts` (also its decoding time) for `duration`, in the time
    /// base of the stream it is written to.
    init(bytes: [UInt8], pts: Int64, duration: Int64, streamIndex: Int32) {
        avPacket = av_packet_alloc()
        guard av_new_packet(avPacket, Int32(bytes.count)) >= 0 else { return }
        avPacket.pointee.data.update(from: bytes, count: bytes.count)
        (avPacket.pointee.pts, avPacket.pointee.dts, avPacket.pointee.duration) = (pts, pts, duration)
        avPacket.pointee.stream_index = streamIndex
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = avPacket
        av_packet_free(&p)
    }

    /// Index of the stream in the input file.
    public var streamIndex: Int { Int(avPacket.pointee.stream_index) }
}
