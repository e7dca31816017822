import ClarityMedia
import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed, an ssh session dropped) once: stop
/// reading and finish the output properly. Twice: remove the temporary output and exit at
/// once. Also ignores SIGPIPE, so a closed pipe is an error we report rather than a silent
/// death.
final class InterruptHandler {
    private let sources: [DispatchSourceSignal]
    /// Signals received so far, and the first one's name as the user would know it.
    private let received = Mutex<(count: Int, first: String?)>((0, nil))

    /// What stopped the run ("Ctrl-C", "SIGTERM", "SIGHUP"), once a signal came.
    var cause: String? { received.withLock { $0.first } }

    init(onFirst: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        let named = [(SIGINT, "Ctrl-C"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP (the terminal closed)")]
        sources = named.map { sig, _ in
            signal(sig, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: sig, queue: .global())
        }
        for (source, (_, name)) in zip(sources, named) {
            source.setEventHandler { [unowned self] in
                // Signals that arrive together come as one event: `data` counts them.
                let (first, count) = received.withLock { r in
                    let first = r.count == 0
                    if first { r.first = name }
                    r.count += max(1, Int(source.data))
                    return (first, r.count)
                }
                if first { onFirst() }
                if count > 1 {
                    TemporaryFiles.shared.removeAll()
                    _exit(ExitStatus.interrupted)
                }
            }
            source.resume()
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
