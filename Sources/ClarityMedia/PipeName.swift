import Foundation

/// How messages name a pipe FFmpeg reads or writes (`pipe:0`, `-`): by what the user knows
/// it as (stdin, stdout); anything else by itself.
public enum PipeName {
    /// Whether `url` is a pipe (`-` meaning descriptor `standard`) that is a terminal: video
    /// read from it would wait for typing, written to it would show as garbage.
    static func isTerminal(_ url: String, standard: Int32) -> Bool {
        PipeCapacity.descriptor(of: url, standard: standard).map { isatty($0) != 0 } ?? false
    }

    public static func shown(_ url: String) -> String {
        switch url {
        case "-", "pipe:", "pipe:0": return "stdin"
        case "pipe:1": return "stdout"
        default:
            guard url.hasPrefix("pipe:"), let fd = Int(url.dropFirst(5)) else { return url }
            return "file descriptor \(fd)"
        }
    }
}
