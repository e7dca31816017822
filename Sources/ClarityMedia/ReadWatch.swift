import CFFmpeg
import Dispatch
import Foundation

/// FFmpeg's way out of a blocking read: its interrupt callback asks this before and while it
/// waits. A stop (the first Ctrl-C) ends the wait at once; a network input that sends nothing
/// for `silence` seconds is taken as ended, since a live source that has gone away never says so.
final class ReadWatch: @unchecked Sendable {
    let silence: Double?
    /// Bytes the input has given so far: silence counts from the last that came, also while
    /// FFmpeg reads on its own (opening a stream reads seconds of it to learn its streams).
    var received: (() -> Int64)?
    private let lock = NSLock()
    private var stopped = false
    private var listeningSince = DispatchTime.now().uptimeNanoseconds
    private var lastReceived: Int64 = 0
    /// The read ended because the input went silent.
    private(set) var wentSilent = false

    init(silence: Double?) { self.silence = silence }

    /// `silence` as messages say it: "10 s", "2.5 s".
    var silenceSaid: String { silence.map { ($0 == $0.rounded() && $0 < 1e9 ? String(Int($0)) : String($0)) + " s" } ?? "no time" }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
    }

    /// A read begins: silence counts from now, not from the last data, so time spent waiting
    /// on slow stages downstream is not taken for a silent source.
    func listen() {
        guard silence != nil else { return }
        lock.lock(); listeningSince = DispatchTime.now().uptimeNanoseconds; lock.unlock()
    }

    var shouldAbort: Bool {
        lock.lock(); defer { lock.unlock() }
        if let silence, !stopped {
            let now = DispatchTime.now().uptimeNanoseconds
            if let count = received?(), count != lastReceived { (lastReceived, listeningSince) = (count, now) }
            if Double(now - listeningSince) / 1e9 > silence { wentSilent = true }
        }
        return stopped || wentSilent
    }

    /// The callback for `AVFormatContext.interrupt_callback`; the context must not outlive this.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(callback: { opaque in
            Unmanaged<ReadWatch>.fromOpaque(opaque!).takeUnretainedValue().shouldAbort ? 1 : 0
        }, opaque: Unmanaged.passUnretained(self).toOpaque())
    }
}
