import CSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawnp`, its output captured or discarded, and
/// waited for with every interrupted system call retried.
///
/// Why not Foundation's `Process`: on Linux its pipe reads use `try!`, so a signal that lands
/// on a reading thread (another child's SIGCHLD, for one) aborts the whole program.
public final class ChildProcess {
    /// Where one of the child's output streams goes.
    public enum Output {
        case capture
        case discard
        /// A pipe the caller reads as the child writes (`outputPipe`), for output too large to
        /// hold or to land in a file.
        case stream
    }

    public struct Result {
        /// The exit status, or 128 + the signal number when a signal ended it (as shells say).
        public var status: Int32
        /// The signal that ended it; nil where it exited (with whatever status).
        public var signal: Int32?
        public var stdout: Data
        public var stderr: Data
        public var seconds: Double
        /// Peak resident memory of the child, in KiB.
        public var maxRSSKiB: Int

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    public let pid: pid_t
    private let start = DispatchTime.now().uptimeNanoseconds
    /// Read ends of the captured streams (stdout, stderr); -1 when not captured.
    private var readEnds: [Int32]
    /// The read end of the streamed output (`Output.stream`), open until the child is gone.
    public let outputPipe: Int32?
    private var finished: Result?
    /// Exit status and resource use, once reaped.
    private var reaped: (status: Int32, usage: rusage)?

    /// Starts `arguments` (the first found on PATH unless it holds a slash) in `directory`,
    /// with standard input from /dev/null, and every signal at its default action and
    /// unblocked (as Foundation's `Process` starts one): not ignored because this process
    /// was started under `nohup` or as a script's background job.
    public init(_ arguments: [String], directory: String? = nil, stdout: Output = .capture,
                stderr: Output = .capture) throws {
        guard let program = arguments.first else { throw ChildProcessError("no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var parentEnds: [Int32] = [-1, -1]
        var streamEnd: Int32?
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        func closeParentEnds() { (parentEnds + [streamEnd ?? -1]).filter { $0 >= 0 }.forEach { close($0) } }
        for (i, output) in [stdout, stderr].enumerated() {
            let fd = Int32(i + 1)
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .capture, .stream:
                if case .stream = output, streamEnd != nil {
                    closeParentEnds()
                    throw ChildProcessError("only one output can be streamed")
                }
                var ends: [Int32] = [0, 0]
                guard clarity_pipe_cloexec(&ends) == 0 else {
                    closeParentEnds()
                    throw ChildProcessError("cannot make a pipe: \(String(cString: strerror(errno)))")
                }
                if case .stream = output { streamEnd = ends[0] } else { parentEnds[i] = ends[0] }
                childEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], fd)
            }
        }
        if let directory { clarity_spawn_addchdir(&actions, directory) }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let status = posix_spawnp(&child, program, &actions, &attributes, argv, environ)
        guard status == 0 else {
            closeParentEnds()
            throw ChildProcessError("cannot run \(program): \(String(cString: strerror(status)))")
        }
        pid = child
        readEnds = parentEnds
        outputPipe = streamEnd
    }

    deinit {
        (readEnds + [outputPipe ?? -1]).filter { $0 >= 0 }.forEach { close($0) }
        if reaped == nil { kill(pid, SIGKILL); var status: Int32 = 0; while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
    }

    /// Sends `signal` to the child (SIGINT is Ctrl-C).
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Whether the child is still running (reaps it when it has ended).
    public var isRunning: Bool {
        guard reaped == nil else { return false }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, WNOHANG, &usage) == pid else { return true }
        reaped = (status, usage)
        return false
    }

    /// Reads what the child writes until it closes its captured outputs, then reaps it (a
    /// streamed output is the caller's to read first).
    @discardableResult
    public func wait() throws -> Result {
        if let finished { return finished }
        var buffers = [Data(), Data()]
        var fds = readEnds.enumerated().filter { $0.element >= 0 }.map { (index: $0.offset, fd: $0.element) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !fds.isEmpty {
            var polls = fds.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if poll(&polls, nfds_t(polls.count), -1) < 0 {
                if errno == EINTR { continue }
                throw ChildProcessError("poll: \(String(cString: strerror(errno)))")
            }
            var open: [(index: Int, fd: Int32)] = []
            for (p, entry) in zip(polls, fds) {
                guard p.revents != 0 else { open.append(entry); continue }
                let n = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffers[entry.index].append(contentsOf: chunk[0..<n])
                    open.append(entry)
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    open.append(entry)
                } else {
                    close(entry.fd)
                }
            }
            fds = open
        }
        readEnds = [-1, -1]
        if reaped == nil {
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 {
                guard errno == EINTR else { throw ChildProcessError("waiting for \(pid): \(String(cString: strerror(errno)))") }
            }
            reaped = (status, usage)
        }
        let (status, usage) = reaped!
        let signal = status & 0x7f
        let result = Result(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, signal: signal == 0 ? nil : signal,
                            stdout: buffers[0], stderr: buffers[1],
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                            maxRSSKiB: usage.ru_maxrss)
        finished = result
        return result
    }

    /// Runs `arguments` to the end (see `init`).
    public static func run(_ arguments: [String], directory: String? = nil, stdout: Output = .capture,
                           stderr: Output = .capture) throws -> Result {
        try ChildProcess(arguments, directory: directory, stdout: stdout, stderr: stderr).wait()
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
