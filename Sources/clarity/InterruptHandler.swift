import ClarityMedia
import Dispatch
import Foundation

/// Ctrl-C (or SIGTERM) once: stop reading and finish the output properly. Twice: remove the
/// temporary output and exit at once. Also ignores SIGPIPE, so a closed pipe is an error we
/// report rather than a silent death.
final class InterruptHandler {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0

    init(onFirst: @escaping () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in
                count += 1
                if count == 1 {
                    onFirst()
                } else {
                    TemporaryFiles.shared.removeAllUnsafe()
                    _exit(ExitStatus.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
