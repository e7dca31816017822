import ArgumentParser
import ClarityMedia
import ClarityModels
import Foundation

/// Decode-only, the pump with the bicubic stage, and ffmpeg's own bicubic scale, on one clip.
struct BenchSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract: "Frames per second: decode only, the Clarity pump with bicubic, and ffmpeg's bicubic scale.",
        discussion: """
            The pump runs as `clarity transcode IN /dev/null --format y4m` (raw frames written, \
            then discarded); the baseline is `ffmpeg -i IN -vf scale=W:H:flags=bicubic \
            -f null -`. Each is run --runs times and the median is reported, with the pump's peak \
            memory.
            """)

    @Option(help: "Input clip (720p H.264 by default).")
    var input = "streams/dune-pan-720p-qp27.mp4"

    @Option(help: "Play the clip this many times back to back, for a longer measurement.")
    var loops = 4

    @Option(help: ArgumentHelp("Output size.", valueName: "WxH"))
    var size = "3840x2160"

    @Option(help: "Runs per measurement (the median is reported).")
    var runs = 3

    @Option(help: "Threads for the pump (0 = one per core).")
    var threads = 0

    @Option(help: "Also run the pump with these models (comma-separated names, families or files), whole frame, chroma included.")
    var models = ""

    @Option(help: "Precision for the model runs: fp32, bf16 or int8.")
    var precision = "fp32"

    func validate() throws {
        guard loops >= 1, runs >= 1 else { throw ValidationError("--loops and --runs must be at least 1") }
        let sides = size.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--size takes WIDTHxHEIGHT of 2 pixels or more (e.g. 3840x2160), not '\(size)'")
        }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or more") }
        guard ["auto", "fp32", "bf16", "int8"].contains(precision) else {
            throw ValidationError("--precision is auto, fp32, bf16 or int8, not '\(precision)'")
        }
    }

    func run() throws {
        try reportingErrors {
            try BenchProcess.requireFiles([input])
            // An audio file (no video) or a file that is not media at all, said as transcode says
            // it, and models the pump would not find, before the baseline's runs.
            _ = try MediaReader(url: input)
            for model in models.split(separator: ",").map(String.init) where !model.isEmpty {
                _ = try ModelCatalog.loadAsked(model, scale: 3)
            }
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-bench-\(getpid())")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let clip = work.appendingPathComponent("clip.mp4").path
            try BenchProcess.loopedClip(input, loops: loops, to: clip)
            let frames = try countFrames(clip)
            print("clarity bench speed  \(BenchMachine.summary)")
            print("input: \(input) x\(loops) = \(frames) frames, output \(size)\n")

            let decode = try median { try BenchProcess.time { _ = try countFrames(clip) } }
            let me = CommandLine.arguments[0]
            let pumpArgs = [me, "transcode", clip, "/dev/null", "--size", size, "--model", "bicubic", "--format", "y4m",
                            "--progress", "none", "--threads", String(threads)]
            var peak = 0
            let pump = try median {
                let r = try BenchProcess.timeChild(pumpArgs, what: "the pump")
                peak = max(peak, r.maxRSSKiB)
                return r.seconds
            }
            let dims = size.replacingOccurrences(of: "x", with: ":")
            let ffmpeg = try median {
                try BenchProcess.timeChild(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", clip, "-vf",
                                            "scale=\(dims):flags=bicubic", "-f", "null", "-"], what: "ffmpeg").seconds
            }
            let ffmpegRaw = try median {
                try BenchProcess.timeChild(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", clip, "-vf",
                                            "scale=\(dims):flags=bicubic", "-f", "yuv4mpegpipe", "-y", "/dev/null"],
                                           what: "ffmpeg").seconds
            }
            let fps = { (s: Double) in Double(frames) / s }
            var rows: [(String, Double)] = [
                ("decode only (clarity reader)", fps(decode)),
                ("clarity pump, bicubic -> y4m /dev/null", fps(pump)),
                ("ffmpeg -vf scale bicubic -f null (baseline)", fps(ffmpeg)),
                ("ffmpeg -vf scale bicubic -> y4m /dev/null", fps(ffmpegRaw)),
            ]
            for model in models.split(separator: ",").map(String.init) where !model.isEmpty {
                let seconds = try median {
                    try BenchProcess.timeChild(pumpArgs + ["--model", model, "--precision", precision], what: "the pump with \(model)").seconds
                }
                rows.append(("clarity pump, \(model) \(precision) -> y4m", fps(seconds)))
            }
            for (name, value) in rows {
                print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%8.1f fps", value)
                      + String(format: "   %.2fx baseline", value / fps(ffmpeg)))
            }
            print(String(format: "\npump / ffmpeg baseline: %.2f (target >= 0.5)", ffmpeg / pump))
            print(String(format: "pump / ffmpeg with the same raw output: %.2f", ffmpegRaw / pump))
            print("pump peak memory: \(peak / 1024) MiB")
        }
    }

    private func countFrames(_ path: String) throws -> Int {
        let reader = try MediaReader(url: path)
        var n = 0
        while let item = try reader.read() { if case .frame = item { n += 1 } }
        return n
    }

    private func median(_ measure: () throws -> Double) throws -> Double {
        let values = try (0..<runs).map { _ in try measure() }.sorted()
        return values[values.count / 2]
    }
}
