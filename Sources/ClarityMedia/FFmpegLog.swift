import CFFmpeg
import CFFmpegLog

/// FFmpeg's own reasons for a refusal. Its calls return a code ("Invalid argument") and log
/// why ("No such filter: 'hqdn3d2'", "Unable to parse option value \"abc\""), a log the tool
/// keeps below its level; errors it logs on this thread during `body` are kept instead, and
/// warnings too where asked (`warnings`: an encoder's word on options it could not parse).
public enum FFmpegLog {
    /// What FFmpeg prints of its own: nothing but its assertions (`verbose`: its warnings and
    /// errors too). Its fatal messages ("No JPEG data found in image", printed for a damaged
    /// picture above Clarity's word on it) are said again, in Clarity's words, where they matter.
    public static func show(verbose: Bool) {
        clarity_set_log_level(verbose ? AV_LOG_WARNING : AV_LOG_PANIC)
    }

    static func reasons<T>(warnings: Bool = false, during body: () throws -> T) rethrows -> (result: T, reasons: String?) {
        clarity_log_keep_begin(warnings ? AV_LOG_WARNING : AV_LOG_ERROR)
        let result: T
        do { result = try body() } catch {
            _ = clarity_log_keep_end()
            throw error
        }
        let kept = String(cString: clarity_log_keep_end())
        return (result, kept.isEmpty ? nil : once(kept))
    }

    /// Reasons said over and over (a damaged Ogg's "CRC mismatch!" a page) said once, with
    /// their count: "CRC mismatch! (8 times)"; the first four of them, then how many more.
    static func once(_ reasons: String) -> String {
        var counted: [(reason: Substring, count: Int)] = []
        for reason in reasons.split(separator: ";").map({ $0.drop { $0 == " " } }) {
            if let i = counted.firstIndex(where: { $0.reason == reason }) { counted[i].count += 1 } else { counted.append((reason, 1)) }
        }
        let shown = counted.prefix(4).map { $0.count == 1 ? String($0.reason) : "\($0.reason) (\($0.count) times)" }
        return (shown + (counted.count > 4 ? ["\(counted.count - 4) more"] : [])).joined(separator: "; ")
    }
}
