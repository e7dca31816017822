import CFFmpeg

/// The page composition segment of a DVB subtitle display set (ETSI EN 300 743): how long the
/// page may stay on screen (its time-out, in seconds), whether the set starts afresh (an
/// acquisition point or a mode change, which need nothing from sets before) and whether it
/// shows any region (a set of none clears the screen).
struct DVBSubtitlePage {
    /// Where the time-out byte lies in the packet.
    let timeOutAt: Int
    let timeOut: Int
    let startsAfresh: Bool
    let shows: Bool

    /// The page composition of `p`, a display set as FFmpeg's demuxers give it (segments, each
    /// a sync byte 0x0f, its type, page id and length); nil where it holds none.
    init?(_ p: AVPacket) {
        guard let data = p.data else { return nil }
        let size = Int(p.size)
        var at = 0
        while at + 6 <= size, data[at] == 0x0F {
            let type = data[at + 1], length = Int(data[at + 4]) << 8 | Int(data[at + 5])
            let payload = at + 6
            if type == 0x10, length >= 2, payload + length <= size {
                (timeOutAt, timeOut) = (payload, Int(data[payload]))
                startsAfresh = (data[payload + 1] >> 2) & 3 != 0
                shows = length >= 8
                return
            }
            at = payload + length
        }
        return nil
    }

    /// Sets the time-out of `packet`'s page, where it has one.
    static func setTimeOut(of packet: UnsafeMutablePointer<AVPacket>, to seconds: Int) {
        guard let page = DVBSubtitlePage(packet.pointee), av_packet_make_writable(packet) >= 0 else { return }
        packet.pointee.data[page.timeOutAt] = UInt8(min(255, seconds))
    }
}
