import CFFmpeg

/// The end of a Matroska or WebM file that states no duration (a live recording's, a
/// browser's MediaRecorder's, or one whose writer crashed before it could go back and write
/// it): cut inside a block, FFmpeg's demuxer drops that block and ends cleanly. Every element
/// states its length (but for a live writer's clusters and segment, "unknown"), so from the
/// end of the last block read, the elements that follow must end exactly on the file's last
/// byte: one that runs past it was cut. Where it holds no frames (the index, written after the
/// last cluster, or tags), every frame was read: the file lost only its index, no cut to say.
struct MatroskaTail {
    /// Where the last packet's block data starts (FFmpeg's packet position), and its size.
    private var last: (position: Int64, size: Int32)?

    mutating func read(_ packet: AVPacket) {
        if packet.pos >= 0 { last = (packet.pos, packet.size) }
    }

    /// Whether an element after the last block read that may hold frames runs past the end of
    /// `file`; false where that cannot be told (bytes not at hand, or no element where one
    /// should stand).
    func isCut(_ file: ContainerTail.Bytes) -> Bool {
        guard let last, let blockEnd = Self.blockEnd(file, dataAt: last.position, packetSize: last.size),
              case .runsPast(let id) = Self.elementRunningPast(file, from: blockEnd) else { return false }
        return id.map { !Self.holdsNoFrames.contains($0) } ?? true
    }

    private static let simpleBlock: UInt8 = 0xA3
    private static let block: UInt8 = 0xA1
    /// Elements a live writer leaves of unknown size, whose children follow.
    private static let entered: Set<Int64> = [0x1853_8067, 0x1F43_B675]  // Segment, Cluster
    /// Top-level elements that hold no frames: Cues (the index), Tags, Chapters, Attachments,
    /// SeekHead, Void.
    private static let holdsNoFrames: Set<Int64> = [0x1C53_BB6B, 0x1254_C367, 0x1043_A770, 0x1941_A469, 0x114D_9B74, 0xEC]

    /// What a walk of the elements to a file's end finds.
    enum Walk: Equatable {
        /// They end on its last byte.
        case endsWithFile
        /// One runs past it: its ID (nil where the file ends inside the ID).
        case runsPast(Int64?)
        /// No element where one should stand (or bytes not at hand).
        case unknown
    }

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

    /// Walks the elements from `start` to the end of `file`.
    static func elementRunningPast(_ file: ContainerTail.Bytes, from start: Int64) -> Walk {
        var at = start
        while at < file.size {
            guard let bytes = file.read(at, Int(min(12, file.size - at))) else { return .unknown }
            let element = variableInteger(bytes[...], keepingMarker: true)
            guard case .number(let idLength, let id?) = element, idLength <= 4 else { return element == .cut ? .runsPast(nil) : .unknown }
            switch variableInteger(bytes[idLength...]) {
            case .cut:
                return .runsPast(id)
            case .invalid:
                return .unknown
            case .number(let sizeLength, let size):
                let data = at + Int64(idLength + sizeLength)
                guard let size else {
                    guard entered.contains(id) else { return .unknown }
                    at = data
                    continue
                }
                guard data + size <= file.size else { return .runsPast(id) }
                at = data + size
            }
        }
        return .endsWithFile
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
