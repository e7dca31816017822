import CFFmpeg

/// An error from the media layer, worded for the person at the terminal.
public struct MediaError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case inputNotFound, inputUnreadable, notMedia, noVideoStream, unsupported
        case outputUnwritable, writeFailed, codec, invalidArgument, interrupted
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Text for an FFmpeg status code.
    static func text(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        return String(cString: clarity_err2str(code, &buffer, buffer.count))
    }

    /// Builds an error from a failed FFmpeg call, with FFmpeg's reasons where it logged them
    /// (`FFmpegLog`), else the code's text. Memory that ran out, or a thread the system would
    /// not start (an opening encoder's or decoder's), is said as such whatever the call: it is
    /// neither damage nor a wrong option, and the run may pass with more.
    static func ffmpeg(_ code: Int32, _ what: String, kind: Kind = .codec, reasons: String? = nil) -> MediaError {
        if ranOutOfMemory(code, reasons: reasons) {
            return MediaError(.codec, "\(what) (out of memory): \(memoryRemedy(smallerOutputHelps: true))")
        }
        if code == clarity_averror(EAGAIN) { return limited(what, reason: text(code)) }
        return MediaError(kind, "\(what): \(reasons ?? text(code))")
    }

    /// Whether a failure is memory that ran out: said so, or an external library's error with
    /// the memory limit nearly used up (x264 prints its failed allocation on its own, where it
    /// may not be kept, and FFmpeg calls it an external library's error).
    static func ranOutOfMemory(_ code: Int32, reasons: String?) -> Bool {
        code == clarity_averror(ENOMEM) || reasons?.contains("malloc of size") == true
            || (code == clarity_averror_external() && AddressSpaceLimit.nearlyUsedUp())
    }

    /// What the system's limits refused (a thread, an address space), with where they are set.
    public static func limited(_ what: String, reason: String) -> MediaError {
        MediaError(.codec, "\(what) (\(reason)): the system's limits (ulimit -v, ulimit -u, a container's pids limit) "
                   + "leave it too little memory or too few threads")
    }

    /// Memory that ran out (exit 1), with what lets the run through.
    public static func outOfMemory(_ what: String, smallerOutputHelps: Bool = true) -> MediaError {
        MediaError(.codec, "out of memory \(what): \(memoryRemedy(smallerOutputHelps: smallerOutputHelps))")
    }

    private static func memoryRemedy(smallerOutputHelps: Bool) -> String {
        smallerOutputHelps ? "a smaller --size or --scale, or more memory, lets it through" : "more memory (ulimit -v, a container's limit) lets it through"
    }
}
