import Glibc

/// FFmpeg's MP4 and QuickTime muxer enables the first track of each kind where none is marked
/// default. For subtitles that means shown from the start: QuickTime and Safari show an enabled
/// track, and FFmpeg, mpv and VLC read it back as the default one. An input whose subtitles were
/// off by default had them on in the copy (as ffmpeg's `-c copy` has). Once the file is written,
/// its subtitle tracks' headers (`tkhd`) lose the flag again, as FFmpeg writes a track it has not
/// enabled; tracks stay selectable.
enum SubtitleTrackEnabling {
    /// Handlers of subtitle tracks: MP4's text (`sbtl`) and pictures (`subp`), QuickTime's text,
    /// closed captions.
    private static let subtitleHandlers: Set<String> = ["sbtl", "subp", "text", "clcp"]

    /// Clears the enabled flag of each subtitle track in the MP4 or QuickTime file at `path`;
    /// false where its index could not be walked (nothing is changed then).
    @discardableResult
    static func disableSubtitleTracks(inFileAt path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        let file = BoxReader(fd: fd)
        guard let movie = file.children(in: 0..<Int64(info.st_size)).first(where: { $0.type == "moov" }) else { return false }
        for track in file.children(in: movie.content) where track.type == "trak" {
            let parts = file.children(in: track.content)
            guard let header = parts.first(where: { $0.type == "tkhd" }),
                  let media = parts.first(where: { $0.type == "mdia" }),
                  let handler = file.children(in: media.content).first(where: { $0.type == "hdlr" }),
                  let kind = file.read(at: handler.content.lowerBound + 8, count: 4).map({ String(decoding: $0, as: UTF8.self) }),
                  subtitleHandlers.contains(kind),
                  var flags = file.read(at: header.content.lowerBound + 3, count: 1) else { continue }
            flags[0] &= ~1  // track enabled
            guard pwrite(fd, flags, 1, off_t(header.content.lowerBound + 3)) == 1 else { return false }
        }
        return true
    }

    /// Boxes (size, type, content) of a file read by offset.
    private struct BoxReader {
        let fd: Int32

        struct Box {
            let type: String
            let content: Range<Int64>
        }

        func read(at offset: Int64, count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            return pread(fd, &bytes, count, off_t(offset)) == count ? bytes : nil
        }

        /// The boxes that fill `range` end to end, as far as they can be read.
        func children(in range: Range<Int64>) -> [Box] {
            var boxes: [Box] = []
            var at = range.lowerBound
            while at + 8 <= range.upperBound, let head = read(at: at, count: 8) {
                var size = head[0..<4].reduce(Int64(0)) { $0 << 8 | Int64($1) }, headerSize: Int64 = 8
                if size == 1 {  // a 64-bit size follows the type
                    guard let large = read(at: at + 8, count: 8) else { break }
                    (size, headerSize) = (large.reduce(Int64(0)) { $0 << 8 | Int64($1) }, 16)
                } else if size == 0 {  // to the end
                    size = range.upperBound - at
                }
                guard size >= headerSize, at + size <= range.upperBound else { break }
                boxes.append(Box(type: String(decoding: head[4..<8], as: UTF8.self), content: at + headerSize..<at + size))
                at += size
            }
            return boxes
        }
    }
}
