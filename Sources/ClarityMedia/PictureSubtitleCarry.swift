import CFFmpeg

/// Subtitles drawn as pictures that are on screen as a part starts, carried to its start,
/// where ffmpeg's `-ss` drops them. The reader passes the part's earlier packets of such
/// streams here, and hands out what is still on screen at the start:
/// - Blu-ray's PGS: a display set states no end, it shows until the next one. The sets of the
///   stream's current epoch (the last that starts afresh, and the updates after it, which may
///   draw on its objects) are kept.
/// - DVB subtitles: as PGS, but a page also states how long it may stay (its time-out): a page
///   still within it is kept, its time-out shortened by how late the part starts.
/// - DVD subtitles: each packet states when it stops, as a delay from its own time. The last
///   packet is kept, and its delays are shortened by how late the part starts.
struct PictureSubtitleCarry {
    private let codecs: [Int: AVCodecID]
    private var held: [Int: (packets: [Packet], shows: Bool)] = [:]

    /// Whether `codec`'s packets are carried.
    static func carries(_ codec: AVCodecID) -> Bool {
        [AV_CODEC_ID_HDMV_PGS_SUBTITLE, AV_CODEC_ID_DVB_SUBTITLE, AV_CODEC_ID_DVD_SUBTITLE].contains(codec)
    }

    /// For the streams of `codecs` (by index) that are carried.
    init(_ codecs: [Int: AVCodecID] = [:]) {
        self.codecs = codecs.filter { Self.carries($0.value) }
        streams = Set(self.codecs.keys)
    }

    /// The carried streams' indices.
    let streams: Set<Int>
    var isEmpty: Bool { held.isEmpty }

    /// Keeps `packet` (of a carried stream, before the part), moving it out.
    mutating func hold(_ packet: UnsafeMutablePointer<AVPacket>) {
        let index = Int(packet.pointee.stream_index)
        if let set = Self.setStart(packet.pointee, codec: codecs[index]) {
            if set.afresh { held[index] = nil }
            held[index, default: ([], false)].shows = set.shows
        } else if held[index] == nil {
            av_packet_unref(packet)
            return
        }
        held[index, default: ([], false)].packets.append(Packet(movingFrom: packet))
    }

    /// Whether `p` begins a display set, one that needs nothing from those before (`afresh`)
    /// and shows something; nil for the rest of a set, or a packet that cannot be read.
    private static func setStart(_ p: AVPacket, codec: AVCodecID?) -> (afresh: Bool, shows: Bool)? {
        switch codec {
        case AV_CODEC_ID_DVD_SUBTITLE: return (true, true)
        case AV_CODEC_ID_DVB_SUBTITLE: return DVBSubtitlePage(p).map { ($0.startsAfresh, $0.shows) }
        default:
            // A packet holds a whole display set (Matroska) or one segment of it (MPEG-TS); a
            // set begins with its composition segment (0x16): its state at byte 10 (an epoch
            // start or acquisition point starts afresh), its number of objects at 13.
            guard p.size >= 14, p.data[0] == 0x16 else { return nil }
            return (p.data[10] & 0xC0 != 0, p.data[13] > 0)
        }
    }

    /// The packets still on screen at the part's start, `start` on the input's clock
    /// (microseconds), timed at 0, the part's clock; `timeBase` gives each stream's. Nothing is
    /// held after.
    mutating func release(at start: Int64, timeBase: (Int) -> AVRational) -> [Packet] {
        defer { held = [:] }
        return held.keys.sorted().flatMap { index -> [Packet] in
            guard let set = held[index], set.shows else { return [] }
            let first = av_rescale_q(start, clarity_time_base_q(), timeBase(index))
            if codecs[index] == AV_CODEC_ID_DVB_SUBTITLE {
                guard let last = set.packets.last?.avPacket, let page = DVBSubtitlePage(last.pointee) else { return [] }
                let left = Double(last.pointee.pts - first) * av_q2d(timeBase(index)) + Double(page.timeOut)
                guard left > 0 else { return [] }
                for packet in set.packets { DVBSubtitlePage.setTimeOut(of: packet.avPacket, to: Int(left.rounded(.up))) }
            }
            return set.packets.filter { packet in
                let p = packet.avPacket
                if codecs[index] == AV_CODEC_ID_DVD_SUBTITLE {
                    let late = av_rescale_q(first - p.pointee.pts, timeBase(index), AVRational(num: 1, den: 1000))
                    guard DVDSubtitleTiming.shorten(p, byMilliseconds: late) else { return false }
                    if p.pointee.duration > 0 {
                        p.pointee.duration -= first - p.pointee.pts
                        if p.pointee.duration <= 0 { return false }
                    }
                }
                (p.pointee.pts, p.pointee.dts) = (0, 0)
                return true
            }
        }
    }

    /// Where the input was sought to a key frame near the part's start, what is on screen
    /// there may lie before it: the carried streams of `file` are read from
    /// `SubtitleStreamReader`'s look back before `time` (microseconds on the input's clock)
    /// until stream `video` is a second past it (files interleave by decoding order: a frame
    /// decoded early, to be shown later, may come before a subtitle that is still before
    /// `time`).
    mutating func lookBack(in file: SecondLook, video: Int, before time: Int64) {
        var context = file.open(), packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer {
            av_packet_free(&packet)
            avformat_close_input(&context)
        }
        guard let opened = context, let packet else { return }
        for i in 0..<Int(opened.pointee.nb_streams) where i != video && codecs[i] == nil {
            opened.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let target = time - Int64(SubtitleStreamReader<Void>.lookBack * Double(AV_TIME_BASE))
        guard avformat_seek_file(opened, -1, Int64.min, target, target, 0) >= 0 else { return }
        while av_read_frame(opened, packet) >= 0 {
            let index = Int(packet.pointee.stream_index), timeBase = opened.pointee.streams[index]!.pointee.time_base
            let pts = packet.pointee.pts != clarity_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            let t = pts == clarity_nopts_value() ? nil : av_rescale_q(pts, timeBase, clarity_time_base_q())
            if let t, t >= time + Int64(AV_TIME_BASE) { break }
            if codecs[index] != nil, let t, t < time { hold(packet) } else { av_packet_unref(packet) }
        }
        av_packet_unref(packet)
    }
}
