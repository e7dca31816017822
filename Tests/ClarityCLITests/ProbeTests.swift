import Foundation
import XCTest

final class ProbeTests: ToolTestCase {
    func probe(_ file: String, limit: Int = 0, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try Tool.clarity(["probe", file, "--json", "--frames", String(limit)] + extra, in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static let streams = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../streams")
        .standardizedFileURL

    /// On photographic content (IQAM reads flat synthetic areas as blocking, so a test pattern
    /// would mislead): the bundled clip at QP 22 and at QP 42.
    func testReportsTheEncodersQuantizerAndAScoreThatFallsWithIt() throws {
        var means: [Double] = []
        for qp in [22, 42] {
            let frames = try probe(Self.streams.appendingPathComponent("dune-pan-720p-qp\(qp).mp4").path, limit: 8)
            XCTAssertEqual(frames.count, 8)
            let pFrames = frames.filter { $0["type"] as? String == "P" }
            XCTAssertFalse(pFrames.isEmpty)
            for f in pFrames { XCTAssertEqual(f["qp"] as? Double ?? -1, Double(qp), accuracy: 0.5) }
            means.append(frames.map { $0["iqam"] as? Double ?? .nan }.reduce(0, +) / Double(frames.count))
        }
        XCTAssertGreaterThan(means[0], means[1] + 0.05, "heavier compression must score lower")
    }

    /// Each codec's quantizer is on its own scale, and probe names it: a VP9 q-index of 120
    /// is not an H.264 QP of 120.
    func testNamesTheQuantizersScale() throws {
        let source = Self.streams.appendingPathComponent("dune-pan-720p-qp27.mp4").path
        try Tool.ffmpeg(["-i", source, "-frames:v", "3", "-c:v", "libvpx-vp9", "-crf", "30", "-b:v", "0", "-cpu-used", "8", "vp9.webm"], in: folder)
        try Tool.ffmpeg(["-i", source, "-frames:v", "3", "-c:v", "mpeg2video", "-q:v", "5", "m2.mpg"], in: folder)
        for (file, scale, words) in [(source, "h264", "H.264 QP, 0-51"), ("vp9.webm", "vp9", "VP9 q-index, 0-255"),
                                     ("m2.mpg", "mpeg2", "MPEG-2 quantiser scale, 1-112")] {
            let frames = try probe(file, limit: 3)
            XCTAssertEqual(frames.first?["qp_scale"] as? String, scale, file)
            let table = try Tool.clarity(["probe", file, "--frames", "3"], in: folder)
            XCTAssertTrue(table.text.contains("(\(words))"), table.text)
        }
    }

    func testAFormatWithoutQuantizersStillScores() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x192:rate=30", "-t", "0.2", "-c:v", "ffv1",
                         "-pix_fmt", "yuv420p10le", "ten.mkv"], in: folder)
        let frames = try probe("ten.mkv")
        XCTAssertEqual(frames.count, 6)
        XCTAssertNil(frames[0]["qp"])
        XCTAssert((0...1).contains(frames[0]["iqam"] as? Double ?? -1))
        // The table's columns stay under their names with '-' for the quantizer.
        let table = try Tool.clarity(["probe", "ten.mkv"], in: folder)
        let lines = table.text.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first), row = try XCTUnwrap(lines.dropFirst().first)
        XCTAssertEqual(row.count, header.count, "\(header)\n\(row)")
        let qp = header.distance(from: header.startIndex, to: try XCTUnwrap(header.range(of: " QP ")).lowerBound) + 2
        XCTAssertEqual(Array(row)[qp], "-", "under the P of QP: \(header)\n\(row)")
    }

    /// Probe reads what the other commands read: raw frames described by demuxer options, and
    /// a part of the input (its frames scored the same as read from the start).
    func testReadsRawFramesAndAPart() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x192:rate=30", "-t", "0.5", "-pix_fmt", "yuv420p", "-f", "rawvideo", "in.yuv"], in: folder)
        let raw = try probe("in.yuv", limit: 0, ["--input-format", "rawvideo", "--input-option", "video_size=320x192", "--input-option", "framerate=30"])
        XCTAssertEqual(raw.count, 15)
        // Without their size (the demuxer found by the name): what to give, not FFmpeg's "Picture size 0x0 is invalid" alone.
        let unsized = try Tool.clarity(["probe", "in.yuv"], in: folder)
        XCTAssertEqual(unsized.status, 65, unsized.stderr)
        XCTAssertTrue(unsized.stderr.contains("raw frames do not say their size: give --input-option video_size=WxH"), unsized.stderr)
        try Tool.ffmpeg(["-f", "rawvideo", "-video_size", "320x192", "-framerate", "30", "-i", "in.yuv", "-c:v", "ffv1", "in.mkv"], in: folder)
        let part = try probe("in.mkv", limit: 0, ["--start", "0.2"])
        XCTAssertEqual(part.count, 9)
        XCTAssertEqual(part[0]["time"] as? Double ?? -1, 0, accuracy: 1e-6, "the part starts at 0")
        XCTAssertEqual(part[0]["iqam"] as? Double ?? -1, raw[6]["iqam"] as? Double ?? -2, accuracy: 1e-9)
    }
}
