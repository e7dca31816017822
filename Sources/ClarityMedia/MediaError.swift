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
    /// (`FFmpegLog`), else the code's text.
    static func ffmpeg(_ code: Int32, _ what: String, kind: Kind = .codec, reasons: String? = nil) -> MediaError {
        MediaError(kind, "\(what): \(reasons ?? text(code))")
    }
}
