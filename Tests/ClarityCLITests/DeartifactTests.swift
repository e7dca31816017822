import ClarityEngine
import Foundation
import XCTest

/// `--deartifact` on transcode and `probe`, with an RBQE-shaped model file of random weights
/// (what the tool does with a model, not how good the model is: BundledModelTests holds that).
final class DeartifactTests: ToolTestCase {
    /// Writes `rbqe.safetensors`: 3 levels (2 exits), IQAM threshold 0.5 on 64-pixel tiles,
    /// unless told otherwise.
    func writeModel(levels: Int = 3, threshold: Double = 0.5, settle: Double? = nil) throws {
        var graph = RandomModels.rbqeGraph(channels: 8, levels: levels)
        graph.earlyExit = .init(iqamBlock: 4, threshold: threshold, settle: settle, tile: 64)
        let model = try Model(graph: graph, weights: RandomModels.weights(for: graph, seed: 3))
        try model.serialized().write(to: folder.appendingPathComponent("rbqe.safetensors"))
    }

    func testTranscodeWithAndWithoutUpscaling() throws {
        try makeClip(seconds: 0.5)
        try writeModel()
        for (mode, scale, size) in [("auto", nil, "320,180"), ("max", "2", "640,360")] as [(String, String?, String)] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--progress", "none",
                                      "--deartifact", mode, "--deartifact-model", "rbqe.safetensors"]
                                     + (scale.map { ["--scale", $0] } ?? []), in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("tiles per exit: exit 1:"), r.stderr)
            if mode == "max" { XCTAssertTrue(r.stderr.contains("exit 1: 0%, exit 2: 100%"), r.stderr) }
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), [size])
            let frames = try Tool.probe("out.mkv", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])
            XCTAssertEqual(frames, ["15"])
        }
    }

    /// Frames side by side, each copy on one thread, give the one-at-a-time output and a
    /// report that counts every frame's tiles.
    func testFramesSideBySideGiveTheSameOutput() throws {
        try makeClip(seconds: 0.5)
        try writeModel()
        var reports: [Substring] = []
        for n in [1, 2] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out\(n).mkv", "--deartifact", "auto", "--deartifact-model", "rbqe.safetensors",
                                      "--parallel-frames", String(n), "--threads", "2", "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            reports += r.stderr.split(separator: "\n").filter { $0.contains("tiles per exit") }
        }
        XCTAssertEqual(reports.count, 2)
        XCTAssertTrue(reports.last?.contains("2 frames at once") == true, "\(reports)")
        XCTAssertEqual(reports.first?.split(separator: ":").dropFirst(), reports.last?.split(separator: ":").dropFirst())
        let frames = { (file: String) in try Tool.probe(file, stream: "v", entries: "packet=pts_time,data_hash", in: self.folder,
                                                        extra: ["-show_data_hash", "md5"]) }
        let one = try frames("out1.mkv")
        XCTAssertEqual(one.count, 15)
        XCTAssertEqual(try frames("out2.mkv"), one)
    }

    /// `--deartifact-ensemble` averages views of each tile: a different picture, the same frames.
    func testEnsembleOfViews() throws {
        try makeClip(seconds: 0.2)
        try writeModel()
        var hashes: [[String]] = []
        for n in ["1", "2"] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out\(n).mkv", "--deartifact", "max", "--deartifact-model", "rbqe.safetensors",
                                      "--deartifact-ensemble", n, "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.contains(", 2 views a tile"), n == "2", r.stderr)
            hashes.append(try Tool.probe("out\(n).mkv", stream: "v", entries: "packet=data_hash", in: folder, extra: ["-show_data_hash", "md5"]))
        }
        XCTAssertEqual(hashes[0].count, 6)
        XCTAssertEqual(hashes[1].count, 6)
        XCTAssertNotEqual(hashes[0], hashes[1])
        let bad = try Tool.clarity(["transcode", "in.mp4", "x.mkv", "--deartifact", "max", "--deartifact-ensemble", "3"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--deartifact-ensemble must be 1, 2, 4 or 8"), bad.stderr)
    }

    func testProbeShowsTheExitsOfEveryFrame() throws {
        try makeClip(seconds: 0.2)
        try writeModel()
        let r = try Tool.clarity(["probe", "in.mp4", "--json", "--deartifact", "auto", "--deartifact-model", "rbqe.safetensors"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let exits = obj?["exits"] as? [Int] ?? []
            // 320x180 in 64-pixel tiles: 5 x 3 tiles, each counted at exactly one exit.
            XCTAssertEqual(exits.count, 2)
            XCTAssertEqual(exits.reduce(0, +), 15)
        }
    }

    /// The settle bound comes from the model file unless `--deartifact-settle` overrides it
    /// (0: off). With an IQAM threshold no tile reaches, every tile leaves at the middle of
    /// three exits when any change passes the bound, and at the last when none is tested.
    func testTheSettleBoundFromTheFileOrTheCommandLine() throws {
        try makeClip(seconds: 0.1)
        func exits(_ extra: [String]) throws -> [[Int]] {
            let r = try Tool.clarity(["probe", "in.mp4", "--json", "--deartifact", "auto", "--deartifact-model", "rbqe.safetensors"] + extra,
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try r.text.split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.map { $0?["exits"] as? [Int] ?? [] }
        }
        let middle = [[Int]](repeating: [0, 15, 0], count: 3), last = [[Int]](repeating: [0, 0, 15], count: 3)
        try writeModel(levels: 4, threshold: 1.01, settle: 1e6)
        XCTAssertEqual(try exits([]), middle)
        XCTAssertEqual(try exits(["--deartifact-settle", "0"]), last)
        try writeModel(levels: 4, threshold: 1.01)
        XCTAssertEqual(try exits([]), last)
        XCTAssertEqual(try exits(["--deartifact-settle", "1e6"]), middle)
        let bad = try Tool.clarity(["probe", "in.mp4", "--deartifact", "auto", "--deartifact-settle=-1"], in: folder)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--deartifact-settle must be 0 or more"), bad.stderr)
    }

    func testAnUpscalerIsNotAnArtifactRemover() throws {
        try makeClip(seconds: 0.2)
        let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "--deartifact", "auto", "--deartifact-model", "bicubicpp-c32-x3"], in: folder)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("not an artifact-removal"), r.stderr)
        XCTAssertEqual(files, ["in.mp4"])
    }

    func testBenchComparesEveryMethodOverTheCompressedInput() throws {
        try writeModel()
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30", "-frames:v", "4", "-c:v", "ffv1", "ref.mkv"], in: folder)
        let r = try Tool.clarity(["bench", "deartifact", "--reference", "ref.mkv", "--qps", "37", "--frames", "2", "--step", "3",
                                  "--models", "rbqe.safetensors", "--json"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        XCTAssertEqual((doc?["frames"] as? [String: Any])?["ref.mkv"] as? [Int], [0, 3])
        let rows = (doc?["clips"] as? [String: Any])?["ref.mkv"] as? [[String: Any]] ?? []
        let methods = rows.compactMap { $0["method"] as? String }
        XCTAssertEqual(methods.count, 6, "\(methods)")
        XCTAssertEqual(methods.first, "compressed input")
        XCTAssertEqual(methods.filter { $0.hasPrefix("ffmpeg ") }.count, 3)
        for row in rows {
            XCTAssertEqual(row["qp"] as? Int, 37)
            let psnr = row["psnr"] as? Double ?? 0
            XCTAssertTrue(psnr > 10 && psnr < 99, "\(row)")
            if let share = row["exitShare"] as? [Double] {
                XCTAssertEqual(share.reduce(0, +), 1, accuracy: 1e-9)
                XCTAssertGreaterThan(row["gmacsPerFrame"] as? Double ?? 0, 0)
            }
        }
        let deepest = rows.first { ($0["method"] as? String)?.hasSuffix("(deepest exit)") == true }
        XCTAssertEqual(deepest?["exitShare"] as? [Double], [0, 1])
    }
}
