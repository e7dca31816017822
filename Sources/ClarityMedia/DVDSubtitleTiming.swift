import CFFmpeg

/// The delays a DVD subtitle packet (an SPU) states for its display commands: each control
/// sequence starts with a delay from the packet's time, in units of 1024/90000 s, and the
/// sequence that holds the stop command (0x02) ends the picture.
enum DVDSubtitleTiming {
    /// Moves `packet`'s display `ms` milliseconds later into its own time: every delay
    /// shortened by it (none below 0). False where the picture has stopped by then, or the
    /// packet cannot be read (it is then left as it was).
    static func shorten(_ packet: UnsafeMutablePointer<AVPacket>, byMilliseconds ms: Int64) -> Bool {
        guard let sequences = controlSequences(packet.pointee) else { return false }
        let units = Int(ms * 90 / 1024)
        if sequences.contains(where: { $0.stops && $0.delay <= units }) { return false }
        guard units > 0 else { return true }
        guard av_packet_make_writable(packet) >= 0 else { return false }
        for sequence in sequences {
            let delay = max(0, sequence.delay - units)
            (packet.pointee.data[sequence.at], packet.pointee.data[sequence.at + 1]) = (UInt8(delay >> 8), UInt8(delay & 255))
        }
        return true
    }

    /// A packet that shows nothing: its size, where its one control sequence is, and that
    /// sequence, which stops the display at once and is the last.
    static let blank: [UInt8] = [0, 10, 0, 4, 0, 0, 0, 4, 0x02, 0xFF]

    /// How long `packet` shows its picture, in units of `timeBase`, by its stop command; nil
    /// where it has none, or the farthest there is (0xFFFF units, 745 s: what FFmpeg's encoder
    /// writes for a picture whose end it was not told).
    static func displayDuration(_ packet: AVPacket, in timeBase: AVRational) -> Int64? {
        guard let stop = controlSequences(packet)?.first(where: { $0.stops }), stop.delay < 0xFFFF else { return nil }
        return av_rescale_q(Int64(stop.delay) * 1024, AVRational(num: 1, den: 90000), timeBase)
    }

    /// Each control sequence's place, delay and whether it stops the display, as FFmpeg's
    /// dvdsub decoder walks them; nil for a packet it would not read this way.
    static func controlSequences(_ p: AVPacket) -> [(at: Int, delay: Int, stops: Bool)]? {
        let size = Int(p.size)
        guard size >= 4, let data = p.data else { return nil }
        let word = { (i: Int) in Int(data[i]) << 8 | Int(data[i + 1]) }
        guard word(0) != 0 else { return nil }  // the 32-bit sizes of large packets
        var sequences: [(at: Int, delay: Int, stops: Bool)] = []
        var at = word(2)
        while at + 4 <= size, !sequences.contains(where: { $0.at == at }) {
            var position = at + 4, stops = false
            commands: while position < size {
                let command = data[position]
                position += 1
                switch command {
                case 0x00, 0x01: break
                case 0x02: stops = true
                case 0x03, 0x04: position += 2
                case 0x05: position += 6
                case 0x06: position += 4
                case 0x07:
                    guard position + 2 <= size else { return nil }
                    position += word(position)
                case 0xFF: break commands
                default: return nil
                }
            }
            sequences.append((at, word(at), stops))
            let next = word(at + 2)
            if next == at { break }
            at = next
        }
        return sequences.isEmpty ? nil : sequences
    }
}
