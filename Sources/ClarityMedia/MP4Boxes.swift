/// The boxes of an MP4 or QuickTime file (size, type, content), walked by their sizes, lazily:
/// a search stops at the box it looks for.
struct MP4Boxes {
    let file: ContainerTail.Bytes

    struct Box {
        let type: String
        let content: Range<Int64>
    }

    /// The boxes that fill `range` end to end, as far as they can be read.
    func boxes(in range: Range<Int64>) -> some Sequence<Box> {
        sequence(state: range.lowerBound) { at -> Box? in
            guard at + 8 <= range.upperBound, let head = file.read(at, 8) else { return nil }
            var size = ContainerTail.bigEndian(head[0..<4]), headerSize: Int64 = 8
            if size == 1 {  // a 64-bit size follows the type
                guard let large = file.read(at + 8, 8) else { return nil }
                (size, headerSize) = (ContainerTail.bigEndian(large), 16)
            } else if size == 0 {  // to the end
                size = range.upperBound - at
            }
            guard size >= headerSize, at + size <= range.upperBound else { return nil }
            defer { at += size }
            return Box(type: String(decoding: head[4..<8], as: UTF8.self), content: at + headerSize..<at + size)
        }
    }

    /// The first box of `type` in `range`.
    func first(_ type: String, in range: Range<Int64>) -> Box? { boxes(in: range).first { $0.type == type } }

    /// The file's movie box.
    var movie: Box? { first("moov", in: 0..<file.size) }
}
