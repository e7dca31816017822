import Foundation

/// Removes the temporary outputs of a run that crashes (a trap, memory that ran out where Swift
/// or a library allocates, a fault in a library), which would otherwise stay half-written
/// beside the output. The handler may neither lock nor allocate: each output's name is kept
/// ready as C strings, a sequence's as the bytes before and after its number, and the handler
/// only composes names and unlinks. Where the crash is memory that ran out (an abort or a
/// fault with the process's memory limit used up), it then says so and exits with 1, as an
/// allocation that fails where it can be caught does; otherwise it hands the signal to the
/// handler there was (Swift's backtracer, which reports the crash) or to the default.
public enum CrashCleanup {
    /// A temporary output, in a form the handler can use: a file's path (`width` -1), or a
    /// sequence's pattern split at its number (`width` digits at least, from `first` on).
    private struct Entry {
        let before: UnsafeMutablePointer<CChar>
        let after: UnsafeMutablePointer<CChar>
        let width: Int
        let first: Int
    }

    private static let capacity = 16
    private static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    /// Read by the handler without a lock: an entry is written whole before its slot points at it.
    private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()
    private static let nameCapacity = Int(PATH_MAX) + 32
    private static let name = UnsafeMutablePointer<CChar>.allocate(capacity: nameCapacity)
    private static let previous: UnsafeMutablePointer<sigaction> = {
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: signals.count)
        previous.initialize(repeating: sigaction(), count: signals.count)
        return previous
    }()
    /// The line said where memory ran out; nil until `install` sets it.
    nonisolated(unsafe) private static var outOfMemory: UnsafeMutablePointer<CChar>?
    private static let installed: Void = {
        _ = (slots, name, previous, signals)
        AddressSpaceLimit.prepare()
        for (k, signal) in signals.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in
                CrashCleanup.removeAll()
                guard let k = CrashCleanup.signals.firstIndex(of: signal) else { return }
                let code = info?.pointee.si_code ?? 0
                if code != SI_USER, signal == SIGABRT || signal == SIGSEGV || signal == SIGBUS, let line = CrashCleanup.outOfMemory,
                   AddressSpaceLimit.nearlyUsedUp() {
                    _ = write(STDERR_FILENO, line, strlen(line))
                    _exit(1)
                }
                if code == SI_USER {
                    // Sent by another process: the run ends as the signal's default ends it
                    // (Swift's backtracer would report it and go on, its outputs removed).
                    var ending = sigaction()
                    ending.__sigaction_handler.sa_handler = SIG_DFL
                    sigaction(signal, &ending, nil)
                } else {
                    sigaction(signal, CrashCleanup.previous + k, nil)
                }
                // A signal sent (abort's, kill's) is sent again, to the handler restored; a
                // fault comes again as the instruction runs again.
                if code <= 0 { raise(signal) }
            }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + k)
        }
    }()

    /// Installs the handler from the start of a run, so that memory that runs out is said
    /// (`line`, a whole line) even where no output is kept.
    public static func install(sayingOutOfMemory line: String) {
        outOfMemory = strdup(line)
        _ = installed
    }

    /// Keeps `path` (a sequence's pattern) for the handler; the slot it took, nil where none
    /// is free or the pattern is not one this can compose.
    static func add(_ path: String, sequence: Bool) -> Int? {
        _ = installed
        guard let slot = (0..<capacity).first(where: { slots[$0] == nil }) else { return nil }
        let entry: Entry
        if sequence {
            guard let (before, width, after) = split(path) else { return nil }
            entry = Entry(before: strdup(before), after: strdup(after), width: width, first: PictureSequence.firstWritten)
            // Composed as FFmpeg composes it, or not kept.
            guard compose(entry, entry.first), String(cString: name) == PictureSequence.picture(path, entry.first) else {
                free(entry.before)
                free(entry.after)
                return nil
            }
        } else {
            entry = Entry(before: strdup(path), after: strdup(""), width: -1, first: 0)
        }
        let kept = UnsafeMutablePointer<Entry>.allocate(capacity: 1)
        kept.initialize(to: entry)
        slots[slot] = kept
        return slot
    }

    /// Forgets a slot. Its entry is not freed: a handler may be reading it.
    static func remove(_ slot: Int) {
        slots[slot] = nil
    }

    /// A pattern's text before and after its number (`%d`, `%04d`; `%%` is a percent sign),
    /// and the number's digits at least.
    private static func split(_ pattern: String) -> (String, Int, String)? {
        var parts = ["", ""]
        var width: Int?
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { parts[width == nil ? 0 : 1].append(c); continue }
            var next = chars.next()
            if next == "%" { parts[width == nil ? 0 : 1].append("%"); continue }
            var digits = ""
            while let d = next, d.isASCII, d.isNumber { digits.append(d); next = chars.next() }
            guard next == "d", width == nil else { return nil }
            width = Int(digits) ?? 0
        }
        return width.map { (parts[0], $0, parts[1]) }
    }

    /// Writes `entry`'s name for picture `number` into `name`; false where it would not fit.
    /// (No closure nor array: nothing that could allocate.)
    private static func compose(_ entry: Entry, _ number: Int) -> Bool {
        var at = 0
        var p = entry.before
        while p.pointee != 0 && at < nameCapacity - 32 { name[at] = p.pointee; at += 1; p += 1 }
        if p.pointee != 0 { return false }
        if entry.width >= 0 {
            var digits = 1
            var scale = 1
            while number / scale >= 10 { scale *= 10; digits += 1 }
            while digits < entry.width && at < nameCapacity - 32 { name[at] = 48; at += 1; digits += 1 }
            while scale > 0 { name[at] = CChar(48 + number / scale % 10); at += 1; scale /= 10 }
        }
        p = entry.after
        while p.pointee != 0 && at < nameCapacity - 1 { name[at] = p.pointee; at += 1; p += 1 }
        name[at] = 0
        return p.pointee == 0
    }

    /// Unlinks every output kept, every picture written of a sequence: in the handler.
    private static func removeAll() {
        for k in 0..<capacity {
            guard let entry = slots[k]?.pointee else { continue }
            guard entry.width >= 0 else { unlink(entry.before); continue }
            var number = entry.first
            while compose(entry, number), unlink(name) == 0 { number += 1 }
        }
    }
}
