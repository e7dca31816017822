import ClarityProcess
import Foundation
import XCTest

final class PipeTests: ToolTestCase {
    func testY4MPipeRoundTripIsExactWithoutResize() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe | ffmpeg -v error -y -f yuv4mpegpipe -i - -c:v ffv1 out.mkv", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try Tool.frameHashes("in.mp4", in: folder), b = try Tool.frameHashes("out.mkv", in: folder)
        XCTAssertEqual(a.count, 60)
        XCTAssertEqual(a, b)
    }

    /// 10-bit y4m (C420p10, an extension of the format) goes through exact and stays 10-bit;
    /// it could not be written at all before.
    /// FFmpeg 5.1's GIF reader reads the whole file before going back to its start: through a
    /// pipe, an animated GIF longer than what the pipe's reader holds (32 KiB) was "not a media
    /// file" (an I/O error); it is refused as such. A shorter one is read.
    func testAnAnimatedGIFThroughAPipe() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "1", "short.gif"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "2", "long.gif"], in: folder)
        let sizes = try ["short.gif", "long.gif"].map { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path($0))[.size] as? Int) }
        XCTAssertTrue(sizes[0] < 32 << 10 && sizes[1] > 32 << 10, "\(sizes)")
        let read = try Tool.shell("cat short.gif | '\(Tool.clarity)' transcode - out.mkv --progress none --scale 2 --model bicubic", in: folder)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(try decodedFrames("out.mkv"), 10)
        let refused = try Tool.shell("cat long.gif | '\(Tool.clarity)' transcode - late.mkv --progress none --scale 2", in: folder)
        XCTAssertEqual(refused.status, 66, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("stdin cannot be read as a stream: FFmpeg's gif reader must seek in the file"), refused.stderr)
    }

    func testTenBitY4MRoundTripIsExact() throws {
        try makeClip(seconds: 0.5, pixFmt: "yuv420p10le")
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -strict -1 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe > out.y4m", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.y4m", stream: "v", entries: "stream=pix_fmt", in: folder), ["yuv420p10le"])
        let a = try Tool.frameHashes("in.mp4", in: folder)
        XCTAssertEqual(a.count, 15)
        XCTAssertEqual(try Tool.frameHashes("out.y4m", in: folder), a)
    }

    /// y4m holds YUV and grey only: frames in another format (RGB from pictures or a screen
    /// capture, 4:4:0, YUV with alpha) become the nearest it holds, as ffmpeg's `-pix_fmt`
    /// makes them, where the run stopped at y4m's header (73) unless something upscaled them;
    /// one it cannot hold, asked for by name, is refused before anything is written.
    func testFramesY4MCannotHoldBecomeOnesItHolds() throws {
        for (format, header, nearest) in [("rgb24", "C444 ", "yuv444p"), ("yuv440p", "C444 ", "yuv444p"), ("yuva420p", "C420jpeg ", "yuv420p"),
                                          ("rgb48le", "C444p16 ", "yuv444p16")] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.12", "-pix_fmt", format, "-c:v", "rawvideo",
                             "-f", "nut", "-y", "in.nut"], in: folder)
            let r = try Tool.shell("'\(Tool.clarity)' pipe --progress none < in.nut > out.y4m", in: folder)
            XCTAssertEqual(r.status, 0, "\(format): \(r.stderr)")
            let head = try Data(contentsOf: URL(fileURLWithPath: path("out.y4m"))).prefix(64)
            XCTAssertTrue(String(decoding: head, as: UTF8.self).contains(header), "\(format): \(String(decoding: head, as: UTF8.self))")
            XCTAssertEqual(try Tool.frameHashes("out.y4m", in: folder), try Tool.frameHashes("in.nut", filter: "format=\(nearest)", in: folder),
                           format)
        }
        let asked = try Tool.clarity(["transcode", "in.nut", "rgb.y4m", "--pix-fmt", "rgb24"], in: folder)
        XCTAssertEqual(asked.status, 64, asked.stderr)
        XCTAssertTrue(asked.stderr.contains("yuv4mpegpipe cannot hold rgb24 frames; it holds yuv420p, yuv422p, yuv444p"), asked.stderr)
    }

    /// y4m states its pixel shape in its header only (the A field), not in the codec's
    /// parameters: an anamorphic DVD's 4:3 pixels were read as square, and the upscale came out
    /// squeezed, through a pipe and into a file alike.
    func testY4MPixelShapeIsKept() throws {
        try makeClip(seconds: 0.2, extra: ["-vf", "scale=360:270,setsar=4/3"])
        try Tool.ffmpeg(["-i", "in.mp4", "-f", "yuv4mpegpipe", "in.y4m"], in: folder)
        for (command, out, shape) in [("pipe --scale 2 < in.y4m > out.y4m", "out.y4m", "720,540,4:3"),
                                      ("pipe --size 4k < in.y4m > out.y4m", "out.y4m", "3840,2160,1:1"),
                                      ("transcode in.y4m out.mkv --scale 2", "out.mkv", "720,540,4:3")] {
            let r = try Tool.shell("'\(Tool.clarity)' \(command) --progress none", in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=width,height,sample_aspect_ratio", in: folder), [shape], command)
        }
    }

    /// Bare frames both ways, described by demuxer options: exact without resizing, the right
    /// count and size with it; raw frames without a size, or an option the demuxer lacks, are
    /// refused with what to give.
    func testRawFramesInAndOut() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "0.5", "-pix_fmt", "yuv420p", "-f", "rawvideo", "in.yuv"], in: folder)
        let raw = "'\(Tool.clarity)' pipe --input-format rawvideo --input-option video_size=320x180 --input-option pixel_format=yuv420p --input-option framerate=30"
        let same = try Tool.shell("\(raw) --output-format rawvideo < in.yuv > out.yuv && cmp in.yuv out.yuv", in: folder)
        XCTAssertEqual(same.status, 0, same.stderr)
        let up = try Tool.shell("\(raw) --scale 2 < in.yuv > up.y4m", in: folder)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(try Tool.probe("up.y4m", stream: "v", entries: "stream=width,height,r_frame_rate,nb_read_frames", in: folder, extra: ["-count_frames"]),
                       ["640,360,30/1,15"])
        let unsized = try Tool.shell("'\(Tool.clarity)' pipe --input-format rawvideo < in.yuv > /dev/null", in: folder)
        XCTAssertEqual(unsized.status, 64)
        XCTAssertTrue(unsized.stderr.contains("--input-option video_size=WxH"), unsized.stderr)
        let unknown = try Tool.shell("\(raw) --input-option colour=blue < in.yuv > /dev/null", in: folder)
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("the rawvideo demuxer has no option 'colour'"), unknown.stderr)
    }

    /// A stream of bare frames cut mid-frame is a truncated input: y4m's demuxer would end
    /// quietly before the partial frame, raw video's would hand it on to fail as damage.
    func testBareFramesCutMidFrameAreReportedAsTruncated() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "0.5", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "in.y4m"], in: folder)
        try Tool.ffmpeg(["-i", "in.y4m", "-f", "rawvideo", "in.yuv"], in: folder)
        let frame = 320 * 180 * 3 / 2
        let raw = "--input-format rawvideo --input-option video_size=320x180 --input-option pixel_format=yuv420p"
        for (input, options, cut) in [("in.y4m", "", 2 * frame + 100), ("in.yuv", raw, 2 * frame + 100), ("in.yuv", raw, 3 * frame)] {
            let whole = try Tool.shell("'\(Tool.clarity)' pipe \(options) < \(input) > out.y4m", in: folder)
            XCTAssertEqual(whole.status, 0, whole.stderr)
            XCTAssertFalse(whole.stderr.contains("warning"), "\(input): \(whole.stderr)")
            let r = try Tool.shell("head -c \(cut) \(input) | '\(Tool.clarity)' pipe \(options) > out.y4m", in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.y4m", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"]), ["\(cut / frame)"])
            // Cut on a frame's last byte, raw frames end cleanly (there is nothing to tell).
            XCTAssertEqual(r.stderr.contains("input ended early"), cut % frame != 0, "\(input), \(cut) bytes: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("could not be decoded"), r.stderr)
        }
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
        let r = try Tool.shell("cat in.mkv | '\(Tool.clarity)' pipe --input-format matroska --output-format nut > out.nut", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.nut", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
    }

    /// A pipe named by a path (a named pipe, a shell's `<(...)`) is read once, as stdin is: a
    /// second look at a named pipe waited for ever for a writer that had gone, and a look at
    /// the first bytes (for a playlist) took them from the demuxer (an MP4 read as "not a
    /// media file"). Subtitle files named so are kept whole for their several readings.
    func testAPipeByItsPathIsReadOnce() throws {
        try makeClip(seconds: 1)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-f", "mpegts", "in.ts"], in: folder)
        let named = try Tool.shell("mkfifo named && (cat in.ts > named &) && timeout 60 '\(Tool.clarity)' transcode named out.mkv --progress none",
                                   in: folder)
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder).count, 30)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
        let substituted = try Tool.shell("timeout 60 bash -c \"'\(Tool.clarity)' transcode <(cat in.mp4) none.mkv\"", in: folder)
        XCTAssertEqual(substituted.status, 66, substituted.stderr)
        XCTAssertTrue(substituted.stderr.contains("no picture could be read from this MP4 through a pipe"), substituted.stderr)
        // Subtitle files are read more than once: a pipe's are kept (burning one read as empty,
        // 65; adding one from a named pipe waited for ever).
        try "1\n00:00:00,000 --> 00:00:00,800\nHello\n\n2\n00:00:00,900 --> 00:00:01,000\nAgain\n".write(toFile: path("s.srt"), atomically: true, encoding: .utf8)
        let burnt = try Tool.shell("timeout 60 bash -c \"'\(Tool.clarity)' transcode in.mp4 piped.mkv --codec ffv1 --burn-subtitles <(cat s.srt) --progress none\" && "
                                   + "'\(Tool.clarity)' transcode in.mp4 file.mkv --codec ffv1 --burn-subtitles s.srt --progress none", in: folder)
        XCTAssertEqual(burnt.status, 0, burnt.stderr)
        XCTAssertEqual(try Tool.frameHashes("piped.mkv", in: folder), try Tool.frameHashes("file.mkv", in: folder))
        let drawn = zip(try Tool.frameHashes("piped.mkv", in: folder), try Tool.frameHashes("in.mp4", in: folder)).filter { $0 != $1 }.count
        XCTAssertEqual(drawn, 27, "the text is drawn on the frames of its times")
        let added = try Tool.shell("mkfifo subtitles && (cat s.srt > subtitles &) && timeout 60 '\(Tool.clarity)' transcode in.mp4 added.mkv "
                                   + "--add-subtitles subtitles --progress none", in: folder)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(try Tool.probe("added.mkv", stream: "s", entries: "packet=pts", in: folder).count, 2)
    }

    /// A named pipe as the output is written in place, in the container its name's extension
    /// says (`out.mkv` had been given y4m, the audio dropped); stdout's path, y4m as `-`.
    func testANamedPipeOutputTakesItsNamesContainer() throws {
        try makeClip(seconds: 1)
        let r = try Tool.shell("mkfifo out.mkv && cat out.mkv > got.mkv & sleep 0.2; timeout 60 '\(Tool.clarity)' transcode in.mp4 out.mkv "
                               + "--progress none; status=$?; wait; exit $status", in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("dropping"), r.stderr)
        XCTAssertEqual(try Tool.probe("got.mkv", stream: "v", entries: "stream=codec_name", in: folder), ["h264"])
        XCTAssertEqual(try Tool.probe("got.mkv", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
        XCTAssertEqual(try Tool.frameHashes("got.mkv", in: folder).count, 30)
        let stdout = try Tool.shell("'\(Tool.clarity)' transcode in.mp4 /dev/stdout --progress none | head -c 9", in: folder)
        XCTAssertEqual(stdout.text, "YUV4MPEG2")
    }

    /// ADTS AAC (MPEG-TS's, as a broadcast or a camera sends it) copied into Matroska or MP4
    /// through a pipe, and into Smooth Streaming: a header written once holds the set-up its
    /// packets state, and MP4's fragments take its frames bare. Matroska refused ("Error
    /// parsing AAC extradata", 73) and MP4 stopped at the first packet (74), as ffmpeg does.
    func testADTSAudioIntoHeadersWrittenOnce() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                         "-t", "1", "-ac", "6", "-c:v", "libx264", "-c:a", "aac", "-f", "mpegts", "in.ts"], in: folder)
        let sound = { (file: String) in try Tool.run("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a", "-f", "md5", "-"], in: self.folder).text }
        let packets = { (file: String) in try Tool.probe(file, stream: "a", entries: "packet=size", in: self.folder) }
        for (command, file) in [("pipe --output-format matroska --progress none < in.ts | cat > out.mkv", "out.mkv"),
                                ("pipe --output-format mp4 --progress none < in.ts | cat > out.mp4", "out.mp4"),
                                ("transcode in.ts out.ismv --progress none", "out.ismv")] {
            let r = try Tool.shell("'\(Tool.clarity)' \(command)", in: folder)
            XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
            XCTAssertEqual(try Tool.probe(file, stream: "a", entries: "stream=codec_name,sample_rate,channels,extradata_size", in: folder),
                           ["aac,48000,6,2"], file)
            XCTAssertEqual(try packets(file).count, try packets("in.ts").count, file)
            XCTAssertEqual(try sound(file), try sound("in.ts"), file)
        }
    }

    /// Containers that index themselves, read through a pipe (no seeking): --start reads on
    /// from the beginning and gives the frames a file gives (Matroska's demuxer "seeks" a pipe
    /// by reading past the key frame the part needs: no frame came out); an MP4 or a WTV whose
    /// index is at its end cannot be read from a pipe, and the error says why and what to do.
    func testContainersThroughAPipe() throws {
        try makeClip(seconds: 2)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "in.mkv"], in: folder)
        let file = try Tool.clarity(["transcode", "in.mkv", "part.y4m", "--start", "1.2", "--progress", "none"], in: folder)
        XCTAssertEqual(file.status, 0, file.stderr)
        let part = try Tool.frameHashes("part.y4m", in: folder)
        XCTAssertEqual(part.count, 24)
        let piped = try Tool.shell("cat in.mkv | '\(Tool.clarity)' pipe --start 1.2 --progress none > piped.y4m", in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try Tool.frameHashes("piped.y4m", in: folder), part)
        let indexLast = try Tool.shell("cat in.mp4 | '\(Tool.clarity)' pipe > none.y4m", in: folder)
        XCTAssertEqual(indexLast.status, 66, indexLast.stderr)
        XCTAssertTrue(indexLast.stderr.contains("most MP4s keep their index at their end"), indexLast.stderr)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-movflags", "+faststart", "first.mp4"], in: folder)
        let indexFirst = try Tool.shell("cat first.mp4 | '\(Tool.clarity)' pipe --progress none | wc -c", in: folder)
        XCTAssertEqual(indexFirst.status, 0, indexFirst.stderr)
        XCTAssertGreaterThan(Int(indexFirst.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 60 * 320 * 180)
        // WTV reads its index, at its end, first: said as MP4's is (FFmpeg's "timeline data missing" alone).
        try Tool.ffmpeg(["-i", "in.mp4", "-c:v", "mpeg2video", "-c:a", "mp2", "-t", "0.5", "in.wtv"], in: folder)
        let wtv = try Tool.shell("cat in.wtv | '\(Tool.clarity)' pipe > none.y4m", in: folder)
        XCTAssertEqual(wtv.status, 65, wtv.stderr)
        XCTAssertTrue(wtv.stderr.contains("a WTV recording keeps its index at its end, which a pipe cannot go back for: give the file's name"),
                      wtv.stderr)
        XCTAssertEqual(try Tool.clarity(["transcode", "in.wtv", "wtv.mkv", "--progress", "none"], in: folder).status, 0)
    }

    /// Stdin redirected from a file is that file, read as by its name: an MP4 whose index is
    /// at its end, an APNG, a GIF longer than 32 KiB and a TGA (known by its extension) were
    /// refused as a pipe's are, and `--crop auto` too; `--start` seeks in it.
    /// A file deleted once open is still read; one partly read already is read from there on,
    /// also where it is named /dev/stdin.
    func testStdinRedirectedFromAFileIsThatFile() throws {
        try makeClip(seconds: 2)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "2", "long.gif"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "1", "-plays", "0", "moving.apng"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames", "1", "photo.tga"], in: folder)
        try Tool.ffmpeg(["-i", "in.mp4", "-vf", "pad=320:240:0:30", "-an", "-c:v", "libx264", "bars.mp4"], in: folder)
        let transcode = "'\(Tool.clarity)' transcode --progress none -y --model bicubic"
        // Lossless: x264's frame threads may write another file in each run (`X264Instructions`).
        for (input, output, options) in [("in.mp4", "out.mkv", "--start 1.2 --codec ffv1"), ("in.mp4", "out.mkv", "--codec ffv1"),
                                         ("long.gif", "out.mkv", "--codec ffv1"), ("moving.apng", "out.apng", ""), ("photo.tga", "out.png", ""),
                                         ("bars.mp4", "out.mkv", "--crop auto --codec ffv1")] {
            let named = try Tool.shell("\(transcode) \(options) \(input) \(output) && mv \(output) named-\(output)", in: folder)
            XCTAssertEqual(named.status, 0, named.stderr)
            let redirected = try Tool.shell("\(transcode) \(options) - \(output) < \(input)", in: folder)
            XCTAssertEqual(redirected.status, 0, "\(input) \(options): \(redirected.stderr)")
            XCTAssertEqual(try Tool.frameHashes(output, in: folder), try Tool.frameHashes("named-" + output, in: folder), "\(input) \(options)")
        }
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), ["320,180"])
        XCTAssertEqual(try Tool.shell("cp in.mp4 gone.mp4 && exec < gone.mp4 && rm gone.mp4 && \(transcode) --start 1.2 - gone.mkv", in: folder).status, 0)
        XCTAssertEqual(try decodedFrames("gone.mkv"), 24)
        try Tool.ffmpeg(["-i", "in.mp4", "-f", "yuv4mpegpipe", "in.y4m"], in: folder)
        XCTAssertEqual(try Tool.shell("(printf '%064d' 0; cat in.y4m) > late.y4m", in: folder).status, 0)
        // Named /dev/stdin, it is the same descriptor (it was opened again from its start).
        for command in ["pipe --progress none > rest.y4m", "transcode --progress none -y /dev/stdin rest.y4m"] {
            let rest = try Tool.shell("{ dd of=/dev/null bs=64 count=1 2>/dev/null; '\(Tool.clarity)' \(command); } < late.y4m", in: folder)
            XCTAssertEqual(rest.status, 0, rest.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("rest.y4m"))), try Data(contentsOf: URL(fileURLWithPath: path("in.y4m"))))
        }
        // The rest's end is looked at as a file's: a live recording's Matroska cut short is said.
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-live", "1", "live.mkv"], in: folder)
        try cut("live.mkv", to: "cut.mkv", keeping: 0.6)
        for (input, isCut) in [("live.mkv", false), ("cut.mkv", true)] {
            let r = try Tool.shell("(printf '%064d' 0; cat \(input)) > late.mkv && { dd of=/dev/null bs=64 count=1 2>/dev/null; "
                                   + "\(transcode) --scale 2 - rest.mkv; } < late.mkv", in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.contains("input ended early"), isCut, "\(input): \(r.stderr)")
        }
    }

    /// Stdout sent to a file is written as that file, in the container its name says: an MP4
    /// with its index first (it was fragmented), a Matroska that states its length (it stated
    /// none), one PNG picture (y4m had been written into out.mp4 and out.png); /dev/stdout
    /// too (it was refused as an output that exists; with --overwrite, as root, the link
    /// /dev/stdout itself was replaced by the video). The descriptor is left at the file's
    /// end, so that what follows it in the shell adds to it; a file not empty is added to as a
    /// stream. A run that fails leaves the file empty.
    func testStdoutRedirectedToAFileIsThatFile() throws {
        try makeClip(seconds: 2)
        let transcode = "'\(Tool.clarity)' transcode --progress none in.mp4"
        for (command, file) in [("- > out.mp4", "out.mp4"), ("- --format matroska > out.mkv", "out.mkv"), ("/dev/stdout > dev.mkv", "dev.mkv"),
                                ("- > out", "out")] {
            let r = try Tool.shell("\(transcode) \(command)", in: folder)
            XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
            XCTAssertEqual(try decodedFrames(file), 60, command)
        }
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
        let mp4 = try Data(contentsOf: URL(fileURLWithPath: path("out.mp4")))
        let moov = try XCTUnwrap(mp4.range(of: Data("moov".utf8))), mdat = try XCTUnwrap(mp4.range(of: Data("mdat".utf8)))
        XCTAssertLessThan(moov.lowerBound, mdat.lowerBound)
        XCTAssertNil(mp4.range(of: Data("moof".utf8)))
        for file in ["out.mkv", "dev.mkv"] {
            XCTAssertEqual(try Tool.probe(file, stream: "v", entries: "format=duration", in: folder).last.flatMap(Double.init) ?? 0, 2, accuracy: 0.05)
        }
        XCTAssertEqual(try Tool.probe("out", stream: "v", entries: "format=format_name", in: folder).last, "yuv4mpegpipe")
        let still = try Tool.shell("\(transcode) - > still.png", in: folder)
        XCTAssertEqual(still.status, 0, still.stderr)
        XCTAssertTrue(still.stderr.contains("stdout holds one picture: the first frame is written"), still.stderr)
        XCTAssertEqual(try Tool.probe("still.png", stream: "v", entries: "stream=codec_name", in: folder), ["png"])
        // Its progress counts the bytes written, as a file's (it said 0).
        let counted = try Tool.shell("'\(Tool.clarity)' transcode --progress json in.mp4 - > counted.mkv", in: folder)
        let last = String(counted.stderr.split(separator: "\n").last ?? "")
        let bytes = last.range(of: "\"bytes\":").flatMap { Int(last[$0.upperBound...].prefix { $0.isNumber }) }
        XCTAssertEqual(bytes, try FileManager.default.attributesOfItem(atPath: path("counted.mkv"))[.size] as? Int, counted.stderr)
        // A run that fails leaves the file as the shell made it, empty (it held what was
        // written), as a named output is left unmade: here, past a limit on a file's size.
        let full = try Tool.shell("trap '' XFSZ; ulimit -f 100; \(transcode) --scale 2 - > full.mkv", in: folder)
        XCTAssertEqual(full.status, 74, full.stderr)
        XCTAssertTrue(full.stderr.contains("writing stdout: File too large"), full.stderr)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path("full.mkv"))[.size] as? Int, 0)
        let ts = "\(transcode) - --format mpegts"
        XCTAssertEqual(try Tool.shell("{ \(ts); \(ts); } > both.ts && \(ts) >> both.ts", in: folder).status, 0)
        XCTAssertEqual(try decodedFrames("both.ts"), 180)
    }

    /// Stdout sent to the input itself is refused, as a named output that is the input is:
    /// added to (`>>`, `1<>`), the output was read back as input until the disk filled (20 MB
    /// in 20 s from a 40 KB file); and stdin's file as the named output was replaced by it.
    func testTheInputIsNotItsOwnOutput() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "1", "-c:v", "libx264", "in.ts"], in: folder)
        let original = try Data(contentsOf: URL(fileURLWithPath: path("in.ts")))
        let transcode = "timeout 10 '\(Tool.clarity)' transcode --progress none"
        for command in ["in.ts - --format mpegts >> in.ts", "- - --format mpegts < in.ts >> in.ts", "in.ts /dev/stdout --format mpegts 1<> in.ts",
                        "-y - in.ts < in.ts", "-y /dev/stdin in.ts < in.ts"] {
            let r = try Tool.shell("\(transcode) \(command)", in: folder)
            XCTAssertEqual(r.status, 73, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("write the enhanced copy elsewhere"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("in.ts"))), original, command)
        }
        let added = try Tool.shell("cp in.ts both.ts && \(transcode) in.ts - --format mpegts >> both.ts", in: folder)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(try decodedFrames("both.ts"), 60)
    }

    /// A producer that stalls without closing the pipe: Ctrl-C ends the wait at once and the
    /// output holds every frame that came (a read blocked in the kernel used to keep it waiting).
    func testCtrlCWhileStdinStallsFinishesTheOutput() throws {
        try makeClip(seconds: 0.5)
        try Tool.ffmpeg(["-i", "in.mp4", "-f", "yuv4mpegpipe", "in.y4m"], in: folder)
        XCTAssertEqual(mkfifo(path("feed"), 0o600), 0)
        // The producer sends 15 frames, then holds the pipe open and sends nothing.
        let producer = try ChildProcess(["/bin/sh", "-c", "{ cat in.y4m; exec sleep 60; } > feed"], directory: folder.path)
        let pipe = try ChildProcess(["/bin/sh", "-c", "exec '\(Tool.clarity)' pipe --scale 2 < feed > out.y4m"], directory: folder.path)
        Thread.sleep(forTimeInterval: 3)
        XCTAssertTrue(pipe.isRunning, "the pipe waits for more")
        let stopped = Date()
        pipe.send(SIGINT)
        let r = try pipe.wait()
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 5)
        XCTAssertEqual(r.signal, SIGINT, r.stderrText)
        producer.send(SIGKILL)
        XCTAssertEqual(try Tool.probe("out.y4m", stream: "v", entries: "stream=width,height,nb_read_frames", in: folder, extra: ["-count_frames"]),
                       ["640,360,15"])
    }

    /// A pipe the tool writes is enlarged to 1 MB (a 4K frame crosses 64 KB in ~190 hand-overs).
    func testAnOutputPipeIsEnlarged() throws {
        try makeClip(seconds: 0.5)
        let child = try ChildProcess([Tool.clarity, "transcode", "in.mp4", "-", "--format", "y4m", "--progress", "none"],
                                     directory: folder.path, stdout: .stream)
        let fd = try XCTUnwrap(child.outputPipe)
        var first = [UInt8](repeating: 0, count: 4096)
        XCTAssertGreaterThan(read(fd, &first, first.count), 0)
        XCTAssertEqual(fcntl(fd, 1032 /* F_GETPIPE_SZ */), 1 << 20)
        var total = 0
        while case let n = read(fd, &first, first.count), n > 0 { total += n }
        XCTAssertEqual(try child.wait().status, 0)
        XCTAssertGreaterThan(total, 15 * 320 * 180)
    }

    func testAClosedReaderStopsThePipeWithAnError() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe --scale 2 | head -c 50000 > /dev/null", in: folder)
        XCTAssertTrue(r.stderr.contains("output closed"), r.stderr)
    }

    /// A producer that fails before its first byte: the message says the pipe came empty,
    /// not that its data is not media.
    func testAnEmptyPipeIsNamedSo() throws {
        let r = try Tool.shell("true | '\(Tool.clarity)' pipe --scale 2 > out.y4m", in: folder)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("nothing came through the input pipe (stdin)"), r.stderr)
        let garbage = try Tool.shell("head -c 100 /dev/zero | '\(Tool.clarity)' pipe --scale 2 > out.y4m", in: folder)
        XCTAssertTrue(garbage.stderr.contains("stdin is not a media file"), garbage.stderr)
    }

    /// Video is not written onto a terminal (an output of - not redirected), where it shows as
    /// garbage; FFmpeg's null muxer, which writes nothing, may run there. Nor is it read from
    /// one (an input of - with nothing piped in), which would wait for typing.
    func testVideoIsNotWrittenOntoATerminal() throws {
        try makeClip(seconds: 0.2)
        try Tool.ffmpeg(["-i", "in.mp4", "in.y4m"], in: folder)
        // (script runs the command on a terminal of its own and prints what it showed.)
        for (command, refusal) in [("pipe --scale 2 < in.y4m", "stdout is a terminal, where the video would show as garbage"),
                                   ("transcode in.mp4 - --format matroska", "stdout is a terminal, where the video would show as garbage"),
                                   ("transcode in.mp4 - --format null --progress none", nil),
                                   ("pipe --scale 2 > out.y4m", "stdin is a terminal, not a stream: pipe one in"),
                                   ("transcode - out.mkv", "stdin is a terminal, not a stream: pipe one in")] {
            let r = try Tool.shell("timeout 20 script -qec \"'\(Tool.clarity)' \(command)\" /dev/null", in: folder)
            XCTAssertEqual(r.status, refusal == nil ? 0 : 64, command + ": " + r.text)
            if let refusal { XCTAssertTrue(r.text.contains(refusal), command + ": " + r.text) }
            XCTAssertFalse(r.text.contains("YUV4MPEG2") || r.text.contains("matroska"), command)
        }
    }

    func testAFullDiskIsAnIOError() throws {
        try makeClip()
        let r = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - 2>/dev/null | '\(Tool.clarity)' pipe > /dev/full", in: folder)
        XCTAssertEqual(r.status, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("disk full"), r.stderr)
        // Written in place, where the container's header is the first write that fails.
        let device = try Tool.clarity(["transcode", "in.mp4", "/dev/full", "--format", "mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(device.status, 74, device.stderr)
        XCTAssertTrue(device.stderr.contains("disk full writing /dev/full"), device.stderr)
    }
}
