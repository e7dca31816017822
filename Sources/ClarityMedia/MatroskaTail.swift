import CFFmpeg

/// The end of a Matroska or WebM file that states no duration (a live recording's, a
/// browser's MediaRecorder's, or one whose writer crashed before it could go back and write
/// it): cut inside a block, FFmpeg's demuxer drops that block and ends cleanly. Every element
/// states its length (but for a live writer's clusters and segment, "unknown"), so from the
/// end of the last block read, the elements that follow must end exactly on the file's last
/// byte: one that runs past it was cut.
struct MatroskaTail {
    /// Where the last packet's block data starts (FFmpeg's packet position), and its size.
    private var last: (position: Int64, size: Int32)?

    mutating func read(_ packet: AVPacket) {
        if packet.pos >= 0 { last = (packet.pos, packet.size) }
    }

    /// Whether the elements after the last block read run past the end of `file`; false where
    /// that cannot be told (bytes not at hand, or no element where one should stand).
    func isCut(_ file: ContainerTail.Bytes) -> Bool {
        guard let last, let blockEnd = Self.blockEnd(file, dataAt: last.position, packetSize: last.size) else { return false }
        return Self.elementsRunPast(file, from: blockEnd)
    }

    private static let simpleBlock: UInt8 = 0xA3
    private static let block: UInt8 = 0xA1
    /// Elements a live writer leaves of unknown size, whose children follow.
    private static let entered: Set<Int64> = [0x1853_8067, 0x1F43_B675]  // Segment, Cluster

    /// The end of the (Simple)Block whose data starts at `position`: its ID and length stand
    /// just before, the length a variable-size integer of 1 to 8 bytes.
    static func blockEnd(_ file: ContainerTail.Bytes, dataAt position: Int64, packetSize: Int32) -> Int64? {
        let span = Int(min(position, 9))
        guard span >= 2, let before = file.read(position - Int64(span), span) else { return nil }
        for length in 1..<span {
            let start = span - length
            guard [simpleBlock, block].contains(before[start - 1]),
                  case .number(length, let value?) = variableInteger(before[start...]),
                  value >= Int64(packetSize) + 4 else { continue }
            return position + value
        }
        return nil
    }

    /// Walks the elements from `start` to the end: true where one runs past it.
    static func elementsRunPast(_ file: ContainerTail.Bytes, from start: Int64) -> Bool {
        var at = start
        while at < file.size {
            guard let bytes = file.read(at, Int(min(12, file.size - at))) else { return false }
            let element = variableInteger(bytes[...], keepingMarker: true)
            guard case .number(let idLength, let id?) = element, idLength <= 4 else { return element == .cut }
            switch variableInteger(bytes[idLength...]) {
            case .cut:
                return true
            case .invalid:
                return false
            case .number(let sizeLength, let size):
                let data = at + Int64(idLength + sizeLength)
                guard let size else {
                    guard entered.contains(id) else { return false }
                    at = data
                    continue
                }
                at = data + size
            }
        }
        return at > file.size
    }

    /// An EBML variable-size integer read from the start of some bytes.
    enum VariableInteger: Equatable {
        /// Its length in bytes and its value (nil: all ones, "unknown"); an ID keeps its marker.
        case number(Int, Int64?)
        /// Fewer bytes than its first says it takes: the file ends inside it.
        case cut
        /// No such integer starts with a zero byte.
        case invalid
    }

    static func variableInteger(_ bytes: ArraySlice<UInt8>, keepingMarker: Bool = false) -> VariableInteger {
        guard let first = bytes.first else { return .cut }
        guard first != 0 else { return .invalid }
        let length = first.leadingZeroBitCount + 1
        guard bytes.count >= length else { return .cut }
        let marker = keepingMarker ? first : first & (0xFF >> length)
        let value = bytes.dropFirst().prefix(length - 1).reduce(Int64(marker)) { $0 << 8 | Int64($1) }
        let unknown = !keepingMarker && value == (Int64(1) << (7 * length)) - 1
        return .number(length, unknown ? nil : value)
    }
}
