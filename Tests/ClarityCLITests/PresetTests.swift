import Foundation
import ClarityEngine
import XCTest

/// `--preset`: the bundled budgets and a user's own file route every frame to the right size,
/// and the report says which branches ran; a preset that does not exist is a clear error.
final class PresetTests: ToolTestCase {
    func testBundledAndOwnPresetsUpscaleEveryFrame() throws {
        try makeClip(seconds: 0.5)
        try Data(#"{"name": "mine", "about": "a test", "frame_budget_ms": 5000, "tile": 32, "overlap": 4, "canvas": "lanczos"}"#.utf8)
            .write(to: folder.appendingPathComponent("mine.json"))
        try Data(#"{"name": "odd", "about": "a test", "frame_budget_ms": 5, "tile": 32, "overlap": 4, "canvas": "blur"}"#.utf8)
            .write(to: folder.appendingPathComponent("odd.json"))
        try Data(#"{"name": "loose", "about": "a test", "frame_budget_ms": 5, "tile": 32, "overlap": 4, "hold_margin": 1}"#.utf8)
            .write(to: folder.appendingPathComponent("loose.json"))
        for preset in ["classsr", "quality", "mine.json"] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--preset", preset, "--no-audio", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), ["960,540"], preset)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).count, 15, preset)
            // The canvas under the tiles is named by its filter: bicubic unless the preset says.
            XCTAssertTrue(r.stderr.contains("tiles per branch: \(preset == "mine.json" ? "lanczos" : "bicubic")"), r.stderr)
            // A generous budget runs the best model on the whole frame; no budget routes tiles.
            XCTAssertEqual(r.stderr.contains("whole frames: "), preset != "classsr", r.stderr)
        }
        // Under its tight budget, realtime ranks the tiles by detail: the classifier's time
        // goes to model tiles instead.
        let realtime = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--preset", "realtime", "--no-audio", "--progress", "none"], in: folder)
        XCTAssertEqual(realtime.status, 0, realtime.stderr)
        XCTAssertTrue(realtime.stderr.contains("preset realtime at x3, tiles ranked by detail; tiles per branch: lanczos"), realtime.stderr)
        let odd = try Tool.clarity(["transcode", "in.mp4", "out2.mkv", "--preset", "odd.json"], in: folder)
        XCTAssertEqual(odd.status, 64, odd.stderr)
        XCTAssertTrue(odd.stderr.contains("unknown canvas 'blur'"), odd.stderr)
        let loose = try Tool.clarity(["transcode", "in.mp4", "out2.mkv", "--preset", "loose.json"], in: folder)
        XCTAssertEqual(loose.status, 64, loose.stderr)
        XCTAssertTrue(loose.stderr.contains("hold_margin must be in [0, 1)"), loose.stderr)
        let bad = try Tool.clarity(["transcode", "in.mp4", "out2.mkv", "--preset", "fastest"], in: folder)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("no preset 'fastest'"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("--deartifact"), bad.stderr)
        let cleaning = try Tool.clarity(["transcode", "in.mp4", "out2.mkv", "--preset", "deartifact-only"], in: folder)
        XCTAssertEqual(cleaning.status, 64, cleaning.stderr)
        XCTAssertTrue(cleaning.stderr.contains("artifact removal is --deartifact auto"), cleaning.stderr)
        let missing = try Tool.clarity(["transcode", "in.mp4", "out2.mkv", "--preset", "mine/fast.json"], in: folder)
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("preset file not found: mine/fast.json"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out2.mkv").path))
        // int8 takes its scales from the model files: every bundled model that int8 quantizes
        // carries them (eSR's one-channel convs stay fp32 and need none; they had been refused).
        for command in [["transcode", "in.mp4", "int8.mkv", "--preset", "balanced"], ["live", "in.mp4", "int8-live.mkv"]] {
            let int8 = try Tool.clarity(command + ["--precision", "int8", "--no-audio", "--progress", "none"], in: folder)
            XCTAssertEqual(int8.status, 0, int8.stderr)
        }
        // A model file without them cannot take them from the first frame, which routing times
        // its models before: refused, where it failed at the first model ("not calibrated", 1).
        try RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 7).serialized().write(to: folder.appendingPathComponent("random-c8.safetensors"))
        let uncalibrated = try Tool.clarity(["live", "in.mp4", "out3.mkv", "--models", "random-c8.safetensors,esr-max-k5-c2-x3", "--precision", "int8"],
                                            in: folder)
        XCTAssertEqual(uncalibrated.status, 64, uncalibrated.stderr)
        XCTAssertTrue(uncalibrated.stderr.contains("--precision int8 needs value ranges, which bicubicpp-shape-c8-x3 does not carry"), uncalibrated.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out3.mkv").path))
    }

    /// A preset routes between the models of the bundled scale nearest the requested size: x2
    /// up to twice the input (1080p to 4K), x3 beyond it and without a size; a classical resize
    /// takes the rest.
    func testPresetRoutesAtTheScaleOfTheRequestedSize() throws {
        try makeClip(seconds: 0.2)
        for (options, scale, size) in [(["--scale", "2"], 2, "640,360"), (["--size", "600x338"], 2, "600,338"), (["--size", "660x370"], 2, "660,370"),
                                       (["--size", "800x450"], 3, "800,450"), ([], 3, "960,540")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--preset", "balanced", "--no-audio", "--progress", "json"] + options,
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            // The progress reports the mix whether or not a resize follows the router.
            let tiles = LiveTests.finalReport(r.stderr)?["branch_tiles"] as? [String: Int]
            XCTAssertFalse(tiles?.isEmpty ?? true, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), [size], "\(options)")
            let mix = try XCTUnwrap(r.stderr.components(separatedBy: "\n").first {
                $0.hasPrefix("preset balanced at x\(scale), tiles ranked by classsr-w32-x\(scale); tiles per branch: ")
            }, r.stderr)
            // Every model in the mix is of that scale.
            let models = mix.components(separatedBy: ": ")[1].components(separatedBy: ", ").map { $0.components(separatedBy: " ")[0] }
                .filter { $0 != "bicubic" }
            XCTAssertFalse(models.isEmpty, mix)
            XCTAssertTrue(models.allSatisfy { $0.hasSuffix("-x\(scale)") || $0.hasSuffix("-x\(scale)-res") }, mix)
        }
    }

    /// 10-bit video goes through the routed models and stays 10-bit.
    func testTenBitVideoStaysTenBit() throws {
        try makeClip(seconds: 0.2, pixFmt: "yuv420p10le")
        let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "--preset", "quality", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height,pix_fmt", in: folder), ["960,540,yuv420p10le"])
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).count, 6)
        XCTAssertTrue(r.stderr.contains("whole frames: "), r.stderr)
    }
}
