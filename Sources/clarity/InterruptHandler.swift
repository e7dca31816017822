import ClarityMedia
import Dispatch
import Foundation

/// Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed, an ssh session dropped) once: stop
/// reading and finish the output properly. Twice: remove the temporary output and exit at
/// once. Also ignores SIGPIPE, so a closed pipe is an error we report rather than a silent
/// death.
final class InterruptHandler {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0

    init(onFirst: @escaping () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in
                // Signals that arrive together come as one event: `data` counts them.
                let first = count == 0
                count += max(1, Int(source.data))
                if first { onFirst() }
                if count > 1 {
                    TemporaryFiles.shared.removeAll()
                    _exit(ExitStatus.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
