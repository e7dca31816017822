import Foundation
import XCTest

final class PipeTests: ToolTestCase {
    func testY4MPipeRoundTripIsExactWithoutResize() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe | ffmpeg -v error -y -f yuv4mpegpipe -i - -c:v ffv1 out.mkv", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let hashes = { (f: String) in try Tool.run("ffmpeg", ["-v", "error", "-i", f, "-map", "0:v", "-f", "framemd5", "-"], in: self.folder).text
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").last! } }
        let a = try hashes("in.mp4"), b = try hashes("out.mkv")
        XCTAssertEqual(a.count, 60)
        XCTAssertEqual(a, b)
    }

    func testPipeUpscalesIntoEachContainer() throws {
        try makeClip()
        // MP4 into a pipe is written in fragments (its index cannot be written last there).
        for (format, expected) in [("y4m", "wrapped_avframe"), ("nut", "rawvideo"), ("matroska", "h264"), ("mpegts", "h264"), ("mp4", "h264")] {
            let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe --scale 2 --output-format \(format) > out.\(format)", in: folder)
            XCTAssertEqual(r.status, 0, "\(format): \(r.stderr)")
            let info = try Tool.probe("out.\(format)", stream: "v", entries: "stream=width,height", in: folder, extra: ["-count_frames", "-show_entries", "stream=nb_read_frames"])
            XCTAssertEqual(info.first, "640,360,60", "\(format) (\(expected))")
        }
    }

    func testMatroskaOnStdinWithAudioKeepsTheAudio() throws {
        try makeClip()
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "in.mkv"], in: folder)
        let r = try Tool.shell("'\(Tool.clarity)' pipe --input-format matroska --output-format nut < in.mkv > out.nut", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.nut", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
    }

    func testAClosedReaderStopsThePipeWithAnError() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe --scale 2 | head -c 50000 > /dev/null", in: folder)
        XCTAssertTrue(r.stderr.contains("output closed"), r.stderr)
    }

    func testAFullDiskIsAnIOError() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - 2>/dev/null | '\(Tool.clarity)' pipe > /dev/full", in: folder)
        XCTAssertEqual(r.status, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("disk full"), r.stderr)
    }
}
