import ClarityProcess
import Foundation
import XCTest

/// `clarity live`: paced by timestamps, every frame accounted for, latency reported.
final class LiveTests: ToolTestCase {
    /// The last JSON progress line, the one that says the run is done.
    static func finalReport(_ stderr: String) -> [String: Any]? {
        stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.last { $0["done"] as? Bool == true }
    }

    /// A network source (UDP on this machine) that stops sending: the stream is taken as
    /// ended after `--input-timeout` seconds of silence (10 by default), the output complete;
    /// Ctrl-C during the silence finishes it at once. (A blocked read used to keep both waiting
    /// for ever.) The silence counts from the last bytes that came, also while the stream is
    /// opened (counted from the start of the run, this source, sending from about a second in,
    /// had been found silent at 2 s while FFmpeg was still reading it to learn its streams).
    func testASilentNetworkSourceEnds() throws {
        for interrupt in [false, true] {
            let port = Int.random(in: 20000..<60000)
            let live = try ChildProcess([Tool.clarity, "live", "udp://127.0.0.1:\(port)", "out.ts", "-y", "--format", "mpegts", "--scale", "2",
                                         "--progress", "none", "--input-timeout", "3"], directory: folder.path, stdout: .discard)
            Thread.sleep(forTimeInterval: 1)
            let sent = try Tool.run("ffmpeg", ["-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2",
                                               "-c:v", "libx264", "-g", "10", "-f", "mpegts", "udp://127.0.0.1:\(port)?pkt_size=1316"], in: folder)
            XCTAssertEqual(sent.status, 0, sent.stderr)
            let stopped = Date()
            if interrupt {
                Thread.sleep(forTimeInterval: 1)
                live.send(SIGINT)
            }
            let r = try live.wait()
            let waited = Date().timeIntervalSince(stopped)
            if interrupt {
                XCTAssertEqual(r.signal, SIGINT, r.stderrText)
                XCTAssertLessThan(waited, 5)
            } else {
                XCTAssertEqual(r.status, 0, r.stderrText)
                XCTAssertTrue(r.stderrText.contains("sent nothing for 3 s: taken as its end (--input-timeout waits longer)"), r.stderrText)
                XCTAssertGreaterThan(waited, 2.9)
                XCTAssertLessThan(waited, 8)
            }
            let frames = try Tool.probe("out.ts", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])
            XCTAssertGreaterThan(Int(frames.first ?? "") ?? 0, 20, "interrupted: \(interrupt)")
        }
    }

    func testAGenerousDeadlineWritesEveryFrameAndReportsLatency() throws {
        try makeClip(seconds: 0.5)
        let r = try Tool.clarity(["live", "in.mp4", "out.mkv", "--deadline", "5s", "--models", "esr-max-k5-c2-x3",
                                  "--tile", "32", "--progress", "json", "--no-audio"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let final = Self.finalReport(r.stderr)
        XCTAssertEqual(final?["frames"] as? Int, 15)
        XCTAssertEqual(final?["late"] as? Int, 0)
        let latency = final?["latency_ms"] as? [String: Double]
        XCTAssertNotNil(latency?["p99"])
        XCTAssertLessThanOrEqual(latency?["p50"] ?? .infinity, latency?["p99"] ?? 0)
        XCTAssertEqual(latency?["deadline"], 5000)
        XCTAssertGreaterThan(latency?["writing"] ?? 0, 0, "the writer's time a frame")
        XCTAssertLessThan(latency?["writing"] ?? .infinity, latency?["max"] ?? 0)
        XCTAssertTrue(r.stderr.contains("dropped; the writer took "), r.stderr)
        // Live, x264 runs ultrafast unless told (its options stand in the stream): veryfast
        // cannot keep a 30 fps pace at 1440p beside the enhancer on 2 cores.
        let options = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path("out.mkv"))), as: UTF8.self)
        XCTAssertTrue(options.contains("cabac=0") && options.contains("subme=0"), "x264's ultrafast")
        XCTAssertTrue(r.stderr.contains("branches (tiles ranked by detail): lanczos"), r.stderr)
        XCTAssertTrue(r.stderr.contains("% a frame\nmeasured costs: "), "the tiles changing branch: \(r.stderr)")
        // The JSON's branch mix counts every tile of every frame (320x180 in 32-px tiles: 10 x 6).
        let tiles = final?["branch_tiles"] as? [String: Int]
        XCTAssertEqual(Set(tiles?.keys ?? [:].keys), ["lanczos", "esr-max-k5-c2-x3", "bicubic"])
        XCTAssertEqual(tiles?.values.reduce(0, +), 15 * 60)
        XCTAssertEqual(tiles?["bicubic"], 0, "time for the Lanczos canvas: no fallback")
        XCTAssertGreaterThan(tiles?["esr-max-k5-c2-x3"] ?? 0, 0, "with time to spare, detailed tiles take the model")
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), ["960,540"])
        // Paced: 15 frames at 30 fps take at least half a second to release.
        XCTAssertGreaterThanOrEqual(final?["elapsed"] as? Double ?? 0, 0.45)
    }

    /// RGB with alpha (PNG in MOV, a GIF) goes live as transcode takes it: converted to YUVA
    /// for the luma stages, then to what the encoder takes (was refused: "the encoder cannot
    /// take yuva444p"); an encoder that takes YUVA keeps the alpha. YUV too.
    func testPicturesWithAlphaGoLive() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-vf", "format=rgba", "-c:v", "png", "in.mov"],
                        in: folder)
        for (codec, format) in [("libx264", "yuv444p"), ("ffv1", "yuva444p")] {
            let r = try Tool.clarity(["live", "in.mov", "out.mkv", "-y", "--deadline", "5s", "--codec", codec, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height,pix_fmt", in: folder), ["960,540,\(format)"], codec)
        }
        // YUV goes to an encoder that takes another format as in transcode (MJPEG's full range,
        // ProRes's 10 bits; was refused: "the encoder cannot take yuv420p").
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-c:v", "libx264", "yuv.mp4"], in: folder)
        for (codec, format) in [("mjpeg", "yuvj420p"), ("prores_ks", "yuv422p10le")] {
            let r = try Tool.clarity(["live", "yuv.mp4", "out.mkv", "-y", "--deadline", "5s", "--codec", codec, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height,pix_fmt", in: folder), ["960,540,\(format)"], codec)
        }
    }

    /// `--size` routes at the bundled scale nearest it (x2 up to twice the input, as 1080p to
    /// 4K), then the canvas filter resizes to it; a size no larger than the input is refused.
    func testSizeRoutesAtTheNearestScale() throws {
        try makeClip(seconds: 0.2)
        for (size, scale) in [("640x360", 2), ("800x450", 3)] {
            let r = try Tool.clarity(["live", "in.mp4", "out.mkv", "-y", "--deadline", "5s", "--size", size, "--tile", "32",
                                      "--progress", "json", "--no-audio"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), [size.replacingOccurrences(of: "x", with: ",")])
            let tiles = Self.finalReport(r.stderr)?["branch_tiles"] as? [String: Int] ?? [:]
            let models = tiles.keys.filter { !["lanczos", "bicubic"].contains($0) }
            XCTAssertFalse(models.isEmpty, r.stderr)
            XCTAssertTrue(models.allSatisfy { $0.contains("-x\(scale)") }, "\(size): \(models)")
            XCTAssertEqual(tiles.values.reduce(0, +), 6 * 60, "320x180 in 32-px tiles, 6 frames")
            XCTAssertTrue(r.stderr.contains("branches (tiles ranked by detail): "), r.stderr)
        }
        // The bundled classifier of the scale's models, when asked for.
        let classified = try Tool.clarity(["live", "in.mp4", "out.mkv", "-y", "--deadline", "5s", "--size", "640x360", "--classifier", "auto",
                                           "--tile", "32", "--progress", "none", "--no-audio"], in: folder)
        XCTAssertEqual(classified.status, 0, classified.stderr)
        XCTAssertTrue(classified.stderr.contains("branches (tiles ranked by classsr-w32-x2): "), classified.stderr)
        // Models of one scale only route at theirs.
        let named = try Tool.clarity(["live", "in.mp4", "out.mkv", "-y", "--deadline", "5s", "--size", "640x360", "--models", "esr-max-k5-c2-x3",
                                      "--tile", "32", "--progress", "json", "--no-audio"], in: folder)
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertNotNil((Self.finalReport(named.stderr)?["branch_tiles"] as? [String: Int])?["esr-max-k5-c2-x3"], named.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), ["640,360"])
        let smaller = try Tool.clarity(["live", "in.mp4", "x.mkv", "--size", "200x100"], in: folder)
        XCTAssertEqual(smaller.status, 64, smaller.stderr)
        XCTAssertTrue(smaller.stderr.contains("live mode upscales, and 200x100 is no larger than the input (320x180)"), smaller.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.mkv")))
    }

    /// `clarity bench live` on a small lossless clip, quality runs only: both runs report their
    /// latency, their branch mix with its ranking, and a gain over ffmpeg's bicubic. The
    /// reference is 4:2:2, as a clip made from a JPEG is (the bench scores 4:2:0 luma), and
    /// 327x184: cropped to a multiple of 3 it was 324x183, an odd side, with which a 4:2:0
    /// clip made the bench trap (its scores' planes of different sizes); now to one of 6.
    func testBenchLiveReportsQualityAndBranches() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=327x184:rate=30", "-frames:v", "12", "-pix_fmt", "yuv422p", "-c:v", "ffv1", "ref.mkv"], in: folder)
        let r = try Tool.clarity(["bench", "live", "--loops", "0", "--reference", "ref.mkv", "--scale", "3", "--deadline", "1s"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.text.contains("ref.mkv cropped to 324x180, x3 down"), r.text)
        XCTAssertEqual(r.text.components(separatedBy: "\nbranches (tiles ranked by detail): lanczos").count, 3, r.text)
        XCTAssertEqual(r.text.components(separatedBy: "\nY-PSNR: live ").count, 3, r.text)
        XCTAssertTrue(r.text.contains("0 of 12 frames over the 1000.0 ms deadline"), r.text)
        // The baseline's score (the clips scored as they are read) is ffmpeg's mean of its
        // frames' Y-PSNR for the same crop, x3 down and back up.
        try Tool.ffmpeg(["-i", "ref.mkv", "-vf", "crop=324:180:0:0,format=yuv420p", "-c:v", "ffv1", "hr.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "hr.mkv", "-vf", "scale=108:60:flags=bicubic", "lr.y4m"], in: folder)
        try Tool.ffmpeg(["-i", "lr.y4m", "-vf", "scale=324:180:flags=bicubic", "-c:v", "ffv1", "bicubic.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "hr.mkv", "-i", "bicubic.mkv", "-lavfi", "[1:v][0:v]psnr=stats_file=psnr.log", "-f", "null", "-"], in: folder)
        let frames = try String(contentsOfFile: path("psnr.log"), encoding: .utf8).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first { $0.hasPrefix("psnr_y:") }.flatMap { Double($0.dropFirst(7)) } }
        XCTAssertEqual(frames.count, 12)
        let reported = r.text.components(separatedBy: "ffmpeg bicubic ").dropFirst().compactMap { Double($0.prefix { $0 != " " }) }
        XCTAssertEqual(reported.count, 2, r.text)
        for score in reported { XCTAssertEqual(score, frames.reduce(0, +) / 12, accuracy: 0.006, r.text) }
    }

    func testFullWidthBandsAreRoutedLikeTiles() throws {
        try makeClip(seconds: 0.3)
        let r = try Tool.clarity(["live", "in.mp4", "out.mkv", "--deadline", "5s", "--models", "esr-max-k5-c2-x3,bicubicpp-c8-x3",
                                  "--tile", "32", "--tile-width", "0", "--progress", "json", "--no-audio"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let final = Self.finalReport(r.stderr)
        XCTAssertEqual(final?["frames"] as? Int, 9)
        XCTAssertEqual(final?["late"] as? Int, 0)
        // 180 rows in 32-row bands: 6 per frame, and with time to spare the detailed ones take a model.
        let tiles = final?["branch_tiles"] as? [String: Int]
        XCTAssertEqual(tiles?.values.reduce(0, +), 9 * 6)
        XCTAssertGreaterThan((tiles?["esr-max-k5-c2-x3"] ?? 0) + (tiles?["bicubicpp-c8-x3"] ?? 0), 0)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), ["960,540"])
        // Bands are routed by detail: a classifier of square tiles is refused.
        let refused = try Tool.clarity(["live", "in.mp4", "x.mkv", "--tile-width", "0", "--classifier", "classsr-w32-x3"], in: folder)
        XCTAssertEqual(refused.status, 64, refused.stderr)
    }

    func testAnImpossibleDeadlineDropsLateFramesOnlyWhenAsked() throws {
        try makeClip(seconds: 1)
        for drop in [false, true] {
            let r = try Tool.clarity(["live", "in.mp4", "out.mkv", "-y", "--deadline", "0.01ms", "--models", "esr-max-k5-c2-x3",
                                      "--tile", "32", "--progress", "json", "--no-audio"] + (drop ? ["--drop-late"] : []), in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let final = Self.finalReport(r.stderr)
            XCTAssertEqual(final?["late"] as? Int, 30)
            XCTAssertEqual(final?["frames"] as? Int, drop ? 0 : 30)
            XCTAssertEqual(final?["dropped_late"] as? Int, drop ? 30 : 0)
            // Under an impossible deadline no model runs; once half of 30 frames were late, the
            // stream is behind and the others fall back to the bicubic canvas.
            let tiles = final?["branch_tiles"] as? [String: Int]
            XCTAssertEqual(tiles?["esr-max-k5-c2-x3"], 0, r.stderr)
            XCTAssertEqual((tiles?["lanczos"] ?? 0) + (tiles?["bicubic"] ?? 0), 30 * 60)
            XCTAssertGreaterThanOrEqual(tiles?["bicubic"] ?? 0, 10 * 60, r.stderr)
            XCTAssertGreaterThanOrEqual(tiles?["lanczos"] ?? 0, 15 * 60, "not behind after the first late frames: \(r.stderr)")
        }
    }

    /// `--deartifact auto` runs RBQE first within its share of the frame: with time to spare
    /// its tiles take exits; under a deadline too short for one tile they keep their input,
    /// which is said before the first frame, and the summary says what would give one room.
    func testArtifactRemovalTakesItsShareOfTheFrame() throws {
        try makeClip(seconds: 3, extra: ["-r", "1"])  // 3 frames, a second apart (6 tiles of a debug build)
        for (deadline, ran) in [("5s", true), ("1ms", false)] {
            let r = try Tool.clarity(["live", "in.mp4", "out.mkv", "-y", "--deadline", deadline, "--models", "esr-max-k5-c2-x3",
                                      "--tile", "32", "--deartifact", "auto", "--deartifact-share", "1", "--no-audio"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let line = r.stderr.split(separator: "\n").first { $0.hasPrefix("artifact removal (rbqe-lite): exit 1") }
            XCTAssertNotNil(line, r.stderr)
            XCTAssertEqual(line?.contains("kept their input 0%"), ran, String(line ?? ""))
            XCTAssertEqual(line?.contains("kept their input 100%"), !ran, String(line ?? ""))
            XCTAssertEqual(line?.contains("gives one tile room"), !ran, "what would, at the costs measured: \(line ?? "")")
            let warning = r.stderr.split(separator: "\n").firstIndex { $0.hasPrefix("clarity: warning: artifact removal fits no tile in its ") }
            XCTAssertEqual(warning != nil, !ran, r.stderr)
            if let warning, let summary = r.stderr.split(separator: "\n").firstIndex(where: { $0.hasPrefix("latency: ") }) {
                XCTAssertLessThan(warning, summary, "said at set-up: \(r.stderr)")
            }
        }
        let refused = try Tool.clarity(["live", "in.mp4", "x.mkv", "--deartifact-share", "0"], in: folder)
        XCTAssertEqual(refused.status, 64, refused.stderr)
    }

    /// By default the upscaling stage's share of the frame time grows while frames are written
    /// well within it (here 30 frames at 5 fps, 200 ms each, through a pipe, unpaced); a share
    /// given is kept as given, and said no more.
    func testTheStageShareGrowsWithRoomAndStaysWhereGiven() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=5", "-frames:v", "30", "in.y4m"], in: folder)
        let live = "'\(Tool.clarity)' live - out.y4m -y --models esr-max-k5-c2-x3 --tile 32"
        let grown = try Tool.shell("cat in.y4m | \(live)", in: folder)
        XCTAssertEqual(grown.status, 0, grown.stderr)
        let line = grown.stderr.split(separator: "\n").first { $0.hasPrefix("stage share: ") }.map(String.init) ?? ""
        // "stage share: 0.43 on average, 0.35-0.55 (of 0.10-0.80: ..."
        let range = line.split(separator: " ").dropFirst(5).first?.split(separator: "-").compactMap { Double($0) } ?? []
        XCTAssertEqual(range.count, 2, grown.stderr)
        XCTAssertEqual(range.first ?? 0, 0.35, accuracy: 1e-9, line)
        XCTAssertGreaterThanOrEqual(range.last ?? 0, 0.45, "ten settling frames, then a step a frame: \(line)")
        XCTAssertTrue(line.contains("(of 0.10-0.80: up while"), line)
        let fixed = try Tool.shell("cat in.y4m | \(live) --stage-share 0.5", in: folder)
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertTrue(fixed.stderr.contains("\nmeasured costs: "), fixed.stderr)
        XCTAssertFalse(fixed.stderr.contains("stage share"), fixed.stderr)
        XCTAssertEqual(try Tool.clarity(["live", "in.y4m", "x.y4m", "--stage-share", "1.5"], in: folder).status, 64)
    }

    /// A file plays at its timestamps' pace, also when stdin is redirected from it (it was
    /// taken as fast as it was read, as a pipe is); a pipe is taken as it comes, also named
    /// /dev/stdin (which was paced).
    func testAFileOnStdinIsPacedAndAPipeIsNot() throws {
        try makeClip(seconds: 3)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "in.mkv"], in: folder)
        let live = "'\(Tool.clarity)' live -y --progress json --deadline 5ms --no-audio"
        for (command, paced) in [("\(live) in.mkv out.y4m", true), ("\(live) - out.y4m < in.mkv", true),
                                 ("cat in.mkv | \(live) - out.y4m", false), ("cat in.mkv | \(live) /dev/stdin out.y4m", false)] {
            let r = try Tool.shell(command, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let final = Self.finalReport(r.stderr)
            XCTAssertEqual(final?["frames"] as? Int, 90, command)
            // 90 frames at 30 fps take 3 s to release; as they come, a fraction of that.
            let elapsed = final?["elapsed"] as? Double ?? 0
            XCTAssert(paced ? elapsed >= 2.9 : elapsed < 2, "\(command): \(elapsed) s")
        }
    }

    func testBadDeadlinesAreRefused() throws {
        for args in [["--deadline", "soon"], ["--fps", "0"], ["--fps", "fast"], ["--gain-reuse=-1"], ["--hold-margin", "1"],
                     ["--scale", "2", "--size", "640x360"], ["--scale", "1"], ["--size", "big"]] {
            let r = try Tool.clarity(["live", "in.mp4", "out.mkv"] + args, in: folder)
            XCTAssertEqual(r.status, 64, args.joined(separator: " "))
        }
    }
}
