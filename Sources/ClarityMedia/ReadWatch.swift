import CFFmpeg
import Dispatch
import Foundation

/// FFmpeg's way out of a blocking read: its interrupt callback asks this before and while it
/// waits. A stop (the first Ctrl-C) ends the wait at once; a network input that sends nothing
/// for `silence` seconds is taken as ended, since a live source that has gone away never says so.
final class ReadWatch: @unchecked Sendable {
    let silence: Double?
    private let lock = NSLock()
    private var stopped = false
    private var listeningSince = DispatchTime.now().uptimeNanoseconds
    /// The read ended because the input went silent.
    private(set) var wentSilent = false

    init(silence: Double?) { self.silence = silence }

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
        if let silence, !stopped, Double(DispatchTime.now().uptimeNanoseconds - listeningSince) / 1e9 > silence { wentSilent = true }
        return stopped || wentSilent
    }

    /// The callback for `AVFormatContext.interrupt_callback`; the context must not outlive this.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(callback: { opaque in
            Unmanaged<ReadWatch>.fromOpaque(opaque!).takeUnretainedValue().shouldAbort ? 1 : 0
        }, opaque: Unmanaged.passUnretained(self).toOpaque())
    }
}
