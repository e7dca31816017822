import CFFmpeg

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

    /// Whether `picture` has its end marker (FF D9) after its last scan's start (FF DA). In
    /// a scan's coded data every FF byte is followed by 00 or a restart marker (D0-D7), so
    /// from the end backwards the first of the two found tells; markers inside the headers
    /// (an EXIF thumbnail's) lie before the last scan.
    static func ends(_ picture: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = picture.count - 2
        while i >= 0 {
            if picture[i] == 0xFF {
                if picture[i + 1] == 0xD9 { return true }
                if picture[i + 1] == 0xDA { return false }
            }
            i -= 1
        }
        return false
    }
}
