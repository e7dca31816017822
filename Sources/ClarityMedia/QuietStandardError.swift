import Foundation

/// Runs a call with the process's standard error sent to /dev/null, for a try whose failure is
/// expected and handled: encoder libraries (SVT-AV1, x265) print their refusals themselves,
/// past FFmpeg's log level. Only for set-up, before other threads write to standard error.
enum QuietStandardError {
    static func during<T>(_ body: () throws -> T) rethrows -> T {
        fflush(stderr)
        let saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY)
        guard saved >= 0, null >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return try body()
        }
        dup2(null, STDERR_FILENO)
        close(null)
        defer {
            fflush(stderr)
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
        return try body()
    }
}
