import ArgumentParser

/// FFmpeg options given as repeated `key=value` arguments (`--encoder-option`,
/// `--input-option`): the later of two equal keys wins, as in ffmpeg's own command line.
enum KeyValueOptions {
    static func parse(_ arguments: [String], flag: String) throws -> [String: String] {
        var options: [String: String] = [:]
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("\(flag) takes key=value, not '\(argument)'") }
            options[String(parts[0])] = String(parts[1])
        }
        return options
    }
}
