import CFFmpeg
import Foundation

/// Stdin from a pipe, read by our own I/O context. FFmpeg's `pipe:` protocol waits in read(2),
/// where its interrupt callback cannot reach it: a Ctrl-C while the producer sends nothing would
/// wait with it. Here each read first polls the pipe in short slices and asks the `ReadWatch`
/// between them, so a stop ends the wait, while data that arrives is read at once.
final class InterruptiblePipe {
    /// For `AVFormatContext.pb` (with `AVFMT_FLAG_CUSTOM_IO`); freed when this goes, which must
    /// be after the format context is closed.
    private(set) var context: UnsafeMutablePointer<AVIOContext>?
    private let fd: Int32
    private let watch: ReadWatch
    /// The first and last bytes read, and their count (none at the end: the producer closed
    /// the pipe empty).
    private(set) var ends = PipeEnds()
    /// Once the demuxer is known to need no check of the input's ends (raw frames, at hundreds
    /// of MB a second, are copied no more): the count alone goes on.
    func stopKeepingEnds() { ends.stopKeeping() }

    private static let bufferSize = 32768
    private static let pollSliceMs: Int32 = 100

    /// Whether the descriptor was opened here (a named pipe), to be closed with this.
    private let opened: Bool

    /// Only for `pipe:N` URLs whose descriptor is a pipe or a socket (/dev/stdin and a shell's
    /// `<(...)` come as theirs), and for the paths of named pipes, opened here: files never
    /// stall and a terminal is left to FFmpeg, as ffmpeg leaves it.
    init?(url: String, path: String?, watch: ReadWatch) {
        if let fd = PipeCapacity.descriptor(of: url, standard: 0) {
            var info = stat()
            guard fstat(fd, &info) == 0, Self.isPipe(info) else { return nil }
            (self.fd, opened) = (fd, false)
        } else {
            // Opening a named pipe waits for its writer, as FFmpeg's would.
            guard let path, Self.isPipe(path) else { return nil }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            (self.fd, opened) = (fd, true)
        }
        PipeCapacity.enlarge(fd)
        self.watch = watch
        guard let buffer = av_malloc(Self.bufferSize) else { return nil }
        context = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Int32(Self.bufferSize), 0,
                                     Unmanaged.passUnretained(self).toOpaque(), { opaque, buffer, size in
            Unmanaged<InterruptiblePipe>.fromOpaque(opaque!).takeUnretainedValue().read(into: buffer!, size: Int(size))
        }, nil, nil)
        guard context != nil else {
            av_free(buffer)
            if opened { close(fd) }
            return nil
        }
    }

    /// Whether `path` names a pipe or a socket (through links: /dev/stdin, /dev/fd/N).
    static func isPipe(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && isPipe(info)
    }

    private static func isPipe(_ info: stat) -> Bool { [S_IFIFO, S_IFSOCK].contains(info.st_mode & S_IFMT) }

    deinit {
        // FFmpeg may have replaced the buffer while probing: free the one it holds now.
        if let context { av_freep(&context.pointee.buffer) }
        avio_context_free(&context)
        if opened { close(fd) }
    }

    private func read(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int32 {
        while true {
            if watch.shouldAbort { return clarity_averror_exit() }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, Self.pollSliceMs)
            if polled == 0 || (polled < 0 && errno == EINTR) { continue }
            let n = polled < 0 ? -1 : Glibc.read(fd, buffer, size)
            if n > 0 {
                ends.append(UnsafeBufferPointer(start: buffer, count: n))
                return Int32(n)
            }
            if n == 0 { return clarity_averror_eof() }
            if errno == EINTR || errno == EAGAIN { continue }
            return clarity_averror(errno)
        }
    }
}
