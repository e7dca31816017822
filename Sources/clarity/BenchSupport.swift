import ClarityMedia
import Foundation

/// The machine a benchmark ran on, for the record.
enum BenchMachine {
    static var summary: String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let date = ISO8601DateFormatter().string(from: Date())
        return "\(date)  \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
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

    static func timeChild(_ arguments: [String], what: String) throws -> ChildResult {
        var pid: pid_t = 0
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-bench-\(getpid())-err").path
        defer { unlink(errPath) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw MediaError(.unsupported, "cannot run \(arguments[0]) for \(what): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == 0 else {
            let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw MediaError(.codec, "\(what) failed (\(arguments[0]) exit status \(status)): \(err.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return ChildResult(seconds: seconds, maxRSSKiB: usage.ru_maxrss)
    }
}
