import Foundation

/// Runs a call with the process's standard error written to a file, and returns what was
/// written: encoder libraries (x264's profile checks, x265, SVT-AV1) print their refusals
/// themselves, past FFmpeg's log, where Clarity's own message on the refusal should hold
/// them. Only for set-up, before other threads write to standard error.
enum StandardErrorCapture {
    static func during<T>(_ body: () throws -> T) rethrows -> (result: T, written: String) {
        fflush(stderr)
        let saved = dup(STDERR_FILENO)
        guard saved >= 0, let file = tmpfile() else {
            if saved >= 0 { close(saved) }
            return (try body(), "")
        }
        defer { fclose(file) }
        dup2(fileno(file), STDERR_FILENO)
        let result: T
        do {
            defer {
                fflush(stderr)
                dup2(saved, STDERR_FILENO)
                close(saved)
            }
            result = try body()
        }
        rewind(file)
        var written = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = fread(&chunk, 1, chunk.count, file), n > 0 { written.append(contentsOf: chunk[..<n]) }
        return (result, String(decoding: written, as: UTF8.self))
    }

    /// Writes `text` to standard error as it was, for a capture that was not needed.
    static func replay(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// An encoder library's lines ("x265 [error]: main profile not compatible with i444 input
    /// chroma subsampling"), as a reason: "x265: main profile not compatible ...".
    static func reasons(in text: String) -> String? {
        let lines = text.split(separator: "\n").map { line -> String in
            let level = line.range(of: #" \[[a-z]+\]: "#, options: .regularExpression)
            let said = level.map { line[..<$0.lowerBound] + ": " + line[$0.upperBound...] } ?? String(line)
            return said.trimmingCharacters(in: CharacterSet(charactersIn: " .\r\t"))
        }.filter { !$0.isEmpty }
        return lines.isEmpty ? nil : lines.joined(separator: "; ")
    }
}
