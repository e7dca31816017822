import ClarityEngine
import ClarityProcess
import Foundation
import XCTest

/// Every bad input gives one clear line and a documented exit code, and leaves no output.
final class BadInputTests: ToolTestCase {
    func testMissingInput() throws {
        try expectFailure(["transcode", "nope.mp4", "out.mp4"], status: 66, mentioning: "input not found")
        try expectFailure(["transcode", "file:nope.mp4", "out.mp4"], status: 66, mentioning: "input not found: file:nope.mp4")
        // A server that cannot be reached is an input that cannot be read, not one that is not media.
        try expectFailure(["transcode", "http://127.0.0.1:1/in.mp4", "out.mp4"], status: 66,
                          mentioning: "cannot open http://127.0.0.1:1/in.mp4 (connection refused)")
        // FFmpeg's file: protocol names a path like any other.
        try makeClip(seconds: 0.2)
        XCTAssertEqual(try Tool.clarity(["transcode", "file:in.mp4", "out.mkv", "--progress", "none"], in: folder).status, 0)
        // A file whose name has a colon is that file, not a URL of a protocol named "clip-12".
        try FileManager.default.copyItem(atPath: path("in.mp4"), toPath: path("clip-12:00.mp4"))
        let colon = try Tool.clarity(["transcode", "clip-12:00.mp4", "out2.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(colon.status, 0, colon.stderr)
        try expectFailure(["transcode", "clip-12:05.mp4", "out.mp4"], status: 66, mentioning: "input not found: clip-12:05.mp4")
        try expectFailure(["transcode", "nosuchproto://host/in.mp4", "out.mp4"], status: 64,
                          mentioning: "ffmpeg has no 'nosuchproto' protocol")
    }

    /// A file named in another encoding than UTF-8 (Latin-1's café.mp4) is read as it is named;
    /// an output so named is refused, where it would have been written under a mended name.
    func testNamesThatAreNotUTF8() throws {
        try makeClip(seconds: 0.2)
        let latin1 = "\"$(printf 'caf\\351.mp4')\""
        let r = try Tool.shell("cp in.mp4 \(latin1) && '\(Tool.clarity)' transcode \(latin1) out.mkv --progress none", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder).count, 6)
        let before = files
        let output = try Tool.shell("'\(Tool.clarity)' transcode in.mp4 \"$(printf 'o\\351.mkv')\" --progress none", in: folder)
        XCTAssertEqual(output.status, 64, output.stderr)
        XCTAssertTrue(output.stderr.contains("is not UTF-8 (a name from a system in another encoding?), and names no file to read"), output.stderr)
        XCTAssertEqual(files, before)
    }

    /// The benchmarks refuse a missing clip as the commands do, before printing a header.
    func testBenchmarksRefuseAMissingInput() throws {
        try expectFailure(["bench", "speed", "--input", "nope.mp4"], status: 66, mentioning: "input not found: nope.mp4")
        try expectFailure(["bench", "live", "--input", "nope.mp4"], status: 66, mentioning: "input not found: nope.mp4")
        try expectFailure(["bench", "live", "--loops", "0", "--reference", "nope.mkv"], status: 66, mentioning: "input not found: nope.mkv")
    }

    /// The benchmarks refuse what the runs they wrap would, as those runs do (64, 65), and
    /// before they start: a deadline, scale or live option `clarity live` refuses (its words
    /// passed on), a model the pump does not know, a clip without video, sizes and counts that
    /// measure nothing. Each had run for a while and stopped with exit 1 ("clarity live failed
    /// (64)"; "the pump with nope failed"; ffmpeg's "does not contain any stream"; "bad input:
    /// input size 0x720"), or run (`--threads -2`).
    func testBenchmarksRefuseWhatTheirRunsWould() throws {
        try makeClip(seconds: 0.2)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "sine", "-t", "0.5", "tone.mp3"], in: folder)
        for (args, status, words) in [(["live", "--deadline", "abc"], 64, "--deadline takes a time such as 33ms or 0.04s"),
                                      (["live", "--live-options", "--tile", "2"], 64, "--tile must be at least 8"),
                                      (["live", "--scale", "7", "--loops", "0", "--reference", "in.mp4"], 64, "clarity live: no x7 upscaler to route to"),
                                      (["speed", "--input", "in.mp4", "--models", "nope"], 64, "clarity: error: no bundled model or family 'nope'"),
                                      (["speed", "--input", "tone.mp3"], 65, "tone.mp3 has no video stream"),
                                      (["speed", "--size", "0x0"], 64, "--size takes widthxheight of 2 pixels or more"),
                                      (["engine", "--width", "0"], 64, "--width and --height must be 1 or more"),
                                      (["engine", "--threads", "-2"], 64, "--threads must be 1 or more"),
                                      (["engine", "--tile", "2"], 64, "--tile must be at least 8"),
                                      (["deartifact", "--models", "nope"], 64, "clarity: error: no bundled model or family 'nope'")] {
            try expectFailure(["bench"] + args, status: Int32(status), mentioning: words)
        }
    }

    /// `bench quality` answers as the commands do, in Clarity's words: a picture too small to
    /// score trapped (a precondition); a missing folder or list, an empty one and an unknown
    /// model were refused with ArgumentParser's usage of `clarity <subcommand>` after them.
    func testBenchQualityRefusesInClaritysWords() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "photos/a.png"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=8x8", "-frames:v", "1", "photos/tiny.png"], in: folder)
        for (args, status, words) in [(["--images", "photos"], 65, "photos/tiny.png is 8x8: too small to score at x3 (at least 12x12)"),
                                      (["--images", "gone"], 66, "clarity: error: cannot read the folder gone"),
                                      (["--list", "gone.txt"], 66, "clarity: error: cannot read gone.txt"),
                                      (["--images", "empty"], 64, "clarity: error: no images (.png .jpg .jpeg .bmp .tif .tiff) in empty"),
                                      (["--images", "photos", "--models", "nope"], 64, "clarity: error: no bundled model or family 'nope'")] {
            try expectFailure(["bench", "quality", "--models", "none"] + args, status: Int32(status), mentioning: words)
        }
    }

    func testNotAMediaFile() throws {
        _ = FileManager.default.createFile(atPath: path("notes.mp4"), contents: Data(repeating: 0x41, count: 5000))
        try expectFailure(["transcode", "notes.mp4", "out.mp4"], status: 65, mentioning: "not a media file")
        // An empty file is said to be empty (an empty .mp4 was taken for a recording without its index).
        _ = FileManager.default.createFile(atPath: path("empty.mp4"), contents: Data())
        try expectFailure(["transcode", "empty.mp4", "out.mp4"], status: 65, mentioning: "clarity: error: empty.mp4 is empty (0 bytes): nothing to read")
        // A recording stopped before its MP4 index was written: FFmpeg's reason, and what to do.
        try makeClip(seconds: 0.5)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path("in.mp4")))
        let index = try XCTUnwrap(whole.range(of: Data("moov".utf8), options: .backwards)).lowerBound
        XCTAssertGreaterThan(index, whole.count / 2, "the index after the pictures")
        try whole[..<(index - 4)].write(to: URL(fileURLWithPath: path("stopped.mp4")))
        try expectFailure(["transcode", "stopped.mp4", "out.mp4"], status: 65, mentioning: "moov atom not found); an mp4 whose recording stopped")
        // A picture that holds none: Clarity's word alone (FFmpeg's "No JPEG data found in
        // image", which it logs as fatal, was printed three times above it).
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path("broken.jpg")))
        try expectFailure(["transcode", "broken.jpg", "out.png"], status: 69,
                          mentioning: "cannot read the frame size or pixel format of its mjpeg stream")
        let r = try Tool.clarity(["transcode", "broken.jpg", "out.png"], in: folder)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("clarity: ") }, [], r.stderr)
    }

    /// A list of files for FFmpeg's concat demuxer: given as a plain input, or naming absolute
    /// paths without safe=0, it is refused with what to add; one that names a missing file is
    /// refused before anything is written (66), naming it as the list does and where it was
    /// looked for (the output held the files before it, with exit 0 and FFmpeg's "Impossible
    /// to open 'file:gone.mp4'").
    func testConcatListOfFiles() throws {
        try makeClip(seconds: 0.5)
        try "file '\(path("in.mp4"))'\nfile '\(path("in.mp4"))'\n".write(toFile: path("list.txt"), atomically: true, encoding: .utf8)
        try expectFailure(["transcode", "list.txt", "out.mkv"], status: 65, mentioning: "it is a list of files: --input-format concat")
        try expectFailure(["transcode", "list.txt", "out.mkv", "--input-format", "concat"], status: 65,
                          mentioning: "unsafe file name '\(path("in.mp4").lowercased())'); ffmpeg's safe mode takes relative paths of "
                            + "letters, digits, '_', '-' and '.' alone: --input-option safe=0 lets the list name any")
        let joined = try Tool.clarity(["transcode", "list.txt", "out.mkv", "--input-format", "concat", "--input-option", "safe=0",
                                       "--progress", "none"], in: folder)
        XCTAssertEqual(joined.status, 0, joined.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder).count, 30)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lists"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("in.mp4"), toPath: path("lists/in.mp4"))
        let list = "ffconcat version 1.0\n# two parts\nfile 'in.mp4'\n  file gone\\ part.mp4\n"
        try list.write(toFile: path("lists/l.txt"), atomically: true, encoding: .utf8)
        try expectFailure(["transcode", "lists/l.txt", "part.mkv", "--input-format", "concat"], status: 66,
                          mentioning: "lists/l.txt names 'gone part.mp4' (line 4), which is not there: \(path("lists/gone part.mp4").lowercased())")
    }

    /// An HLS playlist or a DASH manifest on disk that names a missing segment (or fMP4
    /// initialisation section) is refused before anything is written (66), as a concat list
    /// is: FFmpeg skipped the segment unsaid, and a second of video was gone (exit 0).
    func testAPlaylistThatNamesAMissingSegmentIsRefused() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "3", "-c:v", "libx264", "-g", "25",
                         "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "p.m3u8"], in: folder)
        let whole = try Tool.clarity(["transcode", "p.m3u8", "whole.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        try FileManager.default.removeItem(atPath: path("p1.ts"))
        let line = try XCTUnwrap(String(contentsOfFile: path("p.m3u8"), encoding: .utf8).split(separator: "\n").firstIndex(of: "p1.ts")) + 1
        try expectFailure(["transcode", "p.m3u8", "out.mkv"], status: 66,
                          mentioning: "p.m3u8 names 'p1.ts' (line \(line)), which is not there: \(path("p1.ts").lowercased())")
        // A DASH manifest's segments, from its templates' timelines or its lists (a second of
        // video was gone, exit 0, unsaid).
        for (manifest, options) in [("t.mpd", [String]()), ("l.mpd", ["-use_template", "0"])] {
            let dash = folder.appendingPathComponent(manifest.prefix(1) + "dash")
            try FileManager.default.createDirectory(at: dash, withIntermediateDirectories: true)
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "3", "-c:v", "libx264", "-g", "25",
                             "-f", "dash", "-seg_duration", "1"] + options + [dash.appendingPathComponent(manifest).path], in: folder)
            let name = "\(dash.lastPathComponent)/\(manifest)"
            let read = try Tool.clarity(["transcode", name, "\(manifest).mkv", "--progress", "none"], in: folder)
            XCTAssertEqual(read.status, 0, read.stderr)
            // FFmpeg 5.1's DASH reader takes a list's three segments as two (a known gap).
            if options.isEmpty { XCTAssertEqual(try Tool.frameHashes("\(manifest).mkv", in: folder).count, 75) }
            try FileManager.default.removeItem(at: dash.appendingPathComponent("chunk-stream0-00002.m4s"))
            try expectFailure(["transcode", name, "out.mkv"], status: 66,
                              mentioning: "\(name) names 'chunk-stream0-00002.m4s' (representation 0, segment 2), which is not there: "
                                + dash.appendingPathComponent("chunk-stream0-00002.m4s").path.lowercased())
        }
    }

    /// A stream FFmpeg finds but cannot decode (FFmpeg 5.1 reads no animated WebP) is
    /// unsupported, and the message says which FFmpeg and what to do.
    func testAStreamThisFFmpegCannotDecode() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-t", "0.3", "-c:v", "libwebp_anim", "moving.webp"], in: folder)
        let r = try Tool.clarity(["transcode", "moving.webp", "out.mp4", "--progress", "none"], in: folder)
        if r.status != 0 {
            try expectFailure(["transcode", "moving.webp", "out.mp4"], status: 69,
                              mentioning: "moving.webp is an animated webp, which ffmpeg 5.1")
        }
    }

    /// A sound track whose header no decoder can start on (a Vorbis track's codebooks
    /// damaged) was copied into an MP4 that no player reads it from (exit 0, no sound), and
    /// stopped a Matroska output at its header (73, blaming the output); one whose header
    /// names no codec FFmpeg knows stopped the run (69, "cannot decode audio stream #1
    /// (none)"). Each is dropped with the reason; the intact track beside it is kept.
    func testASoundTrackWithADamagedHeaderIsDropped() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
                         "-map", "0", "-map", "1", "-map", "1", "-c:v", "libx264", "-c:a", "libvorbis", "two.mkv"], in: folder)
        var data = try Data(contentsOf: URL(fileURLWithPath: path("two.mkv")))
        let setup = try XCTUnwrap(data.range(of: Data("\u{5}vorbis".utf8))).upperBound
        let codebook = try XCTUnwrap(data.range(of: Data("BCV".utf8), in: setup..<data.endIndex)).lowerBound
        data.replaceSubrange(codebook..<codebook + 3, with: Data("XXX".utf8))
        try data.write(to: URL(fileURLWithPath: path("bad.mkv")))
        for output in ["out.mkv", "out.mp4"] {
            let r = try Tool.clarity(["transcode", "bad.mkv", output, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("dropping audio stream #1 (vorbis): its header is damaged, so no player could read it "
                                            + "(0. Codebook setup data corrupt;"), r.stderr)
            XCTAssertEqual(try Tool.probe(output, stream: "a", entries: "stream=codec_name", in: folder).count, 1)
            let sound = try Tool.run("ffmpeg", ["-v", "error", "-i", output, "-map", "0:a", "-f", "s16le", "-ac", "1", "-"], in: folder)
            XCTAssertEqual(sound.stderr, "", output)
            XCTAssertEqual(Double(sound.stdout.count) / 2 / 48000, 1, accuracy: 0.05, "the intact track's second of sound")
        }
        data = try Data(contentsOf: URL(fileURLWithPath: path("two.mkv")))
        data.replaceSubrange(try XCTUnwrap(data.range(of: Data("A_VORBIS".utf8))), with: Data("A_ZORBIS".utf8))
        try data.write(to: URL(fileURLWithPath: path("unknown.mkv")))
        let r = try Tool.clarity(["transcode", "unknown.mkv", "out2.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropping audio stream #1 (none): its header names no codec FFmpeg 5.1"), r.stderr)
        XCTAssertEqual(try Tool.probe("out2.mkv", stream: "a", entries: "stream=codec_name", in: folder), ["vorbis"])
    }

    /// A video stream whose header names no codec FFmpeg knows, or that its decoder cannot
    /// start on, is refused in words about the stream ("no decoder for none", "Operation not
    /// permitted" before).
    func testAVideoStreamWithAnUnknownOrDamagedHeaderIsNamed() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-t", "0.5", "-c:v", "libx264", "avc.mkv"], in: folder)
        var data = try Data(contentsOf: URL(fileURLWithPath: path("avc.mkv")))
        let id = try XCTUnwrap(data.range(of: Data("V_MPEG4/ISO/AVC".utf8)))
        data.replaceSubrange(id, with: Data("V_MPEG4/ISO/XYZ".utf8))
        try data.write(to: URL(fileURLWithPath: path("unknown.mkv")))
        try expectFailure(["transcode", "unknown.mkv", "out.mkv"], status: 69,
                          mentioning: "unknown.mkv: the codec of its video stream, #0, is not one ffmpeg 5.1")
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-t", "0.5", "-c:v", "libtheora", "theora.mkv"], in: folder)
        data = try Data(contentsOf: URL(fileURLWithPath: path("theora.mkv")))
        let setup = try XCTUnwrap(data.range(of: Data([0x82] + Array("theora".utf8)))).upperBound
        data.replaceSubrange(setup..<setup + 33, with: Data(repeating: 0xFF, count: 33))
        try data.write(to: URL(fileURLWithPath: path("damaged.mkv")))
        // Damage, not a codec FFmpeg lacks: 65, as for other damaged inputs.
        try expectFailure(["transcode", "damaged.mkv", "out.mkv"], status: 65,
                          mentioning: "cannot open the theora decoder (its header is damaged): huffman tree overflow")
    }

    func testNoVideoStream() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1", "-c:a", "aac", "tone.m4a"], in: folder)
        try expectFailure(["transcode", "tone.m4a", "out.mp4"], status: 65, mentioning: "no video stream")
        // A song with its cover picture: the picture is not the video.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "cover.png"], in: folder)
        try Tool.ffmpeg(["-i", "tone.m4a", "-i", "cover.png", "-map", "0", "-map", "1", "-c:a", "copy", "-c:v", "png",
                         "-disposition:v", "attached_pic", "song.m4a"], in: folder)
        try expectFailure(["transcode", "song.m4a", "out.mp4"], status: 65, mentioning: "no video stream, only a cover picture")
    }

    func testUnknownOptionAndBadValues() throws {
        try makeClip()
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--sharpness", "3"], status: 64, mentioning: "unknown option")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--size", "big"], status: 64, mentioning: "--size")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--size", "641x361"], status: 64, mentioning: "try 642x362")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--size", "20000x100"], status: 64,
                          mentioning: "output size 20000x100 is out of range: each side at most 16384")
        for size in ["-1x-1", "0x100", "640x-3", "640x"] {
            try expectFailure(["transcode", "in.mp4", "out.mp4", "--size", size], status: 64,
                              mentioning: "3840x-1 to keep the input's aspect, or 4k, 1080p")
        }
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--filter", "magic"], status: 64, mentioning: "unknown filter")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--codec", "nosuchcodec"], status: 64, mentioning: "unknown encoder")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--codec", "h264_vaapi"], status: 69,
                          mentioning: "the h264_vaapi encoder takes frames in a gpu's memory (vaapi), which clarity does not hand encoders")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--scale", "0.5", "--model", "bicubicpp"], status: 64,
                          mentioning: "the models upscale, and the output (160x90) is no larger than the input (320x180): drop --model")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--model", "nosuch"], status: 64, mentioning: "no bundled model or family 'nosuch'")
        // A model of another task is named as such, with where it goes; a damaged file is named.
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--model", "rbqe-lite"], status: 64,
                          mentioning: "rbqe-lite is an artifact-removal model, not an upscaler (see --deartifact)")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--model", "classsr-w32-x2"], status: 64,
                          mentioning: "classsr-w32-x2 is a tile classifier, not an upscaler (it picks each tile's upscaler: see --preset classsr)")
        var cut = Data([200, 0, 0, 0, 0, 0, 0, 0])
        cut.append(Data(repeating: 0x7B, count: 20))
        try cut.write(to: URL(fileURLWithPath: path("cut.safetensors")))
        for option in ["--model", "--deartifact-model"] {
            try expectFailure(["transcode", "in.mp4", "out.mp4", "--deartifact", "auto", option, "cut.safetensors"], status: 64,
                              mentioning: "cut.safetensors is not a model clarity can use: corrupt model file: header length 200 exceeds the file (28 bytes)")
        }
        // A negative value is a value, and its fault is named (not "missing value").
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--duration", "-1"], status: 64, mentioning: "--duration takes a time")
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--scale", "-2"], status: 64, mentioning: "--scale must be above 0")
        // Tiles of a few pixels are all overlap: 2 took 19200 tiles and ten times as long for a 320x240 frame.
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--scale", "2", "--tile", "2"], status: 64, mentioning: "--tile must be 0 (whole frames) or at least 8")
        // A rate of 0 (which x264 took for "none", falling back on its own) or a word is refused.
        for rate in ["0", "-5M", "none", "1x1"] {
            try expectFailure(["transcode", "in.mp4", "out.mp4", "--bitrate", rate], status: 64,
                              mentioning: "--bitrate takes a bitrate above 0 (8m, 2500k), not '\(rate.lowercased())'")
            try expectFailure(["transcode", "in.mp4", "out.mp4", "--audio-bitrate", rate], status: 64,
                              mentioning: "--audio-bitrate takes a bitrate above 0 (192k, 1.5m), not '\(rate.lowercased())'")
        }
        // Artifact removal's own options, with it off, would do nothing.
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--deartifact-model", "rbqe-full"], status: 64,
                          mentioning: "--deartifact-model chooses the model for artifact removal, which is off: add --deartifact auto or max")
        try expectFailure(["live", "in.mp4", "out.mkv", "--deartifact-share", "0.3"], status: 64,
                          mentioning: "--deartifact-share bounds the time of artifact removal, which is off: add --deartifact auto or max")
    }

    /// Where FFmpeg refuses a filter graph or an encoder option, its own reason is given (its
    /// log, which the tool keeps below its level), not only its code's "Invalid argument".
    func testFFmpegsReasonsAreGiven() throws {
        try makeClip(seconds: 0.2)
        for (args, words) in [(["--vf", "hqdnx"], "--vf 'hqdnx': cannot set up the --vf filters for 320x180 yuv420p 30/1 fps: no such filter: 'hqdnx'"),
                              (["--vf", "hqdn3d=foo"], "unable to parse option value \"foo\""),
                              (["--post-vf", "split[a][b]"], "not connected to any destination"),
                              (["--encoder-option", "g=abc"], "cannot open the libx264 encoder for 320x180 yuv420p 30/1 fps: "
                                + "undefined constant or missing '(' in 'abc'; unable to parse option value \"abc\"")] {
            try expectFailure(["transcode", "in.mp4", "out.mp4"] + args, status: 64, mentioning: words)
        }
        try expectFailure(["transcode", "in.mp4", "out.xyz"], status: 64, mentioning: "cannot tell the container")
    }

    /// Options that would do nothing are refused, not ignored: a model's tiling where no model
    /// upscales or a preset tiles, the exit options of artifact removal outside `auto`; a rate
    /// for a lossless encoder is warned about.
    func testOptionsThatWouldDoNothingAreRefused() throws {
        try makeClip(seconds: 0.2)
        for (args, words) in [(["--tile", "64"], "--tile only shapes an upscaling model's tiles, and no model upscales here (no --scale or --size)"),
                              (["--scale", "2", "--model", "bicubic", "--overlap", "2"], "--overlap only shapes an upscaling model's tiles, "
                                + "and no model upscales here (--model bicubic or --filter resize classically)"),
                              (["--preset", "balanced", "--tile", "64"], "--preset tiles the frame as its file says: drop --tile"),
                              (["--deartifact-threshold", "0.5"], "--deartifact-threshold tunes where --deartifact auto lets tiles leave the network: add --deartifact auto"),
                              (["--deartifact", "max", "--deartifact-settle", "1"], "--deartifact max takes every tile to the deepest exit"),
                              (["--deartifact-ensemble", "2"], "artifact removal, which is off")] {
            try expectFailure(["transcode", "in.mp4", "out.mkv"] + args, status: 64, mentioning: words)
        }
        for (args, warned) in [(["--codec", "ffv1", "--crf", "20"], true), (["--codec", "utvideo", "--bitrate", "1M"], true), (["--codec", "ffv1"], false)] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--progress", "none"] + args, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.contains("\(args[1]) is lossless: \(args.count > 2 ? args[2] : "") does nothing"), warned, r.stderr)
        }
    }

    /// A mistyped command, model, preset or filter is answered with the name it most likely
    /// meant, a file given without a command with the command; `--version` names the libraries
    /// it runs on.
    func testMistypedNamesGetASuggestion() throws {
        try makeClip(seconds: 0.2)
        for (args, words) in [(["transcod", "in.mp4", "out.mp4"], "unknown command 'transcod' (did you mean 'transcode'?)"),
                              (["in.mp4", "out.mp4", "--scale", "2"], "(to enhance a file: clarity transcode in.mp4 out.mp4 --scale 2)"),
                              (["transcode", "in.mp4", "out.mp4", "--model", "bicubicp"], "(did you mean 'bicubicpp'?)"),
                              (["transcode", "in.mp4", "out.mp4", "--model", "esr-mx"], "(did you mean 'esr-max'?)"),
                              (["transcode", "in.mp4", "out.mp4", "--preset", "balance"], "(did you mean 'balanced'?)"),
                              (["transcode", "in.mp4", "out.mp4", "--filter", "lanzcos"], "(did you mean 'lanczos'?)")] {
            try expectFailure(args, status: 64, mentioning: words)
        }
        try expectFailure(["transcode", "in.mp4", "out.mp4", "--model", "zzz"], status: 64, mentioning: "'zzz'; bundled:")
        let version = try Tool.clarity(["--version"], in: folder)
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.text.hasPrefix("clarity ") && version.text.contains("FFmpeg 5.") && version.text.contains("oneDNN 2."), version.text)
        // The cores it may use, as taskset (or a container's quota) allows them: its threads follow.
        let oneCore = try Tool.shell("taskset -c 0 '\(Tool.clarity)' --version", in: folder)
        XCTAssertTrue(oneCore.text.contains("1 of the machine's \(ProcessInfo.processInfo.activeProcessorCount) core"), oneCore.text)
    }

    /// Memory running out is said as such, a failure (1), and nothing is left, wherever it ran
    /// out. PNG's encoder, which works on its own threads, could not allocate a 15360x8640
    /// picture's packet, and the run went on to "cannot move output into place" (73), the
    /// error lost at the encoder's end of stream. With less memory still: the decoder's
    /// allocation was taken for damage (65), swscale's for formats it cannot convert (69), the
    /// encoder's threads refused for its options (64), and libdispatch waited for ever for a
    /// thread to watch for Ctrl-C.
    func testRunningOutOfMemoryIsSaid() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=3840x2160", "-frames", "1", "big.png"], in: folder)
        // (The default model where less memory is left.)
        for (megabytes, model) in [(1050, " --model bicubic")] + stride(from: 380, through: 520, by: 10).map({ ($0, "") }) {
            let r = try Tool.shell("ulimit -v \(megabytes * 1000); exec timeout -s KILL 60 '\(Tool.clarity)' transcode big.png huge.png "
                                   + "--scale 4\(model) --progress none", in: folder)
            let said = r.stderr.contains("out of memory") || r.stderr.contains("the system's limits")
            XCTAssertTrue(r.status == 1 && said, "\(megabytes) MB: \(r.status) \(r.stderr)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["big.png"])
        }
        // x264 says the allocation it could not make, or (its threads refused) nothing; FFmpeg
        // calls either an external library's error, which was taken for the encoder's options
        // (64) and, part-way through the run (900 MB and more), said as it was.
        try makeClip(seconds: 1)
        for megabytes in [450, 550, 600, 900, 1200] {
            let x264 = try Tool.shell("ulimit -v \(megabytes * 1000); exec timeout -s KILL 60 '\(Tool.clarity)' transcode in.mp4 4k.mp4 "
                                      + "--size 3840x2160 --model bicubic --progress none", in: folder)
            XCTAssertTrue(x264.status == 1 && x264.stderr.contains("memory"), "\(megabytes) MB: \(x264.status) \(x264.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("4k.mp4")))
        }
        // Where Swift's allocation traps and oneDNN aborts or faults, the crash is said as
        // memory run out where the limit is nearly used up (it was a crash report, 134 or 139).
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "1", "-c:v", "libx264", "-qp", "30", "hd.mp4"], in: folder)
        for (limit, megabytes) in [450, 500, 600, 650, 700, 800].map({ ("-v", $0) }) + [("-d", 300)] {
            let r = try Tool.shell("ulimit \(limit) \(megabytes * 1000); exec timeout -s KILL 120 '\(Tool.clarity)' transcode hd.mp4 out.mkv "
                                   + "--scale 3 --deartifact auto --codec ffv1 --progress none", in: folder)
            let said = r.stderr.contains("out of memory") || r.stderr.contains("the system's limits")
            XCTAssertTrue(r.status == 1 && said, "ulimit \(limit) \(megabytes) MB: \(r.status) \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("crashed"), "ulimit \(limit) \(megabytes) MB")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["big.png", "hd.mp4", "in.mp4"])
        }
    }

    /// A run that crashes removes its temporary output as it dies: a hidden half-written file,
    /// or a sequence's pictures, stayed beside the output. Crashes are made here by signals
    /// sent (which Swift's backtracer reported and went on from: they now end the run as their
    /// default would); for real by memory running out in `testRunningOutOfMemoryIsSaid`.
    func testACrashLeavesNothing() throws {
        try makeClip("long.mp4", seconds: 20)
        for (signal, output) in [(SIGSEGV, "out.mkv"), (SIGABRT, "f%04d.png"), (SIGBUS, "out.mp4")] {
            let p = try startWriting(["transcode", "long.mp4", output, "--scale", "3", "--progress", "none", "--threads", "1"])
            p.send(signal)
            XCTAssertEqual(try p.wait().status, 128 + signal, output)
            XCTAssertEqual(files, ["long.mp4"], output)
        }
    }

    /// A thread the system refuses (here, a limit on processes) ends the run with that said;
    /// the pump had waited for ever for the work of a thread that never started, and where
    /// no thread at all was left (`ulimit -u 2`), so had libdispatch's signal sources.
    func testAThreadRefusedIsSaid() throws {
        try XCTSkipUnless(getuid() == 0, "runs the tool as another user, which takes root")
        try makeClip(seconds: 1)
        // A copy of the tool that the other user may run, in a folder it may read.
        for program in ["clarity", "clarity-core"] {
            try FileManager.default.copyItem(atPath: URL(fileURLWithPath: Tool.clarity).deletingLastPathComponent().appendingPathComponent(program).path,
                                             toPath: path(program))
        }
        XCTAssertEqual(chmod(folder.path, 0o755), 0)
        var said = false
        for limit in 2...5 {
            let r = try Tool.shell("setpriv --reuid 65534 --regid 65534 --clear-groups bash -c 'ulimit -u \(limit); exec timeout -s KILL 30 "
                                   + "./clarity transcode in.mp4 /dev/null --format y4m --scale 2 --model bicubic --progress none'", in: folder)
            XCTAssertNotEqual(r.status, 137, "waited for ever at ulimit -u \(limit): \(r.stderr)")
            said = said || (r.status == 1 && r.stderr.contains("cannot start a thread of the run"))
        }
        XCTAssertTrue(said)
    }

    /// A file made under OUT's name while the run writes (another program's, a second run's
    /// that finished first) is not replaced without --overwrite: the enhanced copy goes beside
    /// it, numbered, and the run says so (73). It was replaced without a word.
    func testAnOutputMadeMeanwhileIsNotReplaced() throws {
        try makeClip("long.mp4", seconds: 5)
        FileManager.default.createFile(atPath: path("out-2.mkv"), contents: Data("taken too".utf8))
        for overwrite in [false, true] {
            let p = try startWriting(["transcode", "long.mp4", "out.mkv", "--scale", "3", "--progress", "none"]
                                     + (overwrite ? ["--overwrite"] : []), stderr: .capture)
            FileManager.default.createFile(atPath: path("out.mkv"), contents: Data("theirs".utf8))
            let r = try p.wait()
            let enhanced = overwrite ? "out.mkv" : "out-3.mkv"
            XCTAssertEqual(r.status, overwrite ? 0 : 73, r.stderrText)
            XCTAssertEqual(try String(contentsOfFile: path("out-2.mkv")), "taken too")
            XCTAssertEqual(try decodedFrames(enhanced), 150)
            if !overwrite {
                XCTAssertEqual(try String(contentsOfFile: path("out.mkv")), "theirs")
                XCTAssertTrue(r.stderrText.contains("output out.mkv appeared while this run wrote it, and is kept: the enhanced copy is out-3.mkv"),
                              r.stderrText)
                try FileManager.default.removeItem(atPath: path("out-3.mkv"))
            }
            XCTAssertEqual(files.filter { $0.contains(".clarity-") }, [])
        }
    }

    func testUnwritableOutput() throws {
        try makeClip()
        try expectFailure(["transcode", "in.mp4", "missing/out.mp4"], status: 73, mentioning: "does not exist")
        _ = FileManager.default.createFile(atPath: path("taken.mp4"), contents: Data("keep me".utf8))
        try expectFailure(["transcode", "in.mp4", "taken.mp4"], status: 73, mentioning: "--overwrite")
        XCTAssertEqual(try String(contentsOfFile: path("taken.mp4")), "keep me")
        // The input itself, by any path, is never replaced: the original would be lost.
        try FileManager.default.createSymbolicLink(atPath: path("link.mp4"), withDestinationPath: "in.mp4")
        let original = try Data(contentsOf: URL(fileURLWithPath: path("in.mp4")))
        for (input, output) in [("in.mp4", "in.mp4"), ("link.mp4", "./in.mp4"), ("in.mp4", "link.mp4")] {
            try expectFailure(["transcode", input, output, "--overwrite", "--scale", "2"], status: 73, mentioning: "write the enhanced copy elsewhere")
        }
        try expectFailure(["transcode", "in.mp4", "taken.mp4", "--overwrite", "--burn-subtitles", "taken.mp4"], status: 73, mentioning: "is the input")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("in.mp4"))), original)
        // Nor a sequence's pictures by another sequence's (they were replaced by the upscaled ones).
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5", "-frames", "3", "-start_number", "0", "f%03d.png"], in: folder)
        let pictures = try (0..<3).map { try Data(contentsOf: URL(fileURLWithPath: path(String(format: "f%03d.png", $0)))) }
        for (input, output) in [("f%03d.png", "f%03d.png"), ("f%03d.png", "f002.png"), ("f002.png", "f%03d.png"), ("f*.png", "f%03d.png")] {
            try expectFailure(["transcode", input, output, "--overwrite", "--scale", "2"] + (input.contains("*") ? ["--input-option", "pattern_type=glob"] : []),
                              status: 73, mentioning: "write the enhanced copy elsewhere")
        }
        XCTAssertEqual(try (0..<3).map { try Data(contentsOf: URL(fileURLWithPath: path(String(format: "f%03d.png", $0)))) }, pictures)
    }

    /// `clarity transcode` of a file into out.mkv, x2 by bicubic, reading it by its name, from
    /// stdin redirected from a file that holds it after 64 other bytes, which a script read
    /// first (the rest is read as a stream; at its start stdin is read as the file), and
    /// through a pipe.
    private static let readingWays: [(String) -> String] = [
        { "'\(Tool.clarity)' transcode \($0) out.mkv -y --progress none --model bicubic --scale 2" },
        { "(head -c 64 /dev/zero; cat \($0)) > late && { dd bs=64 count=1 of=/dev/null 2>/dev/null; "
            + "'\(Tool.clarity)' transcode - out.mkv -y --progress none --model bicubic --scale 2; } < late" },
        { "cat \($0) | '\(Tool.clarity)' transcode - out.mkv -y --progress none --model bicubic --scale 2" },
    ]

    /// An MPEG-TS (or M2TS) cut mid-packet or on a packet's edge inside a picture, an MPEG-PS
    /// (a DVD's VOB) cut mid-packet, a fragmented MP4 cut inside a fragment or between two
    /// (FFmpeg's closes its files with a fragment index), an Ogg cut
    /// anywhere (its last page must end the file and its stream), an ASF cut inside its data and
    /// an AVI missing less than a second (its RIFF chunks' sizes), a NUT missing its closing
    /// index, an FLV with no duration (its last tag's stated length), a Matroska with none (the
    /// elements after its last block run past the end), an MXF missing its footer
    /// (the header's offset of it), DV cut inside a frame, bare H.264, MPEG-2, MPEG-4 and H.263
    /// (their last picture concealed, or not decoded) end cleanly for FFmpeg's demuxers (their last frame concealed, lost,
    /// or, DV's, made of two): they were read as whole, or said to be
    /// damaged with "the output is complete"; through a pipe, or from (the rest of) stdin redirected from a
    /// file, they still were. Whole ones, read any of the three ways, are whole; so are an AVI
    /// and a Matroska cut inside the index that follows their frames (they were said to have
    /// ended early).
    func testTruncatedInputCompletesWithAWarning() throws {
        try makeClip("in.ts", extra: ["-f", "mpegts"])
        try Tool.ffmpeg(["-i", "in.ts", "-c", "copy", "-mpegts_m2ts_mode", "1", "in.m2ts"], in: folder)
        try makeClip("frag.mp4", extra: ["-g", "10", "-movflags", "frag_keyframe+empty_moov+default_base_moof"])
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "libtheora", "-c:a", "libvorbis", "in.ogv"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "wmv2", "-c:a", "wmav2", "in.wmv"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg2video", "-c:a", "mp2", "in.mpg"], in: folder)  // MPEG-1 packs
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg2video", "-c:a", "ac3", "in.vob"], in: folder)  // MPEG-2 packs, as a DVD's
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg4", "-c:a", "mp3", "in.avi"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "ffv1", "-c:a", "pcm_s16le", "in.nut"], in: folder)
        // An FLV and a Matroska that state no duration (as recorded from a live stream), an MXF whose
        // header says where its footer is, DV's frames back to back, bare H.264, MPEG-2, MPEG-4 and H.263.
        try Tool.ffmpeg(["-i", "in.ts", "-c", "copy", "-flvflags", "no_duration_filesize", "live.flv"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "copy", "-c:a", "aac", "-live", "1", "live.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg2video", "-c:a", "pcm_s16le", "in.mxf"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "dvvideo", "-s", "720x576", "-r", "25", "-pix_fmt", "yuv420p", "-an", "in.dv"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "copy", "-an", "in.h264"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg2video", "-an", "in.m2v"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg4", "-an", "-f", "m4v", "in.m4v"], in: folder)
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "h263", "-s", "352x288", "-an", "in.h263"], in: folder)
        // Large enough (about 0.9 MB) that a pipe's reader has kept only its last bytes.
        try Tool.ffmpeg(["-i", "in.ts", "-c:v", "mpeg2video", "-q:v", "1", "-g", "1", "-c:a", "mp2", "intra.ts"], in: folder)
        // Written into a pipe, an AVI states no sizes (FFmpeg's placeholders): whole, not cut.
        XCTAssertEqual(try Tool.shell("ffmpeg -v error -i in.avi -c copy -f avi - > streamed.avi", in: folder).status, 0)
        let ogg = try Data(contentsOf: URL(fileURLWithPath: path("in.ogv")))
        let pages = ogg.indices.dropLast(4).filter { ogg[$0..<$0 + 4] == Data("OggS".utf8) }
        try ogg.prefix(pages[pages.count - 3]).write(to: URL(fileURLWithPath: path("cut-pages-in.ogv")))  // on a page's edge
        for (input, packet, share) in [("in.ts", 188, 0.77), ("in.m2ts", 192, 0.61)] {  // on a packet's edge, inside a picture
            let data = try Data(contentsOf: URL(fileURLWithPath: path(input)))
            try data.prefix(Int(Double(data.count / packet) * share) * packet).write(to: URL(fileURLWithPath: path("cut-edge-" + input)))
        }
        // Between fragments, before the fifth of six.
        let fragments = try Data(contentsOf: URL(fileURLWithPath: path("frag.mp4")))
        let moofs = fragments.indices.dropLast(4).filter { fragments[$0..<$0 + 4] == Data("moof".utf8) }.map { $0 - 4 }
        XCTAssertEqual(moofs.count, 6)
        try fragments.prefix(moofs[4]).write(to: URL(fileURLWithPath: path("cut-edge-frag.mp4")))
        for (input, keeping) in [("in.ts", 0.51), ("in.m2ts", 0.51), ("frag.mp4", 0.5), ("frag.mp4", 0.75), ("in.ts", 0.77),
                                 ("in.ogv", 0.5), ("pages-in.ogv", 1), ("in.wmv", 0.5), ("in.wmv", 0.9), ("in.mpg", 0.51), ("in.vob", 0.73), ("in.avi", 0.9), ("intra.ts", 0.793),
                                 ("edge-in.ts", 1), ("edge-in.m2ts", 1), ("in.nut", 0.6), ("edge-frag.mp4", 1),
                                 ("live.flv", 0.6), ("live.mkv", 0.6), ("in.mxf", 0.87), ("in.dv", 0.613), ("in.h264", 0.6), ("in.m2v", 0.6),
                                 ("in.m4v", 0.6), ("in.h263", 0.6)] {
            let cutName = keeping < 1 ? "cut-\(keeping)-" + input : "cut-" + input
            if keeping < 1 { try cut(input, to: cutName, keeping: keeping) }
            // Read as a file, from the rest of a redirected stdin (never sought), and through a pipe.
            for way in Self.readingWays {
                let r = try Tool.shell(way(cutName), in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                let n = try decodedFrames("out.mkv")
                XCTAssertGreaterThan(n, Int(50 * keeping) - 20, cutName)
                XCTAssertLessThan(n, 60, cutName)
                XCTAssertTrue(r.stderr.contains("input ended early (a file cut off, or an unreadable tail), after \(n) "), "\(way(cutName)): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("the output is complete"), "\(way(cutName)): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("of the \(n) frames"), "\(way(cutName)): \(r.stderr)")
            }
        }
        try Tool.ffmpeg(["-i", "in.ts", "-c", "copy", "in.mkv"], in: folder)
        for (input, index) in [("in.avi", Data("idx1".utf8)), ("in.mkv", Data([0x1C, 0x53, 0xBB, 0x6B]))] {  // idx1, Cues
            let data = try Data(contentsOf: URL(fileURLWithPath: path(input)))
            let at = try XCTUnwrap(data.lastRange(of: index)).lowerBound
            try data.prefix(at + 40).write(to: URL(fileURLWithPath: path("index-cut-" + input)))
        }
        for (input, whole) in ["in.ts", "in.m2ts", "frag.mp4", "in.ogv", "in.wmv", "in.mpg", "in.vob", "in.avi", "streamed.avi", "intra.ts", "in.nut",
                               "live.flv", "live.mkv", "in.mxf", "in.dv", "in.h264", "in.m2v", "in.m4v", "in.h263"].map({ ($0, $0) })
                + [("index-cut-in.avi", "in.avi"), ("index-cut-in.mkv", "in.mkv")] {
            for way in Self.readingWays {
                let r = try Tool.shell(way(input), in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(r.stderr, "", way(input))
                XCTAssertEqual(try decodedFrames("out.mkv"), try decodedFrames(whole), input)
            }
        }
    }

    /// A network source that goes silent after a picture cut short (its last MPEG-TS packet
    /// sent) is taken as ended after its `--input-timeout`, as any silent source: its concealed
    /// last picture is no file cut off, which a clean end of input would have been. A timeout
    /// that is no number of seconds is refused, and so is one for a file, where it does nothing.
    func testASilentNetworkSourceIsNoFileCutOff() throws {
        try makeClip("in.ts", extra: ["-f", "mpegts"])
        let data = try Data(contentsOf: URL(fileURLWithPath: path("in.ts")))
        try data.prefix(Int(Double(data.count / 188) * 0.77) * 188).write(to: URL(fileURLWithPath: path("cut.ts")))
        let port = Int.random(in: 20000..<60000)
        let clarity = try ChildProcess([Tool.clarity, "transcode", "tcp://127.0.0.1:\(port)?listen", "out.mkv", "--progress", "none",
                                        "--scale", "2", "--model", "bicubic", "--input-timeout", "2.5"], directory: folder.path, stdout: .discard)
        Thread.sleep(forTimeInterval: 1)
        let sent = try Tool.shell("bash -c '(cat cut.ts; sleep 4) > /dev/tcp/127.0.0.1/\(port)'", in: folder)
        XCTAssertEqual(sent.status, 0, sent.stderr)
        let r = try clarity.wait()
        XCTAssertEqual(r.status, 0, r.stderrText)
        XCTAssertTrue(r.stderrText.contains("sent nothing for 2.5 s: taken as its end"), r.stderrText)
        XCTAssertFalse(r.stderrText.contains("ended early"), r.stderrText)
        XCTAssertGreaterThan(try decodedFrames("out.mkv"), 40)
        for bad in ["-1", "nan", "soon"] {
            try expectFailure(["transcode", "cut.ts", "out.mkv", "--input-timeout", bad], status: 64, mentioning: "--input-timeout")
        }
        try expectFailure(["transcode", "cut.ts", "file.mkv", "--input-timeout", "5"], status: 64,
                          mentioning: "--input-timeout is for network inputs (udp://, rtmp://, http://, ...): cut.ts is no such input")
    }

    /// FFmpeg's JPEG decoder makes a picture cut short whole (its missing part grey) with a
    /// warning only: a photo or an MJPEG stream cut inside its last picture was written without
    /// a word. A stream that never ends its pictures (as some cameras write), or a photo
    /// followed by other bytes (a phone's motion photo), is no cut. A
    /// picture whose decoder fails says why there is no output; a WebP or TIFF cut short, that
    /// it is cut (it was "a feature its decoder lacks", 69). A QOI cut short (grey rows) and an
    /// APNG (its last frames lost) were written without a word, or "the output is complete".
    func testPicturesCutShortAreSaid() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-q:v", "2", "photo.jpg"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "mjpeg", "camera.mjpeg"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "photo.png"], in: folder)
        try cut("photo.jpg", to: "cut.jpg", keeping: 0.6)
        try cut("camera.mjpeg", to: "cut.mjpeg", keeping: 0.55)
        let camera = try Data(contentsOf: URL(fileURLWithPath: path("camera.mjpeg")))
        var unended = Data()
        var i = camera.startIndex
        while i < camera.endIndex {
            if camera[i] == 0xFF, i + 1 < camera.endIndex, camera[i + 1] == 0xD9 { i += 2; continue }
            unended.append(camera[i])
            i += 1
        }
        XCTAssertEqual(camera.count - unended.count, 60)  // 30 end markers
        try unended.write(to: URL(fileURLWithPath: path("unended.mjpeg")))
        // A motion photo: a video appended after the picture's end (here bytes that hold the
        // markers of a scan's start and a picture's end in the wrong order).
        var motion = try Data(contentsOf: URL(fileURLWithPath: path("photo.jpg")))
        motion.append(contentsOf: [0, 0, 0, 24] + Array("ftypmp42".utf8) + [0xFF, 0xD9, 7, 0xFF, 0xDA, 1, 2, 3, 4, 5, 6, 7])
        try motion.write(to: URL(fileURLWithPath: path("motion.jpg")))
        for (input, output) in [("cut.jpg", "out.png"), ("cut.mjpeg", "out.mkv")] {
            for command in ["'\(Tool.clarity)' transcode \(input) \(output) -y --progress none",
                            "cat \(input) | '\(Tool.clarity)' transcode - \(output) -y --progress none"] {
                let r = try Tool.shell(command, in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                let frames = try decodedFrames(output)
                XCTAssertEqual(frames, input == "cut.jpg" ? 1 : 17, command)  // 16 whole, 1 cut
                let counted = frames == 1 ? "1 frame" : "\(frames) frames"
                XCTAssertTrue(r.stderr.contains("input ended early (a file cut off, or an unreadable tail), after \(counted)\n"), "\(command): \(r.stderr)")
            }
        }
        for (input, output) in [("photo.jpg", "out.png"), ("motion.jpg", "out.png"), ("camera.mjpeg", "out.mkv"), ("unended.mjpeg", "out.mkv")] {
            let r = try Tool.clarity(["transcode", input, output, "-y", "--progress", "none", "--scale", "2", "--model", "bicubic"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "", input)
        }
        try cut("photo.png", to: "cut.png", keeping: 0.6)
        try expectFailure(["transcode", "cut.png", "none.png", "--scale", "2"], status: 65,
                          mentioning: "cut.png gave no frame to write: its video's 1 packet(s) could not be decoded (the file is damaged, or cut short)")
        // A WebP or TIFF cut short reads as no picture at all: damage (65), not a codec FFmpeg
        // lacks (69). A QOI's decoder makes the missing rows grey; an APNG's last frames are lost.
        for ext in ["webp", "tiff"] {
            try Tool.ffmpeg(["-i", "photo.png", "photo.\(ext)"], in: folder)
            try cut("photo.\(ext)", to: "cut.\(ext)", keeping: 0.6)
            try expectFailure(["transcode", "cut.\(ext)", "none.png", "--scale", "2"], status: 65,
                              mentioning: "cut.\(ext) is cut short (a download or a copy not finished): its \(ext) picture ends before")
        }
        try Tool.ffmpeg(["-i", "photo.png", "photo.qoi"], in: folder)
        try cut("photo.qoi", to: "cut.qoi", keeping: 0.6)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2", "-plays", "0", "moving.apng"], in: folder)
        try cut("moving.apng", to: "cut.apng", keeping: 0.6)
        for (input, output, frames) in [("cut.qoi", "out.png", 1...1), ("cut.apng", "out.apng", 20...45)] {
            let piped = "cat \(input) | '\(Tool.clarity)' transcode - \(output) -y --progress none --model bicubic --scale 2"
            for command in ["'\(Tool.clarity)' transcode \(input) \(output) -y --progress none --model bicubic --scale 2"]
                + (input == "cut.apng" ? [] : [piped]) {
                let r = try Tool.shell(command, in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                let n = try decodedFrames(output)
                XCTAssertTrue(frames.contains(n), "\(command): \(n) frames")
                XCTAssertTrue(r.stderr.contains("input ended early (a file cut off, or an unreadable tail), after \(n == 1 ? "1 frame" : "\(n) frames")\n"),
                              "\(command): \(r.stderr)")
            }
        }
        // FFmpeg's APNG reader seeks, and it reads TIFF in pieces from a stream: a pipe is refused
        // as such (it was "not a media file", and "a feature its decoder lacks", 69). A WebP's
        // cut is seen in a pipe too.
        for (input, status, said) in [("moving.apng", 66, "stdin cannot be read as a stream: FFmpeg's apng reader must seek in the file"),
                                      ("photo.tiff", 66, "reads tiff pictures from files only, not from a stream"),
                                      ("cut.webp", 65, "stdin is cut short (a download or a copy not finished)")] {
            let piped = try Tool.shell("cat \(input) | '\(Tool.clarity)' transcode - out.png -y --scale 2", in: folder)
            XCTAssertEqual(piped.status, Int32(status), piped.stderr)
            XCTAssertTrue(piped.stderr.contains(said), piped.stderr)
        }
        for (input, output) in [("photo.webp", "out.png"), ("photo.tiff", "out.png"), ("photo.qoi", "out.png"), ("moving.apng", "out.apng")] {
            let r = try Tool.clarity(["transcode", input, output, "-y", "--progress", "none", "--scale", "2", "--model", "bicubic"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "", input)
        }
    }

    /// An MP4 cut short ends with a clean end of file; its index still tells what is missing.
    func testTruncatedMP4IsReportedAgainstItsIndex() throws {
        try makeClip("in.mp4", extra: ["-movflags", "+faststart"])  // the index first, as streamed MP4s have it
        try cut("in.mp4", to: "cut.mp4", keeping: 2.0 / 3)
        let r = try Tool.clarity(["transcode", "cut.mp4", "out.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("input ended early"), r.stderr)
        XCTAssertFalse(r.stderr.contains("the output is complete"), r.stderr)
        let n = try decodedFrames("out.mkv")
        XCTAssertTrue(r.stderr.contains("after \(n) of the 60 frames the container lists"), r.stderr)
    }

    /// An MP4 whose index comes first, cut inside its first picture, and a fragmented MP4 cut
    /// before its first fragment hold no picture: said so (65), by name or through a pipe. They
    /// were "a feature its decoder lacks" (69), and through a pipe "most MP4s keep their index
    /// at their end" (66), which is still said of such an MP4.
    func testAnMP4CutBeforeItsPicturesSaysSo() throws {
        try makeClip("in.mp4", extra: ["-movflags", "+faststart"])
        try makeClip("frag.mp4", extra: ["-movflags", "frag_keyframe+empty_moov+default_base_moof"])
        try makeClip("late.mp4")
        for (input, box, after, cutName) in [("in.mp4", "mdat", 200, "cut.mp4"), ("frag.mp4", "moof", -4, "unfragmented.mp4")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path(input)))
            let at = try XCTUnwrap(data.indices.dropLast(4).first { data[$0..<$0 + 4] == Data(box.utf8) })
            try data.prefix(at + after).write(to: URL(fileURLWithPath: path(cutName)))
        }
        for (input, status, said) in [("cut.mp4", 65, " holds no whole picture: its index lists 60, and the file ends before the first one does"),
                                      ("unfragmented.mp4", 65, " holds no picture: it is a fragmented MP4 (as a recording writes) that ends before its first fragment"),
                                      ("late.mp4", 66, ": no picture could be read from this MP4 through a pipe: most MP4s keep their index at their end")] {
            for (command, name) in [("'\(Tool.clarity)' transcode \(input) out.mkv", input), ("cat \(input) | '\(Tool.clarity)' transcode - out.mkv", "stdin")]
                where input != "late.mp4" || name == "stdin" {
                let r = try Tool.shell(command, in: folder)
                XCTAssertEqual(r.status, Int32(status), "\(command): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(name + said), "\(command): \(r.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.mkv")), command)
            }
        }
    }

    /// AVI's header counts ticks of its time base, which `ffmpeg -c copy` makes 1/60 s for
    /// 30 fps H.264: the whole file was said to end after 60 of its "120 frames", and so was
    /// one of a variable rate. Cut, it still is said to be, against the length it states.
    func testAnAVIOfTicksFinerThanItsFramesIsWhole() throws {
        try makeClip()
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "copy.avi"], in: folder)
        XCTAssertEqual(try Tool.probe("copy.avi", stream: "v", entries: "stream=time_base,nb_frames", in: folder), ["1/60,120"])
        let whole = try Tool.clarity(["transcode", "copy.avi", "whole.mkv", "--progress", "json"], in: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertFalse(whole.stderr.contains("ended early"), whole.stderr)
        let done = try XCTUnwrap(LiveTests.finalReport(whole.stderr), whole.stderr)
        XCTAssertEqual(done["frames"] as? Int, 60)
        XCTAssertEqual(done["expected_frames"] as? Int, 60)
        try cut("copy.avi", to: "cut.avi")
        let cut = try Tool.clarity(["transcode", "cut.avi", "cut.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(cut.status, 0, cut.stderr)
        let n = try decodedFrames("cut.mkv")
        XCTAssertLessThan(n, 50)
        XCTAssertTrue(cut.stderr.contains("input ended early (a file cut off, or an unreadable tail), after \(n) frames: the file ends"), cut.stderr)
        XCTAssertTrue(cut.stderr.contains("into the 2.00 s its container states"), cut.stderr)
        // Frames 0-19 at 30 fps, then every other tick.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=2", "-vf", "setpts='if(lt(N,20),N,2*N)/(30*TB)'",
                         "-fps_mode", "passthrough", "-c:v", "libx264", "-qp", "23", "vfr.avi"], in: folder)
        let vfr = try Tool.clarity(["transcode", "vfr.avi", "vfr.mkv", "--progress", "json"], in: folder)
        XCTAssertEqual(vfr.status, 0, vfr.stderr)
        XCTAssertFalse(vfr.stderr.contains("ended early"), vfr.stderr)
        XCTAssertEqual(try XCTUnwrap(LiveTests.finalReport(vfr.stderr))["expected_frames"] as? Int, 60)
    }

    /// A Matroska file cut off (a copy or a download not finished) ends cleanly for FFmpeg's
    /// demuxer; the length its header states tells what is missing. A stream that only runs
    /// longer than the video, left out, is no cut.
    func testCutOffMatroskaIsReportedAgainstItsStatedLength() throws {
        try makeClip("in.mkv", seconds: 4)
        try cut("in.mkv", to: "cut.mkv")
        let r = try Tool.clarity(["transcode", "cut.mkv", "out.mp4", "--progress", "json"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("input ended early"), r.stderr)
        XCTAssertTrue(r.stderr.contains("into the 4.0"), r.stderr)
        let done = try XCTUnwrap(LiveTests.finalReport(r.stderr), r.stderr)
        XCTAssertEqual(done["truncated"] as? Bool, true)
        let reached = try XCTUnwrap(done["truncated_at_s"] as? Double), stated = try XCTUnwrap(done["stated_length_s"] as? Double)
        XCTAssertEqual(stated, 4, accuracy: 0.05)
        let seconds = Double(try Tool.probe("out.mp4", stream: "v", entries: "stream=duration", in: folder)[0])!
        XCTAssertEqual(reached, seconds, accuracy: 0.2)  // the audio read reaches a little further
        XCTAssertGreaterThan(seconds, 1)
        XCTAssertLessThan(seconds, 3)

        let probed = try Tool.clarity(["probe", "cut.mkv"], in: folder)
        XCTAssertEqual(probed.status, 0, probed.stderr)
        XCTAssertTrue(probed.stderr.contains("input ended early"), probed.stderr)
        let whole = try Tool.clarity(["transcode", "in.mkv", "whole.mp4", "--progress", "none"], in: folder)
        XCTAssertFalse(whole.stderr.contains("ended early"), whole.stderr)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=2", "-f", "lavfi", "-i", "sine=duration=4",
                         "-c:v", "libx264", "-c:a", "aac", "long-audio.mkv"], in: folder)
        let silent = try Tool.clarity(["transcode", "long-audio.mkv", "video.mp4", "--no-audio", "--progress", "none"], in: folder)
        XCTAssertEqual(silent.status, 0, silent.stderr)
        XCTAssertFalse(silent.stderr.contains("ended early"), silent.stderr)
    }

    /// A stderr whose reader has gone (`clarity ... 2>&1 | head -1` once head is done) loses
    /// the messages, not the run: writing them trapped in Foundation, leaving no output.
    func testAClosedStderrLosesTheMessagesNotTheRun() throws {
        try makeClip("in.mkv", seconds: 2)
        try cut("in.mkv", to: "cut.mkv")
        let r = try Tool.shell("{ '\(Tool.clarity)' transcode cut.mkv out.mp4 --scale 2 2>&1 >/dev/null; echo $? > status; } | true", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: path("status")).trimmingCharacters(in: .whitespacesAndNewlines), "0")
        let n = try decodedFrames("out.mp4")
        XCTAssertGreaterThan(n, 10)
    }

    /// A capture across a change of programme: the stream goes from 320x180 to 480x270. The
    /// later frames are scaled to the first size (the stages and encoder keep one), with a
    /// warning, through a model as through swscale.
    func testAStreamThatChangesSizeIsScaledToItsFirstSize() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-c:v", "libx264", "a.ts"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=480x270:rate=25", "-t", "0.2", "-c:v", "libx264",
                         "-output_ts_offset", "1.6", "b.ts"], in: folder)
        XCTAssertEqual(try Tool.shell("cat a.ts b.ts > ab.ts", in: folder).status, 0)
        for options in [[], ["--model", "bicubicpp"]] {
            let r = try Tool.clarity(["transcode", "ab.ts", "out.mkv", "-y", "--scale", "2", "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("changed shape mid-stream (to 480x270 yuv420p, first): 5 frame(s)"), r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "frame=width", in: folder), Array(repeating: "640", count: 10), "\(options)")
        }
    }

    func testCorruptPacketsAreCountedAndSurvived() throws {
        try makeClip("in.ts", extra: ["-f", "mpegts"])
        var data = try Data(contentsOf: URL(fileURLWithPath: path("in.ts")))
        // Overwrite payload bytes (not the 188-byte TS headers) across the middle of the stream.
        var rng = SeededRandom(seed: 20261130)
        let start = data.count / 3
        for packet in stride(from: start - start % 188, to: start * 2, by: 188 * 3) {
            for i in 8..<188 where packet + i < data.count { data[packet + i] = UInt8.random(in: 0...255, using: &rng) }
        }
        try data.write(to: URL(fileURLWithPath: path("bad.ts")))
        let r = try Tool.clarity(["transcode", "bad.ts", "out.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("input damaged"), r.stderr)
        XCTAssertFalse(r.stderr.contains(" 0 packet") || r.stderr.contains(" 0 frame"), "only the damage there was: \(r.stderr)")
        let n = try decodedFrames("out.mkv")
        XCTAssertGreaterThan(n, 30, "decoding goes on past the damage")
    }

    /// TrueHD in Matroska (a Blu-ray remux) times its 1/1200 s frames in milliseconds, so one
    /// in six shares its decoding time with the one before. MPEG-TS refuses a time that does
    /// not rise: a sixth of the sound was dropped as damage. They move on a tick, as ffmpeg's do.
    func testPacketsAClockMadeEqualAreKept() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
                         "-c:v", "libx264", "-c:a", "truehd", "-strict", "-2", "-ac", "6", "hd.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "hd.mkv", "out.ts", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("dropped"), r.stderr)
        XCTAssertEqual(try Tool.probe("out.ts", stream: "a", entries: "packet=dts", in: folder).filter { !$0.isEmpty }.count,
                       try Tool.probe("hd.mkv", stream: "a", entries: "packet=dts", in: folder).count)
        let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", "out.ts", "-map", "0:a", "-ac", "1", "-f", "s16le", "-"], in: folder).stdout
        XCTAssertEqual(Double(decoded.count) / 2 / 48000, 1, accuracy: 0.02, "a second of sound")
    }

    /// An ADTS header damaged into claiming a CRC and two raw data blocks: Matroska's
    /// aac_adtstoasc refuses it as unimplemented (PATCHWELCOME). That packet is dropped and
    /// counted; the run does not fail.
    func testAnAudioPacketTheMuxerCannotTakeIsDropped() throws {
        try makeClip("in.ts", extra: ["-f", "mpegts"])
        var data = try Data(contentsOf: URL(fileURLWithPath: path("in.ts")))
        let sync = try XCTUnwrap(data.range(of: Data([0xFF, 0xF1]), in: (data.startIndex + data.count / 2)..<data.endIndex)).lowerBound
        data[sync + 1] = 0xF0                               // protection_absent = 0
        data[sync + 6] = (data[sync + 6] & 0xFC) | 1        // two raw data blocks
        try data.write(to: URL(fileURLWithPath: path("rdb.ts")))
        let r = try Tool.clarity(["transcode", "rdb.ts", "out.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropped 1 damaged packet(s) of copied streams"), r.stderr)
        let audio = try Tool.probe("out.mkv", stream: "a", entries: "packet=pts_time", in: folder)
        let original = try Tool.probe("in.ts", stream: "a", entries: "packet=pts_time", in: folder)
        XCTAssertEqual(audio.count, original.count - 1)
    }
}

