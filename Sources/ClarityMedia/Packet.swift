import CFFmpeg

/// A compressed packet of a stream that is copied, not decoded (audio, subtitles).
public final class Packet: @unchecked Sendable {
    public let avPacket: UnsafeMutablePointer<AVPacket>

    /// Moves the contents of `packet` into a new Packet, leaving `packet` blank.
    init(movingFrom packet: UnsafeMutablePointer<AVPacket>) {
        avPacket = av_packet_alloc()
        av_packet_move_ref(avPacket, packet)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = avPacket
        av_packet_free(&p)
    }

    /// Index of the stream in the input file.
    public var streamIndex: Int { Int(avPacket.pointee.stream_index) }
}
