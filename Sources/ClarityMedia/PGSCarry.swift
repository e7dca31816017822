import CFFmpeg

/// Blu-ray subtitles (PGS) on screen as a part starts. A PGS display set states no end: it
/// shows until the next one, so the last set before `--start` is still on screen when the
/// part begins, where ffmpeg's `-ss` drops it. The reader passes the part's earlier packets
/// here; the sets of each stream's current epoch (the last that starts afresh, and the
/// updates after it, which may draw on its objects) are kept and handed out at the start.
struct PGSCarry {
    private var held: [Int: (packets: [Packet], shows: Bool)] = [:]

    /// Whether `codec`'s packets are carried.
    static func carries(_ codec: AVCodecID) -> Bool { codec == AV_CODEC_ID_HDMV_PGS_SUBTITLE }

    /// Keeps `packet` (a PGS stream's, before the part), moving it out.
    mutating func hold(_ packet: UnsafeMutablePointer<AVPacket>) {
        let index = Int(packet.pointee.stream_index)
        let p = packet.pointee
        // A packet holds a whole display set (Matroska) or one segment of it (MPEG-TS); a set
        // begins with its composition segment (type 0x16): state at byte 10, objects at 13.
        if p.size >= 14, p.data[0] == 0x16 {
            if p.data[10] & 0xC0 != 0 { held[index] = nil }  // an epoch start or acquisition point
            held[index, default: ([], false)].shows = p.data[13] > 0
        } else if held[index] == nil {
            av_packet_unref(packet)
            return
        }
        held[index, default: ([], false)].packets.append(Packet(movingFrom: packet))
    }

    /// The packets of the sets still on screen, timed at the part's start (0); nothing is
    /// held after.
    mutating func release() -> [Packet] {
        defer { held = [:] }
        return held.keys.sorted().flatMap { index -> [Packet] in
            guard let set = held[index], set.shows else { return [] }
            for packet in set.packets { (packet.avPacket.pointee.pts, packet.avPacket.pointee.dts) = (0, 0) }
            return set.packets
        }
    }

    var isEmpty: Bool { held.isEmpty }

    /// Where the input was sought to a key frame near the part's start, the set on screen
    /// there may lie before it: `streams` of `file` are read from `SubtitleStreamReader`'s
    /// look back before `time` (microseconds on the input's clock) until stream `video`
    /// is a second past it (files interleave by decoding order: a frame decoded early, to be
    /// shown later, may come before a subtitle set that is still before `time`).
    mutating func lookBack(in file: SecondLook, streams: Set<Int>, video: Int, before time: Int64) {
        var context = file.open(), packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer {
            av_packet_free(&packet)
            avformat_close_input(&context)
        }
        guard let opened = context, let packet else { return }
        for i in 0..<Int(opened.pointee.nb_streams) where i != video && !streams.contains(i) {
            opened.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let target = time - Int64(SubtitleStreamReader<Void>.lookBack * Double(AV_TIME_BASE))
        guard avformat_seek_file(opened, -1, Int64.min, target, target, 0) >= 0 else { return }
        while av_read_frame(opened, packet) >= 0 {
            let index = Int(packet.pointee.stream_index), timeBase = opened.pointee.streams[index]!.pointee.time_base
            let pts = packet.pointee.pts != clarity_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            let t = pts == clarity_nopts_value() ? nil : av_rescale_q(pts, timeBase, clarity_time_base_q())
            if let t, t >= time + Int64(AV_TIME_BASE) { break }
            if streams.contains(index), let t, t < time { hold(packet) } else { av_packet_unref(packet) }
        }
        av_packet_unref(packet)
    }
}
