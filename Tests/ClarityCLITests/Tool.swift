import ClarityProcess
import Foundation
import XCTest

/// Runs the built `clarity` (and ffmpeg / ffprobe) as a user would, from a scratch folder.
struct Tool {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The tool sits beside the test bundle in the build products (`make test` builds it first).
    static var clarity: String {
        let path = Bundle.main.bundleURL.appendingPathComponent("clarity").path
        return path
    }

    static func run(_ executable: String, _ arguments: [String], in folder: URL? = nil) throws -> Result {
        let r = try ChildProcess.run([executable] + arguments, directory: folder?.path)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderrText)
    }

    static func clarity(_ arguments: [String], in folder: URL? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: clarity) else {
            throw XCTSkip("build the tool first (`make test` does): \(clarity) is missing")
        }
        return try run(clarity, arguments, in: folder)
    }

    /// A shell pipeline, for the stdin/stdout cases.
    static func shell(_ command: String, in folder: URL) throws -> Result {
        try run("/bin/sh", ["-c", command], in: folder)
    }

    @discardableResult
    static func ffmpeg(_ arguments: [String], in folder: URL) throws -> Result {
        let r = try run("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments, in: folder)
        XCTAssertEqual(r.status, 0, "ffmpeg failed: \(r.stderr)")
        return r
    }

    /// The MD5 of each decoded video frame of `file`, in order (ffmpeg's framemd5).
    static func frameHashes(_ file: String, filter: String? = nil, in folder: URL) throws -> [String] {
        let r = try ffmpeg(["-i", file, "-map", "0:v"] + (filter.map { ["-vf", $0] } ?? []) + ["-f", "framemd5", "-"], in: folder)
        return r.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) }
    }

    /// The largest difference between the samples of two videos of one size, frame by frame, in
    /// luma and in chroma (both decoded as 8-bit 4:2:0); the frame counts must agree.
    static func largestDifference(_ a: String, _ b: String, in folder: URL) throws -> (luma: Int, chroma: Int) {
        let raw = { (file: String) -> [UInt8] in
            [UInt8](try ffmpeg(["-i", file, "-map", "0:v", "-fps_mode", "passthrough", "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"], in: folder).stdout)
        }
        let sizes = try probe(a, stream: "v", entries: "stream=width,height", in: folder).first?.split(separator: ",").compactMap { Int($0) } ?? []
        let (x, y) = (try raw(a), try raw(b))
        XCTAssertEqual(x.count, y.count, "\(a) and \(b) differ in length")
        guard sizes.count == 2, x.count == y.count else { return (255, 255) }
        let luma = sizes[0] * sizes[1], frame = luma + 2 * ((sizes[0] + 1) / 2) * ((sizes[1] + 1) / 2)
        var largest = (luma: 0, chroma: 0)
        for i in x.indices {
            let d = abs(Int(x[i]) - Int(y[i]))
            if i % frame < luma { largest.luma = max(largest.luma, d) } else { largest.chroma = max(largest.chroma, d) }
        }
        return largest
    }

    /// One line per entry of ffprobe's csv output for the selected stream.
    static func probe(_ file: String, stream: String, entries: String, in folder: URL, extra: [String] = []) throws -> [String] {
        let r = try run("ffprobe", ["-v", "error", "-select_streams", stream, "-show_entries", entries,
                                    "-of", "csv=p=0"] + extra + [file], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.text.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ", ")) }.filter { !$0.isEmpty }
    }
}

/// A scratch folder per test, with small clips made by ffmpeg from its test sources.
class ToolTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Each test times the router's costs afresh, in a cache of its own (children inherit it).
        setenv("XDG_CACHE_HOME", folder.path + "-cache", 1)
    }

    override func tearDownWithError() throws {
        // KEEP_TEST_FOLDER=1 keeps each test's files, to look at what a failing test made.
        if ProcessInfo.processInfo.environment["KEEP_TEST_FOLDER"] != nil {
            print("kept \(folder.path)")
        } else {
            try? FileManager.default.removeItem(at: folder)
        }
        try? FileManager.default.removeItem(atPath: folder.path + "-cache")
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() }

    /// Starts clarity with `args` (run by `under`, such as `nohup`, which must exec it) and
    /// waits (a minute at most) until it has written a first temporary output, however slow
    /// the machine.
    func startWriting(_ args: [String], stderr: ChildProcess.Output = .discard, under: [String] = [],
                      file: StaticString = #filePath, line: UInt = #line) throws -> ChildProcess {
        let p = try ChildProcess(under + [Tool.clarity] + args, directory: folder.path, stdout: .discard, stderr: stderr)
        XCTAssertTrue(waitForTemporaryFile(of: p), "nothing written in a minute", file: file, line: line)
        return p
    }

    /// Waits (a minute at most) while `p` runs until a temporary output of `output` (any, where
    /// nil) holds more than `bytes`; whether one does.
    func waitForTemporaryFile(of p: ChildProcess, output: String? = nil, bytes: Int = -1) -> Bool {
        func written() -> Bool {
            files.contains { name in
                name.contains(".clarity-") && output.map { name.hasPrefix(".\(($0 as NSString).deletingPathExtension).clarity-") } != false
                    && ((try? FileManager.default.attributesOfItem(atPath: path(name))[.size] as? Int) ?? -1) > bytes
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.isRunning && !written() { Thread.sleep(forTimeInterval: 0.05) }
        return written()
    }

    /// Runs clarity with `args`, which must fail with `status` and a message that mentions
    /// `words` (lower case), leaving nothing behind and saying nothing of a run.
    func expectFailure(_ args: [String], status: Int32, mentioning words: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = files
        let r = try Tool.clarity(args, in: folder)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.lowercased().contains(words), "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(files, before, "nothing may be left behind", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("not enhanced"), "nothing said of a run that does not happen: \(r.stderr)", file: file, line: line)
    }

    /// The first frame ffmpeg reads with `arguments` (an input and its options), as rgb24 bytes.
    func firstFrameRGB(_ arguments: [String]) throws -> [UInt8] {
        [UInt8](try Tool.run("ffmpeg", ["-v", "error"] + arguments + ["-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                             in: folder).stdout)
    }

    /// PSNR (dB) of two 8-bit pictures of one size, over every sample.
    func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        XCTAssertEqual(a.count, b.count)
        let squares = zip(a, b).map { pow(Double($0) - Double($1), 2) }.reduce(0, +)
        return 10 * log10(255 * 255 / (squares / Double(max(1, a.count))))
    }

    /// The first `fraction` of `name`'s bytes as `cut` (a copy or a download not finished).
    func cut(_ name: String, to cut: String, keeping fraction: Double = 0.5) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path(cut)))
    }

    /// The video frames ffmpeg decodes from `file`.
    func decodedFrames(_ file: String) throws -> Int {
        Int(try Tool.probe(file, stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"]).first ?? "") ?? 0
    }

    /// A 320x180 H.264 clip with an AAC track (2 s at 30 fps unless told otherwise).
    func makeClip(_ name: String = "in.mp4", seconds: Double = 2, pixFmt: String = "yuv420p", extra: [String] = []) throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                         "-t", String(seconds), "-c:v", "libx264", "-qp", "23", "-pix_fmt", pixFmt,
                         "-c:a", "aac", "-shortest"] + extra + [name], in: folder)
    }
}
