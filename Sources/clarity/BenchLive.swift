import ArgumentParser
import CFFmpeg
import ClarityMedia
import ClarityProcess
import Foundation

/// `clarity bench live`: does live mode hold its deadline, with and without another process
/// on one core, and what quality does it keep under the deadline.
struct BenchLive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Live mode against its deadline (alone and beside a CPU hog), and its Y-PSNR against bicubic.",
        discussion: """
            Machine steadiness first: one thread repeats a fixed ~5 ms unit of arithmetic (with \
            pauses, like a frame's work) and reports how much slower the slowest units ran; a unit \
            whose CPU time grew as much as its wall time ran on a withheld or slowed CPU, which no \
            deadline logic can win back. Deadline: `clarity live` on the --input clip played --loops times, --deadline D, raw y4m \
            to /dev/null, once alone and \
            once with a busy loop pinned to no core in particular (one core's worth of load); latency \
            percentiles, late frames and the branch mix come from the run's own JSON report. Quality: \
            the lossless --reference clip, cropped to a multiple of twice --scale and downscaled by it (swscale \
            bicubic, kept raw so that live mode pays no decode), is upscaled back by `clarity live` under the same deadline (alone, then beside \
            the busy loop: the quality it gives up to stay on time) and by ffmpeg's bicubic; both are \
            scored against the reference (mean Y-PSNR over frames).
            """)

    @Option(help: "Clip for the deadline runs (720p 30 fps in the bundled samples).")
    var input = "streams/dune-pan-720p-qp27.mp4"

    @Option(help: "Play the deadline runs' clip this many times back to back (4: 300 frames of the bundled sample, so that 99% on time allows 3 late frames rather than none); 0 skips the deadline runs (quality only).")
    var loops = 4

    @Option(help: "Lossless clip for the quality run (a 4K one makes it a 720p -> 4K run).")
    var reference = "streams/dune-pan-720p-lossless.mkv"

    @Option(help: "Per-frame deadline.")
    var deadline = "33ms"

    @Option(help: "Upscaling factor of the live runs (2: 1080p to 4K from a 1080p --input).")
    var scale = 3

    @Option(parsing: .remaining, help: "Further options for `clarity live` (e.g. --models ... --tile 48).")
    var liveOptions: [String] = []

    func validate() throws {
        guard loops >= 0 else { throw ValidationError("--loops must be 0 (no deadline runs) or more") }
        guard scale >= 2 else { throw ValidationError("--scale must be 2 or more") }
        // What the live runs are given, checked as `clarity live` checks it, before any run.
        do {
            _ = try Live.parse(["IN", "OUT", "--deadline", deadline, "--scale", String(scale)] + liveOptions)
        } catch {
            throw ValidationError(Live.message(for: error))
        }
    }

    func run() throws {
        try reportingErrors {
            let tool = CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0]
                : (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/clarity" }
                    .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "clarity"
            try BenchProcess.requireFiles((loops > 0 ? [input] : []) + [reference])
            print("clarity bench live  \(BenchMachine.summary)")
            print("command: \(CommandLine.arguments.map(BenchQuality.shellQuoted).joined(separator: " "))\n")
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-bench-live-\(getpid())")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let clip = scratch.appendingPathComponent("clip.mp4").path
            if loops > 0 { try BenchProcess.loopedClip(input, loops: loops, to: clip) }
            for loaded in [false, true] {
                let probe = try besideBusyLoop(loaded) { CPUJitterProbe().run() }
                print("machine steadiness\(loaded ? ", with a busy loop beside it" : ""): \(probe.summary)")
            }
            print("")
            for loaded in [false, true] where loops > 0 {
                let report = try besideBusyLoop(loaded) { try live(tool, [clip, "/dev/null", "--format", "y4m"]) }
                print("\(loaded ? "with a busy loop beside it" : "alone"): \(input) x\(loops), upscaled x\(scale) to y4m, deadline \(deadline)")
                print(report.summary + "\n")
            }
            // Quality under the deadline.
            let original = try MediaReader(url: reference).videoFormat
            // Sides of a multiple of twice the scale: even at both sizes, as 4:2:0 takes them
            // (an odd crop, 1365 of a 1366-wide clip at x3, was read back a column short).
            let unit = 2 * scale
            let (w, h) = (original.width / unit * unit, original.height / unit * unit)
            guard w > 0, h > 0 else {
                throw MediaError(.invalidArgument, "\(reference) is \(original.width)x\(original.height): too small to score at x\(scale) "
                                 + "(at least \(unit)x\(unit))")
            }
            // The low-resolution clip is raw (y4m): live mode pays no decode for it, as from a
            // camera; an ffv1 decode took a core at 720p and made the 4K run unfair.
            let hr = scratch.appendingPathComponent("hr.mkv").path, lr = scratch.appendingPathComponent("lr.y4m").path
            let bicubic = scratch.appendingPathComponent("bicubic.mkv").path
            // 4:2:0 whatever the reference is (a clip from a JPEG is 4:2:2): the score is luma's,
            // and the stream reader takes 8-bit 4:2:0.
            try ffmpeg(["-i", reference, "-vf", "crop=\(w):\(h):0:0,format=yuv420p", "-c:v", "ffv1", hr])
            try ffmpeg(["-i", hr, "-vf", "scale=\(w / scale):\(h / scale):flags=bicubic", lr])
            try ffmpeg(["-i", lr, "-vf", "scale=\(w):\(h):flags=bicubic", "-c:v", "ffv1", bicubic])
            // Clips are scored as they are read, the live run's output alone held (at 4K, 2.5 GB
            // for 300 frames, where the reference, its crop and ffmpeg's bicubic were too).
            let truth = try LumaFrames(path: hr), baseline = try LumaFrames(path: bicubic)
            let base = try LumaScores(width: w, height: h, reference: truth.next, other: baseline.next)
            for loaded in [false, true] {
                // Raw y4m out, as in the deadline runs (an ffv1 encoder takes most of a 720p
                // frame's time), streamed back through a pipe into planes filled before the run.
                // Not into a file: on this project's machine (a VM whose freed memory goes back
                // to its host) the 746 MB of a fresh file in tmpfs made frames wait hundreds of
                // ms on page faults, and a file on disk overwritten by the second run doubled
                // its median latency.
                // Filled with 1, not 0: a zero fill may become calloc, whose fresh pages are
                // touched only when the frames arrive. The stream is read straight into them
                // (a demuxer would take a fresh 12 MB packet per frame).
                var planes = (0..<base.frames).map { _ in [UInt8](repeating: 1, count: w * h) }
                var received = 0
                // The preparation wrote hundreds of MB of clips that the kernel would otherwise
                // write back to disk during the run (frames then stalled for 50-150 ms).
                sync()
                let report = try besideBusyLoop(loaded) {
                    try live(tool, [lr, "-", "--format", "y4m"]) { fd in
                        received = try Y4MLumaReader(fd: fd).read(into: &planes, width: w, height: h)
                    }
                }
                guard received == planes.count else {
                    throw MediaError(.codec, "clarity live wrote \(received) frames of \(planes.count)")
                }
                var output = planes.makeIterator()
                let model = try LumaScores(width: w, height: h, reference: LumaFrames(path: hr).next, other: { output.next() }).mean
                print("\nquality\(loaded ? ", with a busy loop beside it" : ""): \(reference) cropped to \(w)x\(h), x\(scale) down (swscale bicubic) and back up, deadline \(deadline)")
                print(report.summary)
                print(String(format: "Y-PSNR: live %.3f dB, ffmpeg bicubic %.3f dB, gain %+.3f dB (SSIM %.4f vs %.4f)",
                             model.psnr, base.mean.psnr, model.psnr - base.mean.psnr, model.ssim, base.mean.ssim))
            }
        }
    }

    /// Runs `body`, beside a shell busy loop (one core's worth of load) when `loaded`.
    private func besideBusyLoop<T>(_ loaded: Bool, _ body: () throws -> T) throws -> T {
        let hog = loaded ? try ChildProcess(["sh", "-c", "while :; do :; done"], stdout: .discard, stderr: .discard) : nil
        defer { hog?.send(SIGKILL); _ = try? hog?.wait() }
        return try body()
    }

    /// One `clarity live` run with JSON progress: its final report and stderr's summary lines.
    /// With `output`, its output is "-", which `output` reads from the pipe it is given.
    private func live(_ tool: String, _ arguments: [String],
                      output: ((Int32) throws -> Void)? = nil) throws -> (json: [String: Any], summary: String) {
        let child = try ChildProcess([tool, "live"] + arguments + ["--deadline", deadline, "--scale", String(scale), "--progress", "json"] + liveOptions,
                                     stdout: output == nil ? .discard : .stream)
        if let output, let fd = child.outputPipe {
            do {
                try output(fd)
            } catch {
                // Unread, its output would block it forever.
                child.send(SIGKILL)
                let r = try child.wait()
                // Its output ended because it refused to run (a live option it does not take).
                if ExitStatus.refusal(r.status) != nil {
                    throw BenchProcess.failure(of: "clarity live", program: tool, status: r.status, stderr: r.stderrText)
                }
                throw MediaError(.codec, "reading clarity live's output: \(error) (clarity live: \(r.stderrText.suffix(400)))")
            }
        }
        let r = try child.wait()
        let lines = r.stderrText.split(separator: "\n").map(String.init)
        guard r.status == 0 else { throw BenchProcess.failure(of: "clarity live", program: tool, status: r.status, stderr: r.stderrText) }
        guard let last = lines.compactMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            .last(where: { $0["done"] as? Bool == true }) else {
            throw MediaError(.codec, "clarity live gave no final report: \(r.stderrText.suffix(400))")
        }
        var text = lines.filter { $0.hasPrefix("latency:") || $0.hasPrefix("branches") || $0.hasPrefix("stage share") }.joined(separator: "\n")
        if let buckets = last["latency_histogram_5ms"] as? [Int] {
            text += "\nlatency histogram (ms: frames): " + buckets.enumerated().filter { $0.element > 0 }
                .map { "\($0.offset * 5)\($0.offset == buckets.count - 1 ? "+" : "-\($0.offset * 5 + 5)"): \($0.element)" }
                .joined(separator: ", ")
        }
        return (last, text)
    }

    private func ffmpeg(_ arguments: [String]) throws {
        let r = try ChildProcess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"] + arguments, stdout: .discard)
        guard r.status == 0 else { throw MediaError(.codec, "ffmpeg failed: \(r.stderrText)") }
    }
}

/// Reads an 8-bit 4:2:0 yuv4mpeg stream from a pipe with no allocation per frame: each
/// frame's luma lands in the next of the caller's planes, its chroma in one scratch buffer.
struct Y4MLumaReader {
    let fd: Int32

    /// Reads to the end of the stream; returns the frames read (those past `planes.count`
    /// are read and dropped).
    func read(into planes: inout [[UInt8]], width: Int, height: Int) throws -> Int {
        guard let header = try line(), header.hasPrefix("YUV4MPEG2") else { throw MediaError(.codec, "not a yuv4mpeg stream") }
        let tags = header.split(separator: " ")
        guard tags.contains("W\(width)"), tags.contains("H\(height)") else {
            throw MediaError(.codec, "expected \(width)x\(height) frames, got \(header)")
        }
        if let c = tags.first(where: { $0.hasPrefix("C") }), !c.hasPrefix("C420") || c.contains("p1") {
            throw MediaError(.codec, "expected 8-bit 4:2:0 frames, got \(c)")
        }
        var spare = [UInt8](repeating: 1, count: width * height)
        var chroma = [UInt8](repeating: 1, count: 2 * ((width + 1) / 2) * ((height + 1) / 2))
        var count = 0
        while let frame = try line() {
            guard frame.hasPrefix("FRAME") else { throw MediaError(.codec, "expected FRAME, got \(frame.prefix(20))") }
            if count < planes.count {
                try planes[count].withUnsafeMutableBytes { try fill($0) }
            } else {
                try spare.withUnsafeMutableBytes { try fill($0) }
            }
            try chroma.withUnsafeMutableBytes { try fill($0) }
            count += 1
        }
        return count
    }

    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        var got = 0
        while got < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + got, buffer.count - got)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw MediaError(.codec, "the stream ended inside a frame") }
            got += n
        }
    }

    /// One header line without its newline; nil at the end of the stream.
    private func line() throws -> String? {
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &c, 1)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw MediaError(.codec, "reading the stream: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if c == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(c)
        }
    }
}
