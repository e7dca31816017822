import ClarityMedia
import ClarityPipeline
import ClarityProcess
import Foundation

/// The machine a benchmark ran on, for the record.
enum BenchMachine {
    static var summary: String {
        "\(ISO8601DateFormatter().string(from: Date()))  \(CostCache.cpu)"
    }
}

/// Timing of work in this process and of child processes (wall clock, with peak memory).
enum BenchProcess {
    struct ChildResult {
        var seconds: Double
        var maxRSSKiB: Int
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs `arguments` (found on PATH unless absolute), failing with its stderr.
    @discardableResult
    static func require(_ arguments: [String], what: String) throws -> ChildResult {
        try timeChild(arguments, what: what)
    }

    /// Fails as a missing input does elsewhere (66) before a benchmark prints anything.
    static func requireFiles(_ paths: [String]) throws {
        if let missing = paths.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
            throw MediaError(.inputNotFound, "input not found: \(missing)")
        }
    }

    /// `input` played `loops` times back to back, its video only (stream copy, timestamps
    /// running on), written to `path`: a longer measurement from a bundled sample.
    static func loopedClip(_ input: String, loops: Int, to path: String) throws {
        try require(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", String(loops - 1),
                     "-i", input, "-an", "-c", "copy", path], what: "preparing the clip")
    }

    static func timeChild(_ arguments: [String], what: String) throws -> ChildResult {
        let r: ChildProcess.Result
        do {
            r = try ChildProcess.run(arguments, stdout: .discard, stderr: .capture)
        } catch {
            throw MediaError(.unsupported, "cannot run \(arguments[0]) for \(what): \(error)")
        }
        guard r.status == 0 else { throw failure(of: what, program: arguments[0], status: r.status, stderr: r.stderrText) }
        return ChildResult(seconds: r.seconds, maxRSSKiB: r.maxRSSKiB)
    }

    /// The error for a child that failed. A Clarity child's refusal (its status, with a
    /// message under Clarity's prefix) keeps its meaning (a bad option, 64: `--models nope`,
    /// a live option; an unusable or missing input; an unsupported codec), so that the
    /// benchmark exits as the run it wraps would, in the child's words; any other failure is
    /// the benchmark's (1).
    static func failure(of what: String, program: String, status: Int32, stderr: String) -> MediaError {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let ownPrefix = "clarity: error: "
        if let kind = ExitStatus.refusal(status),
           let message = text.split(separator: "\n").map(String.init).last(where: { $0.hasPrefix(ownPrefix) }) {
            return MediaError(kind, "\(what): \(message.dropFirst(ownPrefix.count))")
        }
        return MediaError(.codec, "\(what) failed (\(program) exit status \(status)): \(text)")
    }
}
