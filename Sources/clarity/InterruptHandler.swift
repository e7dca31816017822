import ClarityMedia
import ClarityPipeline
import Foundation
import Synchronization

/// Where the signal handler writes the signals it is given; -1 before a handler is set.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed, an ssh session dropped) once: stop
/// reading and finish the output properly. Twice: remove the temporary output and exit at
/// once. A signal ignored when the tool started stays ignored: `nohup`'s hang-up (a run
/// meant to outlive its terminal had stopped when the terminal closed), a script's
/// background job's Ctrl-C. Also ignores SIGPIPE, so a closed pipe is an error we report
/// rather than a silent death.
///
/// The handler only writes the signal to a pipe (what a handler may safely do); a thread of
/// the run's reads it and acts. libdispatch's signal sources waited for ever for a thread of
/// their own where the system would start none (`ulimit -v`, `ulimit -u`).
final class InterruptHandler {
    private static let named = [SIGINT: "Ctrl-C", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP (the terminal closed)"]
    /// Signals received so far, and the first one.
    private let received = Mutex<(count: Int, first: Int32?)>((0, nil))
    private let onFirst: @Sendable () -> Void

    /// The signal that stopped the run, once one came.
    var signal: Int32? { received.withLock { $0.first } }
    /// How the tool ends once the run a signal stopped is finished (only a signal stops it).
    var stopped: StoppedBySignal { StoppedBySignal(signal: signal ?? SIGINT) }
    /// What stopped the run ("Ctrl-C", "SIGTERM", "SIGHUP"), once a signal came.
    var cause: String? { signal.flatMap { Self.named[$0] } }

    init(onFirst: @escaping @Sendable () -> Void) throws {
        self.onFirst = onFirst
        Foundation.signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw MediaError(.codec, "cannot watch for Ctrl-C: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let reading = ends[0]
        do {
            // (Weakly: the handler's end closes the pipe, which ends the thread.)
            try RunThread.start("interrupts") { [weak self] in
                var byte: UInt8 = 0
                while true {
                    let n = read(reading, &byte, 1)
                    if n < 0 && errno == EINTR { continue }
                    guard n == 1 else { break }
                    self?.take(Int32(byte))
                }
                close(reading)
            }
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        signalPipe = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            let saved = errno
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(signalPipe, &byte, 1)
            errno = saved
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for signal in Self.named.keys where !Self.isIgnored(signal) { sigaction(signal, &action, nil) }
    }

    private static func isIgnored(_ signal: Int32) -> Bool {
        var current = sigaction()
        sigaction(signal, nil, &current)
        return current.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Signals are ignored once the run is over; the watcher ends with the pipe.
    deinit {
        for signal in Self.named.keys { Foundation.signal(signal, SIG_IGN) }
        let writing = signalPipe
        signalPipe = -1
        close(writing)
    }

    private func take(_ signal: Int32) {
        let (first, count) = received.withLock { r in
            let first = r.count == 0
            if first { r.first = signal }
            r.count += 1
            return (first, r.count)
        }
        if first { onFirst() }
        if count > 1 {
            TemporaryFiles.shared.removeAll()
            StoppedBySignal(signal: signal).end()
        }
    }
}

/// A run that a signal stopped, its output finished: the tool then ends by that signal, as
/// shells expect of a program that Ctrl-C stopped. An exit status of 130 tells a shell that
/// the program took the Ctrl-C and went on, so a loop of runs (`for f in *.mp4; do clarity
/// ...; done`) went on to the next file, one Ctrl-C each.
struct StoppedBySignal: Error {
    let signal: Int32

    func end() -> Never {
        Foundation.signal(signal, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(signal)
        _exit(128 + signal)
    }
}
