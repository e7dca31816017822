import CFFmpeg
import Glibc

/// Whether JPEG pictures (a photo, MJPEG video) end cut inside the last one: FFmpeg's decoder
/// makes a picture missing its end marker (EOI) whole with a warning only, the part never
/// read grey. Only the last picture is taken for a cut, and only where the one before it
/// ended: some cameras write no end marker at all.
struct JPEGTail {
    private var lastEnded: Bool?
    private var previousEnded = true

    mutating func read(_ packet: AVPacket) {
        guard let data = packet.data, packet.size > 0 else { return }
        previousEnded = lastEnded ?? true
        lastEnded = Self.ends(UnsafeBufferPointer(start: data, count: Int(packet.size)))
    }

    var isCut: Bool { lastEnded == false && previousEnded }

    /// Whether `picture` reaches its end marker (FF D9), walked from its start: segments by
    /// their stated lengths, a scan's coded data to the next marker (in it every FF byte is
    /// followed by 00 or a restart marker, D0-D7). Forwards, as bytes may follow the end (a
    /// phone's motion photo appends its video); a thumbnail's markers lie inside a segment.
    static func ends(_ picture: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = picture.count
        guard let base = picture.baseAddress, n >= 4 else { return false }
        guard picture[0] == 0xFF, picture[1] == 0xD8 else { return true }  // not a picture's start: nothing said
        /// The next FF from `i` on, as a decoder skips stray bytes before a marker.
        func nextFF(from i: Int) -> Int? {
            memchr(base + i, 0xFF, n - i).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
        }
        var i = 2
        while i + 1 < n {
            guard picture[i] == 0xFF else {
                guard let ff = nextFF(from: i) else { return false }
                i = ff
                continue
            }
            let marker = picture[i + 1]
            switch marker {
            case 0xD9:
                return true
            case 0xFF:
                i += 1  // fill
            case 0x01, 0xD0...0xD7:
                i += 2
            default:
                guard i + 3 < n else { return false }
                i += 2 + (Int(picture[i + 2]) << 8 | Int(picture[i + 3]))
                guard marker == 0xDA else { continue }
                // The coded data, to the first FF not followed by 00 or a restart marker.
                while i < n {
                    guard let ff = nextFF(from: i) else { return false }
                    i = ff
                    guard i + 1 < n else { return false }
                    let next = picture[i + 1]
                    if next == 0x00 || (0xD0...0xD7).contains(next) { i += 2 } else { break }
                }
            }
        }
        return false
    }
}
