import Foundation
import XCTest

/// Closed captions carried inside the video stream (CEA-608 as ATSC A/53 user data: NTSC
/// DVDs, broadcasts) must come out once each, whole, wherever the encoder can write them.
final class ClosedCaptionTests: ToolTestCase {
    /// An interlaced 320x240 MPEG-2 program stream, 60 frames at 30 fps, whose captions say
    /// "HELLO" and then "WORLD".
    private func makeCaptionedClip(_ name: String = "in.mpg") throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "2", "-c:v", "mpeg2video",
                         "-flags", "+ilme+ildct", "-top", "1", "-g", "15", "-bf", "0", "-f", "mpeg2video", "plain.m2v"], in: folder)
        let plain = try Data(contentsOf: URL(fileURLWithPath: path("plain.m2v")))
        try Self.withCaptions(Self.popOn(["HELLO", "WORLD"]), plain).write(to: URL(fileURLWithPath: path("captioned.m2v")))
        try Tool.ffmpeg(["-fflags", "+genpts", "-r", "30", "-i", "captioned.m2v", "-c", "copy", name], in: folder)
    }

    /// CEA-608 byte pairs, one a frame, that show each of `words` in turn as a pop-on caption.
    private static func popOn(_ words: [String]) -> [(UInt8, UInt8)] {
        let erase: (UInt8, UInt8) = (0x14, 0x2C), loadNext: (UInt8, UInt8) = (0x14, 0x20), show: (UInt8, UInt8) = (0x14, 0x2F)
        return words.flatMap { word -> [(UInt8, UInt8)] in
            let letters = Array(word.utf8)
            let text = stride(from: 0, to: letters.count, by: 2).map { (letters[$0], $0 + 1 < letters.count ? letters[$0 + 1] : 0) }
            // Commands are sent twice, as the standard asks; then a pause of 20 empty pairs.
            return [erase, erase, loadNext, loadNext] + text + [show, show] + Array(repeating: (0, 0), count: 20)
        }
    }

    /// Odd parity in the top bit, as CEA-608 sends every byte.
    private static func parity(_ byte: UInt8) -> UInt8 {
        let b = byte & 0x7F
        return b.nonzeroBitCount % 2 == 1 ? b : b | 0x80
    }

    /// `pairs` put into the pictures of an MPEG-2 elementary stream, one pair each, as ATSC
    /// A/53 user data ("GA94") before each picture's first slice.
    private static func withCaptions(_ pairs: [(UInt8, UInt8)], _ stream: Data) -> Data {
        let bytes = [UInt8](stream)
        var out: [UInt8] = []
        var picture = -1, placed = true
        for i in bytes.indices {
            if i + 3 < bytes.count && bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1 {
                if bytes[i + 3] == 0x00 { picture += 1; placed = false }
                if bytes[i + 3] == 0x01 && !placed {
                    let (a, b) = picture < pairs.count ? pairs[picture] : (0, 0)
                    out += [0, 0, 1, 0xB2] + Array("GA94".utf8) + [0x03, 0x40 | 1, 0xFF, 0xFC, parity(a), parity(b), 0xFF]
                    placed = true
                }
            }
            out.append(bytes[i])
        }
        return Data(out)
    }

    /// The captions `file` shows, decoded by ffmpeg (its lavfi movie source's subcc output).
    private func captions(of file: String) throws -> [String] {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "movie=\(file)[out0+subcc]", "-map", "0:s", "-c:s", "srt", "\(file).srt"], in: folder)
        let srt = try String(contentsOfFile: path("\(file).srt"), encoding: .utf8)
        return srt.split(separator: "\n").filter { line in !line.contains("-->") && Int(line) == nil }
            .map { $0.replacingOccurrences(of: #"<[^>]*>|\{[^}]*\}"#, with: "", options: .regularExpression) }
    }

    private func frames(_ file: String) throws -> Int {
        Int(try Tool.probe(file, stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"]).first ?? "") ?? -1
    }

    func testCaptionsAreCarriedOnceEachThroughEveryDeinterlacing() throws {
        try makeCaptionedClip()
        XCTAssertEqual(try captions(of: "in.mpg"), ["HELLO", "WORLD"], "the clip as made")
        // One frame per frame, two per frame (each field), four per five (film restored):
        // ffmpeg 5.1 says "HEHELLLLOO" for the second and loses letters in the third.
        for (mode, count) in [("auto", 60), ("double", 120), ("film", 48)] {
            let out = "\(mode).mp4"
            let r = try Tool.clarity(["transcode", "in.mpg", out, "--deinterlace", mode, "--filter", "bicubic", "--scale", "2"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try frames(out), count, mode)
            XCTAssertEqual(try captions(of: out), ["HELLO", "WORLD"], mode)
            XCTAssertFalse(r.stderr.contains("closed captions"), r.stderr)
        }
    }

    func testCaptionsGoIntoMPEG2AndAreReportedLostWhereTheEncoderCannotWriteThem() throws {
        try makeCaptionedClip()
        let mpeg2 = try Tool.clarity(["transcode", "in.mpg", "out.mpg", "--codec", "mpeg2video", "--filter", "bicubic", "--scale", "2"], in: folder)
        XCTAssertEqual(mpeg2.status, 0, mpeg2.stderr)
        XCTAssertEqual(try captions(of: "out.mpg"), ["HELLO", "WORLD"])

        let ffv1 = try Tool.clarity(["transcode", "in.mpg", "out.mkv", "--codec", "ffv1", "--filter", "bicubic", "--scale", "2"], in: folder)
        XCTAssertEqual(ffv1.status, 0, ffv1.stderr)
        XCTAssertTrue(ffv1.stderr.contains("closed captions (CEA-608/708, on 60 frames) are not in out.mkv: ffv1 cannot write them"), ffv1.stderr)
        // Bare frames (y4m, raw frames in NUT) have no place for them: nothing to say.
        for out in ["out.y4m", "out.nut"] {
            let bare = try Tool.clarity(["transcode", "in.mpg", out, "--filter", "bicubic"], in: folder)
            XCTAssertEqual(bare.status, 0, bare.stderr)
            XCTAssertFalse(bare.stderr.contains("closed captions"), bare.stderr)
        }
    }
}
