import ClarityMedia
import Foundation

/// A thread of the run's (the pump's stages, the interrupt watcher), started or said not to
/// be. Foundation's `Thread` starts none, without a word, where the system refuses one (a
/// limit on address space or on processes, `ulimit -v`, a container's pids limit), and the
/// pump waited for ever for its work; libdispatch waits for ever for a thread it cannot start.
public enum RunThread {
    private final class Body {
        let name: String
        let run: () -> Void
        init(_ name: String, _ run: @escaping () -> Void) { (self.name, self.run) = (name, run) }
    }

    /// Starts `body` on a detached thread named `name`, or throws.
    public static func start(_ name: String, _ body: @escaping () -> Void) throws {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Body(name, body)).toOpaque()
        var thread = pthread_t()
        let r = pthread_create(&thread, &attributes, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            Thread.current.name = body.name
            body.run()
            return nil
        }, context)
        guard r == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw MediaError.limited("cannot start a thread of the run", reason: String(cString: strerror(r)))
        }
    }
}
