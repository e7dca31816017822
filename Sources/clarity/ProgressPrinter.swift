import ClarityMedia
import ClarityPipeline
import Foundation

/// Shows a pump's progress on stderr: a live line on a terminal, or JSON lines for machines.
struct ProgressPrinter {
    let mode: RunOptions.ProgressMode
    let quiet: Bool

    private var live: Bool { !quiet && mode == .auto && Console.stderrIsTerminal }

    func update(_ p: PumpProgress) {
        if mode == .json {
            emitJSON(p, done: false)
        } else if live {
            Console.write("\r\u{1B}[K" + line(p))
        }
    }

    /// "3 packet(s) ..." for each count above zero, in order.
    private static func counted(_ counts: [(Int, String)]) -> [String] {
        counts.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
    }

    func finish(_ p: PumpProgress) {
        if mode == .json {
            emitJSON(p, done: true)
        } else if live {
            Console.write("\r\u{1B}[K" + line(p) + "\n")
        }
        guard !quiet else { return }
        let damage = Self.counted([(p.corruptPackets, "packet(s) could not be decoded"), (p.corruptFrames, "frame(s) were concealed")])
        if !damage.isEmpty {
            Console.warning("input damaged: " + damage.joined(separator: ", ") + (p.truncatedInput ? "" : "; the output is complete"))
        }
        let dropped = Self.counted([(p.droppedPackets, "damaged packet(s) of copied streams"),
                                    (p.droppedFrames, "frame(s) with timestamps out of order")])
        if !dropped.isEmpty { Console.warning("dropped " + dropped.joined(separator: " and ")) }
        if p.timestampJumps > 0 {
            Console.warning("the input's clock jumped \(p.timestampJumps) time(s) (a splice, or recordings joined): "
                            + "its timestamps were stitched so that every stream goes on in step, as ffmpeg does"
                            + (p.seamOverlaps > 0 ? " (\(p.seamOverlaps) packet(s) of copied streams overlapping a seam dropped)" : ""))
        }
        if !p.streamsBegunLate.isEmpty {
            let named = p.streamsBegunLate.map { "#\($0.index) (\($0.codec))" }.joined(separator: ", ")
            Console.warning("stream(s) \(named) began part-way through the input (a broadcast "
                            + "whose programme changed, or recordings of different channels joined): they are not in the output")
        }
        if p.undecodableLeadFrames > 0 {
            Console.warning(Self.undecodableLead(frames: p.undecodableLeadFrames, seconds: p.undecodableLeadSeconds))
        }
        if p.reshapedFrames > 0, let shape = p.otherShape {
            Console.warning("the input changed shape mid-stream (to \(shape), first): \(p.reshapedFrames) frame(s) were scaled to the shape it started with")
        }
        if p.truncatedInput {
            Console.warning(Self.endedEarly(frames: p.framesWritten, listed: p.expectedFrames, shortfall: p.inputShortfall,
                                            readError: p.inputReadError))
        }
    }

    /// What a truncated input gave (also `probe`'s), against what its container promised, and
    /// why reading stopped where FFmpeg said.
    static func endedEarly(frames: Int, listed: Int?, shortfall: InputShortfall?, readError: String?) -> String {
        let counted = frames == 1 ? "1 frame" : "\(frames) frames"
        return "input ended early (" + (readError.map { "reading failed: \($0)" } ?? "a file cut off, or an unreadable tail") + "), after "
            + (shortfall.map { String(format: "%@: the file ends %.2f s into the %.2f s its container states", counted, $0.reached, $0.stated) }
                ?? listed.flatMap { $0 > frames ? "\(frames) of the \($0) frames the container lists" : nil } ?? counted)
    }

    /// What a recording cut between key frames lost at its start (also `probe`'s).
    static func undecodableLead(frames: Int, seconds: Double) -> String {
        String(format: "the input starts between key frames (a cut recording): its first %d video frame(s) refer to pictures "
               + "before the cut and could not be decoded, so the video starts %.2f s late, at its first key frame", frames, seconds)
    }

    private func line(_ p: PumpProgress) -> String {
        var parts = ["frame \(p.framesWritten)" + (p.expectedFrames.map { "/\($0)" } ?? "")]
        parts.append(String(format: "%.1f fps", p.framesPerSecond))
        parts.append(String(format: "t=%.2fs", p.position))
        parts.append(Self.bytes(p.bytesWritten))
        if let eta = p.eta { parts.append(String(format: "eta %.0fs", eta)) }
        if let l = p.latency { parts.append(String(format: "latency p50 %.1f ms p99 %.1f ms, late %d", l.p50 * 1000, l.p99 * 1000, l.late)) }
        return parts.joined(separator: "  ")
    }

    private func emitJSON(_ p: PumpProgress, done: Bool) {
        var fields: [String: Any] = [
            "frames": p.framesWritten, "decoded": p.framesDecoded, "packets_copied": p.packetsCopied,
            "fps": (p.framesPerSecond * 100).rounded() / 100, "time": (p.position * 1000).rounded() / 1000,
            "elapsed": (p.elapsed * 1000).rounded() / 1000, "bytes": p.bytesWritten, "done": done,
        ]
        if let n = p.expectedFrames { fields["expected_frames"] = n }
        if let eta = p.eta { fields["eta"] = (eta * 10).rounded() / 10 }
        if let l = p.latency {
            func ms(_ s: Double) -> Double { (s * 10_000).rounded() / 10 }
            fields["latency_ms"] = ["p50": ms(l.p50), "p99": ms(l.p99), "max": ms(l.max), "deadline": ms(l.deadline),
                                    "writing": ms(l.meanWriting)]
            fields["late"] = l.late
            fields["dropped_late"] = l.dropped
            if done { fields["latency_histogram_5ms"] = l.histogram }
        }
        if let b = p.branchTiles {
            fields["branch_tiles"] = Dictionary(b.map { ($0.branch, $0.tiles) }, uniquingKeysWith: +)
        }
        if done {
            fields["corrupt_packets"] = p.corruptPackets
            fields["corrupt_frames"] = p.corruptFrames
            fields["dropped_packets"] = p.droppedPackets
            fields["dropped_frames"] = p.droppedFrames
            fields["truncated"] = p.truncatedInput
            if let why = p.inputReadError { fields["read_error"] = why }
            if let cut = p.inputShortfall {
                fields["truncated_at_s"] = (cut.reached * 1000).rounded() / 1000
                fields["stated_length_s"] = (cut.stated * 1000).rounded() / 1000
            }
            fields["reshaped_frames"] = p.reshapedFrames
            fields["timestamp_jumps"] = p.timestampJumps
            fields["seam_overlaps"] = p.seamOverlaps
            fields["streams_begun_late"] = p.streamsBegunLate.count
            fields["undecodable_lead_frames"] = p.undecodableLeadFrames
            fields["undecodable_lead_s"] = (p.undecodableLeadSeconds * 1000).rounded() / 1000
            fields["interrupted"] = p.interrupted
        }
        if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
            Console.write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = Double(n), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }
}
