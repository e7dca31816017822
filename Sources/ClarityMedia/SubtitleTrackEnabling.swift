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
        guard let file = ContainerTail.Bytes(descriptor: fd, from: 0) else { return false }
        let boxes = MP4Boxes(file: file)
        guard let movie = boxes.movie else { return false }
        for track in boxes.boxes(in: movie.content) where track.type == "trak" {
            guard let header = boxes.first("tkhd", in: track.content),
                  let media = boxes.first("mdia", in: track.content),
                  let handler = boxes.first("hdlr", in: media.content),
                  let kind = file.read(handler.content.lowerBound + 8, 4).map({ String(decoding: $0, as: UTF8.self) }),
                  subtitleHandlers.contains(kind),
                  var flags = file.read(header.content.lowerBound + 3, 1) else { continue }
            flags[0] &= ~1  // track enabled
            guard pwrite(fd, flags, 1, off_t(header.content.lowerBound + 3)) == 1 else { return false }
        }
        return true
    }
}
