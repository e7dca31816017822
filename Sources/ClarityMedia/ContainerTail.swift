import CFFmpeg
import Glibc

/// Whether a file ends before its container's own structure says it does, for the containers
/// whose demuxers read a file cut off (a download or a copy not finished) to its end without a
/// word, as if it were whole: MPEG-TS, MPEG-PS (a DVD's VOB), Ogg, ASF, NUT, AVI (whose
/// length FFmpeg tells from its stated ticks only where the cut lost more than a second), FLV
/// and MXF (where they state no duration), APNG, and the still pictures whose decoders make
/// what is missing grey (QOI) or read nothing (WebP, TIFF). A seekable file's ends are read
/// again; a pipe's were kept as they passed (`PipeEnds`).
enum ContainerTail {
    /// The demuxers checked.
    static let demuxers: Set<String> = ["mpegts", "mpeg", "ogg", "asf", "avi", "nut", "flv", "mxf", "apng",
                                        "qoi_pipe", "webp_pipe", "tiff_pipe"]
    /// Those whose video packets may state no length (MPEG-TS's, MPEG-PS's where split across
    /// packs, and bare H.264, MPEG-1/2, MPEG-4 Part 2 and H.263 streams, cut wherever): a cut
    /// on a packet's edge passes the checks here, and leaves the last video packet short, its
    /// picture concealed by the decoder or not decoded, which tells it instead.
    static let unsizedVideoPackets: Set<String> = ["mpegts", "mpeg", "h264", "mpegvideo", "m4v", "h263"]

    /// An input's bytes by offset (nil where not at hand) and its size.
    struct Bytes {
        let size: Int64
        let read: (_ offset: Int64, _ count: Int) -> [UInt8]?

        init(size: Int64, read: @escaping (_ offset: Int64, _ count: Int) -> [UInt8]?) {
            (self.size, self.read) = (size, read)
        }

        /// A seekable file's, read through `pb` (which this moves).
        init?(_ pb: UnsafeMutablePointer<AVIOContext>) {
            let size = avio_size(pb)
            guard (pb.pointee.seekable & AVIO_SEEKABLE_NORMAL) != 0, size > 0 else { return nil }
            self.init(size: size) { offset, count in
                var data = [UInt8](repeating: 0, count: count)
                guard offset >= 0, avio_seek(pb, offset, SEEK_SET) == offset, avio_read(pb, &data, Int32(count)) == Int32(count) else { return nil }
                return data
            }
        }

        /// A regular file's from `start`, given as a descriptor: stdin redirected from a file,
        /// which FFmpeg reads as a pipe, never seeking. (pread leaves the descriptor's offset.)
        init?(descriptor fd: Int32, from start: Int64) {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int64(info.st_size) > start else { return nil }
            self.init(size: Int64(info.st_size) - start) { offset, count in
                var data = [UInt8](repeating: 0, count: count)
                return pread(fd, &data, count, off_t(start + offset)) == count ? data : nil
            }
        }
    }

    /// The number `bytes` write, most significant first.
    static func bigEndian<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Int64 {
        bytes.reduce(0) { $0 << 8 | Int64($1) }
    }

    /// The most of a file's first bytes a check reads (ASF's header).
    static let headNeeded = 1 << 16
    /// The most of a file's last bytes a check reads (enough for a few MPEG-PS packs of the
    /// largest packets, 16 bits of length).
    static let tailNeeded = 1 << 18

    /// Whether the input whose bytes `file` gives, read by `demuxer`, is cut.
    static func isCut(_ file: Bytes, demuxer: String) -> Bool {
        let size = file.size
        guard size > 0 else { return false }
        /// The file's last `count` bytes (all of a smaller file), looked at by `check`.
        func tail(_ count: Int, _ check: ([UInt8]) -> Bool) -> Bool {
            let span = Int(min(size, Int64(count)))
            return file.read(size - Int64(span), span).map(check) ?? false
        }
        switch demuxer {
        case "mpegts":
            return tail(transportPacketsChecked * 204, transportStreamIsCut)
        case "mpeg":
            return tail(tailNeeded, programStreamIsCut)
        case "ogg":
            return tail(oggLargestPage, oggIsCut)
        case "asf":
            return file.read(0, Int(min(size, Int64(headNeeded)))).map { asfIsCut($0, size: size) } ?? false
        case "avi":
            return aviIsCut(size: size) { file.read($0, 12) }
        case "nut":
            return nutIsCut(file)
        case "flv":
            return flvIsCut(file)
        case "mxf":
            return file.read(0, Int(min(size, 64))).map { mxfIsCut($0, size: size) } ?? false
        case "apng":
            return tail(pngClosingSearched) { !$0.containsRun(pngClosing) }
        case "qoi_pipe":
            return tail(qoiClosing.count) { $0 != qoiClosing }
        case "webp_pipe":  // RIFF, its 32-bit size, "WEBP"
            return file.read(0, 12).map { $0[0..<4] == riff && littleEndian($0[4..<8]) + 8 > size } ?? false
        case "tiff_pipe":
            return file.read(0, 8).map { tiffIsCut($0, size: size) } ?? false
        default:
            return false
        }
    }

    /// MPEG-TS packets are 188 bytes (192 in an M2TS, 204 with error correction), each opening
    /// with the sync byte 0x47 (after a 4-byte time in an M2TS): a whole file ends on a packet's
    /// last byte. A random cut passes for whole with odds of 1 in 256³; one on a packet's edge
    /// is not seen.
    static func transportStreamIsCut(_ tail: [UInt8]) -> Bool {
        !transportLayouts.contains { size, sync in
            tail.count >= transportPacketsChecked * size
                && (1...transportPacketsChecked).allSatisfy { tail[tail.count - $0 * size + sync] == 0x47 }
        }
    }
    private static let transportLayouts = [(188, 0), (192, 4), (204, 0)]
    private static let transportPacketsChecked = 3

    /// An MPEG program stream is packs (00 00 01 BA and a header), each holding packets that
    /// state their lengths (00 00 01, a stream id, 16 bits of length), perhaps closed by an end
    /// code (00 00 01 B9): walked from the last pack that starts in `tail`, a whole file ends on
    /// a packet's last byte. A walk that meets anything else started on bytes inside a packet:
    /// the pack before is tried.
    static func programStreamIsCut(_ tail: [UInt8]) -> Bool {
        func startCode(at i: Int) -> UInt8? {
            i + 4 <= tail.count && tail[i] == 0 && tail[i + 1] == 0 && tail[i + 2] == 1 ? tail[i + 3] : nil
        }
        /// true: cut; false: whole; nil: not a walk through packets.
        func walk(from pack: Int) -> Bool? {
            var at = pack
            while at < tail.count {
                guard at + 4 <= tail.count else { return true }
                guard let code = startCode(at: at) else { return nil }
                switch code {
                case 0xB9:
                    at += 4
                case 0xBA:
                    guard at + 5 <= tail.count else { return true }
                    if tail[at + 4] >> 6 == 1 {  // MPEG-2's header: 14 bytes and its stuffing
                        guard at + 14 <= tail.count else { return true }
                        at += 14 + Int(tail[at + 13] & 7)
                    } else if tail[at + 4] >> 4 == 2 {  // MPEG-1's: 12 bytes
                        at += 12
                    } else {
                        return nil
                    }
                case 0xBB...:
                    guard at + 6 <= tail.count else { return true }
                    at += 6 + (Int(tail[at + 4]) << 8 | Int(tail[at + 5]))
                default:
                    return nil
                }
            }
            return at > tail.count
        }
        var pack = tail.count - 4
        while pack >= 0 {
            if startCode(at: pack) == 0xBA, let cut = walk(from: pack) { return cut }
            pack -= 1
        }
        return false
    }
    /// An Ogg file is pages, each a 27-byte header ("OggS", ...), a table of its segments'
    /// lengths and the segments: the last page must end on the file's last byte and mark its
    /// stream's end (a cut on a page's edge leaves a last page without that mark).
    static func oggIsCut(_ tail: [UInt8]) -> Bool {
        let capture: [UInt8] = Array("OggS".utf8)
        var at = tail.count - 4
        while at >= 0 {
            defer { at -= 1 }
            guard tail[at] == capture[0], Array(tail[at..<at + 4]) == capture else { continue }
            guard at + 27 <= tail.count else { return true }
            guard tail[at + 4] == 0 else { continue }  // version 0, or not a page's start
            let segments = Int(tail[at + 26])
            guard at + 27 + segments <= tail.count else { return true }
            let end = at + 27 + segments + tail[(at + 27)..<(at + 27 + segments)].reduce(0) { $0 + Int($1) }
            if end > tail.count { return true }
            if end == tail.count { return (tail[at + 5] & 4) == 0 }
            // Ends before the file does: the bytes "OggS" inside a page, or junk after the last.
        }
        return false
    }
    /// 27 + 255 + 255 * 255
    private static let oggLargestPage = 65_307

    /// An AVI file is RIFF chunks ("RIFF", a 32-bit size, "AVI " or, past 1 GB, "AVIX") end to
    /// end, their sizes written once the file is done (where it went to a pipe, 0 or FFmpeg's
    /// 0xFFFFFFFF: not known): one that ends beyond the file's end is cut, unless its frames
    /// (its "movi" list) end within the file and only what follows them, the index, is lost.
    /// `header(at:)` gives 12 bytes at an offset.
    static func aviIsCut(size: Int64, header: (Int64) -> [UInt8]?) -> Bool {
        var at: Int64 = 0, end: Int64 = 0
        while at + 12 <= size, let chunk = header(at), chunk[0..<4] == riff {
            let length = littleEndian(chunk[4..<8])
            guard length > 0, length != 0xFFFF_FFFF else { return false }
            end = at + 8 + length
            guard end <= size else { return !aviFramesEnd(in: at + 12, by: size, header: header) }
            at = end + (length & 1)  // an odd chunk is padded to an even size (the last may not be)
        }
        return false
    }

    /// Whether a RIFF chunk's sub-chunks from `start` hold a whole "movi" list before `size`.
    private static func aviFramesEnd(in start: Int64, by size: Int64, header: (Int64) -> [UInt8]?) -> Bool {
        var at = start
        while at + 12 <= size, let chunk = header(at) {
            let end = at + 8 + littleEndian(chunk[4..<8])
            guard end <= size else { return false }
            if chunk[0..<4] == list && chunk[8..<12] == movi { return true }
            at = end + (end & 1)
        }
        return false
    }

    private static let riff: ArraySlice<UInt8> = [0x52, 0x49, 0x46, 0x46], list: ArraySlice<UInt8> = [0x4C, 0x49, 0x53, 0x54],
                       movi: ArraySlice<UInt8> = [0x6D, 0x6F, 0x76, 0x69]

    /// The number of a 32-bit little-endian field.
    private static func littleEndian(_ bytes: ArraySlice<UInt8>) -> Int64 { bigEndian(bytes.reversed()) }

    /// A NUT file as FFmpeg writes it (into a pipe too) ends with its index, whose last 12
    /// bytes are its own length (64 bits) and a checksum: a file that does not end so was cut,
    /// or its writer stopped before its end.
    static func nutIsCut(_ file: Bytes) -> Bool {
        endsWithClosingBlock(file, width: 8, after: 4, opening: [0x4E, 0x58, 0xDD, 0x67, 0x2F, 0x23, 0xE6, 0x4E], openingAt: 0).map(!) ?? false
    }

    /// Whether `file` ends with a closing block (an index) whose own length stands in its last
    /// bytes (big-endian, `width` bytes, `after` bytes before the end) and which opens with
    /// `opening`, `openingAt` bytes in; nil where those bytes are not at hand (a pipe's index
    /// longer than what was kept of its end).
    static func endsWithClosingBlock(_ file: Bytes, width: Int, after: Int, opening: [UInt8], openingAt: Int) -> Bool? {
        let lengthAt = file.size - Int64(width + after)
        guard lengthAt >= 0, let stated = file.read(lengthAt, width) else { return nil }
        let length = bigEndian(stated)
        guard length >= Int64(width + after + openingAt + opening.count), length <= file.size else { return false }
        return file.read(file.size - length + Int64(openingAt), opening.count).map { $0 == opening }
    }

    /// An ASF file opens with a header object that lists its data object's size; unless the
    /// file is a broadcast's (its File Properties' flag 1: sizes not known when written), one
    /// that ends before that object does is cut.
    static func asfIsCut(_ head: [UInt8], size: Int64) -> Bool {
        func le(_ at: Int, _ count: Int) -> Int64? {
            guard at >= 0, at + count <= head.count else { return nil }
            return bigEndian(head[at..<at + count].reversed())
        }
        let header: [UInt8] = [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]
        let fileProperties: [UInt8] = [0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65]
        let data: [UInt8] = [0x36, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]
        guard head.count >= 30, Array(head[0..<16]) == header, let headerSize = le(16, 8), headerSize >= 30 else { return false }
        // The header's objects: a GUID and a 64-bit size each; File Properties' flags at 88.
        var at = 30
        var broadcast = true
        while at + 24 <= min(Int(headerSize), head.count), let objectSize = le(at + 16, 8), objectSize >= 24 {
            if Array(head[at..<at + 16]) == fileProperties, let flags = le(at + 88, 4) { broadcast = (flags & 1) != 0 }
            at += Int(objectSize)
        }
        let dataAt = Int(headerSize)
        guard !broadcast, dataAt + 24 <= head.count, Array(head[dataAt..<dataAt + 16]) == data,
              let dataSize = le(dataAt + 16, 8), dataSize >= 50 else { return false }
        return size < headerSize + dataSize
    }

    /// An FLV file is tags, each followed by its own length (32 bits, big-endian: the tag's
    /// 11-byte header and its data): a whole file ends with the length of a tag that stands
    /// just before it, whose header (type audio, video or script, then 24 bits of data size)
    /// agrees. Some writers state the data's size alone; that agrees too.
    static func flvIsCut(_ file: Bytes) -> Bool {
        guard file.size >= 15, let last = file.read(file.size - 4, 4) else { return false }
        let stated = bigEndian(last)
        return [stated, stated + 11].allSatisfy { length in
            guard length >= 11, length + 4 <= file.size else { return true }
            // A pipe's last tag longer than what was kept of its end: not judged.
            guard let header = file.read(file.size - 4 - length, 4) else { return false }
            return !([8, 9, 18].contains(header[0] & 0x1F) && bigEndian(header[1..<4]) + 11 == length)
        }
    }

    /// An MXF file opens with its header partition pack, which a writer that could go back
    /// rewrites at the end with the offset of the footer partition: one that lies beyond the
    /// file's end tells a cut. (An open header states 0: not judged.)
    static func mxfIsCut(_ head: [UInt8], size: Int64) -> Bool {
        let partitionKey: [UInt8] = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, 0x02]
        guard head.count > 17, Array(head[0..<14]) == partitionKey else { return false }
        // BER length, then the versions (4 bytes), KAG size (4), this and the previous partition (8 each).
        let lengthBytes = head[16] & 0x80 == 0 ? 0 : Int(head[16] & 0x7F)
        let footerAt = 17 + lengthBytes + 24
        guard footerAt + 8 <= head.count else { return false }
        let footer = bigEndian(head[footerAt..<footerAt + 8])
        return footer > 0 && footer >= size
    }

    /// A PNG ends with its IEND chunk (no data, and its CRC); looked for in the last bytes, so
    /// that a writer's padding after it is not taken for a cut.
    private static let pngClosing: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    private static let pngClosingSearched = 4096
    /// QOI's end marker: seven zero bytes and a one.
    private static let qoiClosing: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1]

    /// A TIFF's header (II or MM, 42, the first directory's offset): a directory that would
    /// lie past the end (FFmpeg writes it after the picture) tells a cut.
    static func tiffIsCut(_ head: [UInt8], size: Int64) -> Bool {
        let little = head[0..<4] == [0x49, 0x49, 0x2A, 0x00]
        guard little || head[0..<4] == [0x4D, 0x4D, 0x00, 0x2A] else { return false }
        let offset = bigEndian(little ? Array(head[4..<8].reversed()) : Array(head[4..<8]))
        return offset + 2 > size
    }
}

private extension Array where Element == UInt8 {
    /// Whether `run` stands somewhere in these bytes.
    func containsRun(_ run: [UInt8]) -> Bool {
        guard run.count <= count else { return false }
        return (0...(count - run.count)).contains { start in self[start..<start + run.count].elementsEqual(run) }
    }
}
