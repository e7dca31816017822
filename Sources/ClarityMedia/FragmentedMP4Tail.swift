import CFFmpeg

/// The end of a fragmented MP4, whose index lists no samples up front: each fragment lists its
/// own as it is read. Cut inside its last fragment, the file ends cleanly for FFmpeg's demuxer
/// ("partial file" in its log alone), having handed out fewer packets of a stream than the
/// fragments list, or its last packet short (flagged corrupt). Cut between fragments, only
/// its writer's closing can tell: FFmpeg's muxer (into a pipe too) ends the file with a
/// fragment index (mfra) whose last box (mfro) states its size.
struct FragmentedMP4Tail {
    private var packets: [Int32: Int] = [:]
    private var lastShort = false

    mutating func read(_ packet: AVPacket) {
        packets[packet.stream_index, default: 0] += 1
        lastShort = (packet.flags & AV_PKT_FLAG_CORRUPT) != 0
    }

    /// Whether the input, whose bytes `file` gives where they can be had, ended before what its
    /// fragments list for the streams read, or, written by FFmpeg (its encoder tag), before
    /// the closing index.
    func isCut(_ ctx: UnsafeMutablePointer<AVFormatContext>, file: ContainerTail.Bytes?) -> Bool {
        let listedMore = (0..<ctx.pointee.nb_streams).contains { i in
            let stream = ctx.pointee.streams[Int(i)]!
            return stream.pointee.discard != AVDISCARD_ALL
                && packets[Int32(i), default: 0] < Int(avformat_index_get_entries_count(stream))
        }
        let writer = av_dict_get(ctx.pointee.metadata, "encoder", nil, 0).map { String(cString: $0.pointee.value) }
        return lastShort || listedMore || (writer?.hasPrefix("Lavf") == true && file.map(Self.lacksClosingIndex) == true)
    }

    /// Whether the file does not end with an mfra box closed by its mfro (16 bytes, the last 4
    /// of them the mfra's size).
    static func lacksClosingIndex(_ file: ContainerTail.Bytes) -> Bool {
        guard file.size >= 16, let mfro = file.read(file.size - 16, 8) else { return false }
        guard mfro == [0, 0, 0, 16] + Array("mfro".utf8) else { return true }
        return ContainerTail.endsWithClosingBlock(file, width: 4, after: 0, opening: Array("mfra".utf8), openingAt: 4).map(!) ?? false
    }

    /// Whether the file's movie box (moov) holds an mvex box: its samples are listed by the
    /// fragments that follow, none by the movie box itself. (Boxes walked by their sizes; false
    /// where the bytes are not at hand.)
    static func isFragmented(_ file: ContainerTail.Bytes) -> Bool {
        let boxes = MP4Boxes(file: file)
        return boxes.movie.flatMap { boxes.first("mvex", in: $0.content) } != nil
    }
}
