import ArgumentParser
import ClarityEngine
import ClarityMedia
import Foundation

/// Exit codes, following BSD sysexits where one fits (documented in docs/cli.md).
enum ExitStatus {
    static let failure: Int32 = 1        // processing failed (codec error, internal)
    static let usage: Int32 = 64         // bad option or value (ArgumentParser's code too)
    static let dataError: Int32 = 65     // not a media file, no video stream
    static let noInput: Int32 = 66       // input missing or unreadable
    static let unsupported: Int32 = 69   // no decoder or encoder for it
    static let cannotCreate: Int32 = 73  // output exists, folder missing, not writable
    static let ioError: Int32 = 74       // writing failed: disk full, output closed
    static let interrupted: Int32 = 130  // stopped by Ctrl-C; the output was finished properly

    static func code(for kind: MediaError.Kind) -> Int32 {
        switch kind {
        case .inputNotFound, .inputUnreadable: return noInput
        case .notMedia, .noVideoStream: return dataError
        case .unsupported: return unsupported
        case .outputUnwritable: return cannotCreate
        case .writeFailed: return ioError
        case .invalidArgument: return usage
        case .interrupted: return interrupted
        case .codec: return failure
        }
    }

    /// The kind of a refusal another Clarity process exited with: a bad option, an unusable,
    /// missing or unsupported input; nil for a failure (or an output's fault).
    static func refusal(_ code: Int32) -> MediaError.Kind? {
        [usage: .invalidArgument, dataError: .notMedia, noInput: .inputNotFound, unsupported: .unsupported][code]
    }
}

/// One-line messages on stderr, prefixed so they stand out among other tools' output.
enum Console {
    static func error(_ message: String) { write(line(error: message)) }
    static func line(error message: String) -> String { "clarity: error: \(message)\n" }
    static func warning(_ message: String) { write("clarity: warning: \(message)\n") }
    /// What cannot be written is dropped: a closed stderr (its reader gone, the terminal hung
    /// up) must not end the run, where Foundation's FileHandle would trap.
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(STDERR_FILENO, $0.baseAddress! + done, bytes.count - done) }
            if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

/// Runs a command body, turning media errors into a one-line message and the documented code.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MediaError {
        Console.error(error.message)
        throw ExitCode(ExitStatus.code(for: error.kind))
    } catch EngineError.outOfMemory(let what) {
        Console.error(MediaError.outOfMemory(what).message)
        throw ExitCode(ExitStatus.failure)
    } catch let error as EngineError {
        Console.error("model: \(error)")
        throw ExitCode(ExitStatus.failure)
    }
}
