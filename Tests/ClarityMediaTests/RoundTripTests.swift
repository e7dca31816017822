import CFFmpeg
import ClarityMedia
import Foundation
import XCTest

/// Frames written through MediaWriter come back from MediaReader sample for sample, with
/// the same timestamps, for lossless codecs and for y4m.
final class RoundTripTests: FolderTestCase {
    func format(_ pix: AVPixelFormat, timeBase: AVRational) -> VideoFormat {
        VideoFormat(width: 96, height: 64, pixelFormat: pix, timeBase: timeBase,
                    frameRate: AVRational(num: 30, den: 1))
    }

    /// A deterministic pattern that differs per plane, position and frame.
    func sample(plane: Int, x: Int, y: Int, frame: Int, maxValue: Int) -> Int {
        (x * 7 + y * 13 + frame * 29 + plane * 53) % (maxValue + 1)
    }

    func writeAndRead(codec: String, file: String, pix: AVPixelFormat, timeBase: AVRational, pts: [Int64]) throws -> (written: Int, frames: [VideoFrame], reader: MediaReader) {
        let fmt = format(pix, timeBase: timeBase)
        let maxValue = (1 << fmt.bitDepth) - 1
        let out = try OutputFile(folder.appendingPathComponent(file).path, overwrite: false)
        let writer = try MediaWriter(output: out)
        try writer.addVideo(format: fmt, encoder: EncoderSettings(codec: codec, crf: nil, preset: nil))
        try writer.start()
        let pool = try FramePool(format: fmt)
        for (i, t) in pts.enumerated() {
            let f = try pool.makeFrame()
            f.pts = t
            fill(f, frame: i, maxValue: maxValue)
            try writer.write(f)
        }
        try writer.finish()
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.finalPath))
        let reader = try MediaReader(url: out.finalPath)
        var frames: [VideoFrame] = []
        while let item = try reader.read() {
            if case .frame(let f) = item { frames.append(f) }
        }
        return (pts.count, frames, reader)
    }

    func fill(_ f: VideoFrame, frame: Int, maxValue: Int) {
        let wide = maxValue > 255
        for p in 0..<3 {
            let (data, stride) = f.plane(p)
            let w = p == 0 ? f.width : f.width / 2, h = p == 0 ? f.height : f.height / 2
            for y in 0..<h {
                for x in 0..<w {
                    let v = sample(plane: p, x: x, y: y, frame: frame, maxValue: maxValue)
                    if wide {
                        (data + y * stride).withMemoryRebound(to: UInt16.self, capacity: w) { $0[x] = UInt16(v) }
                    } else {
                        data[y * stride + x] = UInt8(v)
                    }
                }
            }
        }
    }

    func assertPattern(_ f: VideoFrame, frame: Int, maxValue: Int, file: StaticString = #filePath, line: UInt = #line) {
        let wide = maxValue > 255
        var mismatches = 0
        for p in 0..<3 {
            let (data, stride) = f.plane(p)
            let w = p == 0 ? f.width : f.width / 2, h = p == 0 ? f.height : f.height / 2
            for y in 0..<h {
                for x in 0..<w {
                    let got = wide ? Int((data + y * stride).withMemoryRebound(to: UInt16.self, capacity: w) { $0[x] }) : Int(data[y * stride + x])
                    if got != sample(plane: p, x: x, y: y, frame: frame, maxValue: maxValue) { mismatches += 1 }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "frame \(frame) differs", file: file, line: line)
    }

    func testLosslessRoundTripKeepsSamplesAndVariableTimestamps() throws {
        let pts: [Int64] = [0, 33, 67, 100, 250, 283, 700, 733, 767, 800]
        let r = try writeAndRead(codec: "ffv1", file: "vfr.mkv", pix: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 1000), pts: pts)
        XCTAssertEqual(r.frames.count, r.written)
        XCTAssertEqual(r.frames.map { $0.pts! * 1000 * Int64(r.reader.videoFormat.timeBase.num) / Int64(r.reader.videoFormat.timeBase.den) }, pts)
        for (i, f) in r.frames.enumerated() { assertPattern(f, frame: i, maxValue: 255) }
    }

    func testTenBitSurvivesLosslessRoundTrip() throws {
        let pts: [Int64] = Array(0..<6)
        let r = try writeAndRead(codec: "ffv1", file: "ten.mkv", pix: AV_PIX_FMT_YUV420P10LE,
                                 timeBase: AVRational(num: 1, den: 30), pts: pts)
        XCTAssertEqual(r.reader.videoFormat.pixelFormatName, "yuv420p10le")
        XCTAssertEqual(r.frames.count, 6)
        for (i, f) in r.frames.enumerated() { assertPattern(f, frame: i, maxValue: 1023) }
    }

    func testY4MRoundTrip() throws {
        let pts: [Int64] = Array(0..<8)
        let r = try writeAndRead(codec: "wrapped_avframe", file: "clip.y4m", pix: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 30), pts: pts)
        XCTAssertEqual(r.reader.videoFormat.frameRate.num * 1, 30 * r.reader.videoFormat.frameRate.den)
        XCTAssertEqual(r.frames.map { $0.pts! }, pts)
        for (i, f) in r.frames.enumerated() { assertPattern(f, frame: i, maxValue: 255) }
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let path = folder.appendingPathComponent("never.mkv").path
        do {
            let writer = try MediaWriter(output: try OutputFile(path, overwrite: false))
            try writer.addVideo(format: format(AV_PIX_FMT_YUV420P, timeBase: AVRational(num: 1, den: 30)),
                                encoder: EncoderSettings(codec: "ffv1", crf: nil, preset: nil))
            try writer.start()
            writer.abort()
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testErrorsNameTheProblem() {
        XCTAssertThrowsError(try MediaReader(url: folder.appendingPathComponent("missing.mp4").path)) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .inputNotFound)
        }
        let text = folder.appendingPathComponent("notes.mp4")
        _ = FileManager.default.createFile(atPath: text.path, contents: Data("just some words\n".utf8))
        XCTAssertThrowsError(try MediaReader(url: text.path)) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .notMedia)
        }
        XCTAssertThrowsError(try OutputFile(folder.appendingPathComponent("no/such/folder/out.mp4").path, overwrite: false)) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .outputUnwritable)
        }
        XCTAssertThrowsError(try OutputFile(text.path, overwrite: false)) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .outputUnwritable)
        }
    }
}
