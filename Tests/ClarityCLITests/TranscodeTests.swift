import ClarityProcess
import Foundation
import XCTest

final class TranscodeTests: ToolTestCase {
    func testUpscalesAndKeepsFramesTimestampsAndDuration() throws {
        try makeClip()
        let r = try Tool.clarity(["transcode", "in.mp4", "out.mp4", "--scale", "3", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=width,height", in: folder), ["960,540"])
        let inPTS = try Tool.probe("in.mp4", stream: "v", entries: "frame=pts_time", in: folder)
        let outPTS = try Tool.probe("out.mp4", stream: "v", entries: "frame=pts_time", in: folder)
        XCTAssertEqual(inPTS.count, 60)
        XCTAssertEqual(outPTS, inPTS)
        let inDur = Double(try Tool.probe("in.mp4", stream: "v", entries: "stream=duration", in: folder)[0])!
        let outDur = Double(try Tool.probe("out.mp4", stream: "v", entries: "stream=duration", in: folder)[0])!
        XCTAssertEqual(outDur, inDur, accuracy: 1.0 / 30)
        XCTAssertEqual(files, ["in.mp4", "out.mp4"], "no temporary file is left")
    }

    /// Copies of the model stage working on frames side by side hand them on in order: the
    /// output is byte for byte the one-frame-at-a-time output, audio packets included.
    func testFramesSideBySideGiveTheSameOutput() throws {
        try makeClip(seconds: 1)
        for n in [1, 2, 3] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out\(n).mkv", "--scale", "3", "--model", "esr-max-k5-c2-x3",
                                      "--parallel-frames", String(n), "--threads", "3", "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let frames = { (file: String) in try Tool.probe(file, stream: "v", entries: "packet=pts_time,data_hash", in: self.folder,
                                                        extra: ["-show_data_hash", "md5"]) }
        let one = try frames("out1.mkv")
        XCTAssertEqual(one.count, 30)
        XCTAssertEqual(Set(one).count, 30, "every frame differs (the test source moves)")
        for n in [2, 3] {
            XCTAssertEqual(try frames("out\(n).mkv"), one, "--parallel-frames \(n)")
            XCTAssertEqual(try audioPackets("out\(n).mkv").map(\.hash), try audioPackets("out1.mkv").map(\.hash))
        }
    }

    func testVariableFrameRateTimestampsSurviveExactly() throws {
        // Frames 0-19 at 30 fps, then every other tick: a real VFR stream.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2",
                         "-vf", "setpts='if(lt(N,20),N,2*N)/(30*TB)'", "-fps_mode", "passthrough",
                         "-c:v", "libx264", "-qp", "23", "vfr.mkv"], in: folder)
        let inPTS = try Tool.probe("vfr.mkv", stream: "v", entries: "frame=pts_time", in: folder)
        for out in ["out.mkv", "out.mp4"] {
            let r = try Tool.clarity(["transcode", "vfr.mkv", out, "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "frame=pts_time", in: folder), inPTS, out)
        }
    }

    /// A pause of more than 10 s in the video's clock (a recording paused, a stream that
    /// stalled, the sound going on) made x264's decoding times, rightly seconds before the
    /// frames after it, look like garbage to Clarity, which timed them anew out of order: 74
    /// at the gap. In MPEG-TS the pause was taken for a jump of the clock every stream shares,
    /// which threw the sound back and dropped 20 frames; into AVI, which counts frames, the
    /// clock ticked at the average rate (5 fps) and left 48 of 60 out.
    func testAGapInTheClockIsKept() throws {
        for input in ["gap.mkv", "gap.mp4", "gap.ts"] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=2", "-f", "lavfi", "-i", "sine=duration=12",
                             "-vf", "setpts='(N+if(gte(N,30),300,0))/(30*TB)'", "-fps_mode", "passthrough",
                             "-c:v", "libx264", "-qp", "23", "-c:a", "aac", input], in: folder)
            let times = { (file: String) -> [Double] in
                let t = try Tool.probe(file, stream: "v", entries: "frame=best_effort_timestamp_time", in: self.folder).compactMap(Double.init)
                return t.map { ($0 - (t.first ?? 0)) * 1000 }.map { $0.rounded() }
            }
            let inTimes = try times(input)
            XCTAssertEqual(inTimes.count, 60)
            XCTAssertEqual(inTimes[30], 11000, input)
            for out in ["out.mkv", "out.mp4", "out.avi"] {
                let r = try Tool.clarity(["transcode", input, out, "-y", "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertFalse(r.stderr.contains("warning"), "\(input) to \(out): \(r.stderr)")
                let frames = try Tool.probe(out, stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])
                XCTAssertEqual(frames, ["60"], "\(input) to \(out)")
                // AVI keeps no presentation times of its own to compare (B-frames read back untimed).
                guard out != "out.avi" else { continue }
                XCTAssertLessThanOrEqual(zip(inTimes, try times(out)).map { abs($0 - $1) }.max() ?? 99, 1, "\(input) to \(out)")
            }
        }
    }

    /// A Matroska or MP4 file whose clock starts late (timestamps kept, `ffmpeg -copyts`)
    /// states where it ends on that clock, which FFmpeg gives as its length: 2 s starting at 10 h were said
    /// to be cut off after 2 s "into the 36002.03 s its container states", counted as 1080061 frames.
    func testAMatroskaClockThatStartsLateIsNoCut() throws {
        try makeClip("in.mkv")
        for late in ["late.mkv", "late.mp4"] {
            try Tool.ffmpeg(["-i", "in.mkv", "-c", "copy", "-output_ts_offset", "36000", late], in: folder)
            XCTAssertEqual(try Tool.probe(late, stream: "v", entries: "stream=start_time", in: folder), ["36000.021000"])
            let r = try Tool.clarity(["transcode", late, "out.mkv", "-y", "--progress", "json"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("ended early"), r.stderr)
            let done = try XCTUnwrap(LiveTests.finalReport(r.stderr), r.stderr)
            XCTAssertEqual(done["frames"] as? Int, 60)
            let expected = try XCTUnwrap(done["expected_frames"] as? Int)
            XCTAssertTrue((60...61).contains(expected), "\(late): \(expected) frames expected")
        }
    }

    /// A broadcast recording's clock can stand at hours: the output starts at 0, as ffmpeg's
    /// does. Two recordings joined (`cat`) make the clock jump back: the second's frames and
    /// audio go on after the first's, in step, instead of being dropped as out of order.
    func testAnMPEGTSClockStartsAtZeroAndItsJumpsAreStitched() throws {
        try makeClip(seconds: 1)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-output_ts_offset", "3600", "late.ts"], in: folder)
        XCTAssertEqual(try Tool.shell("cat late.ts late.ts > joined.ts", in: folder).status, 0)
        let r = try Tool.clarity(["transcode", "joined.ts", "out.mp4", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("the input's clock jumped 1 time(s)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("damaged") || r.stderr.contains("out of order"), "a seam is not damage: \(r.stderr)")
        let video = try Tool.probe("out.mp4", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
        XCTAssertEqual(video.count, 60, "both recordings' frames")
        XCTAssertEqual(video, video.sorted())
        XCTAssertEqual(video.first ?? -1, 0, accuracy: 0.1)
        XCTAssertEqual(video.last ?? -1, 2 - 1.0 / 30, accuracy: 0.1)
        let audio = try audioPackets("out.mp4").map(\.time)
        XCTAssertEqual(audio.first ?? -1, 0, accuracy: 0.1)
        XCTAssertEqual(audio.last ?? -1, 2, accuracy: 0.1, "the audio goes on with the pictures")
    }

    /// Joined recordings state the last one's length, their clocks having restarted: the
    /// progress said "frame 90/60" (or 90/1530, where the first stood later on the clock).
    func testJoinedRecordingsAreCountedWhole() throws {
        try makeClip(seconds: 2)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-t", "1", "-output_ts_offset", "1", "short.ts"], in: folder)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-output_ts_offset", "50", "long.ts"], in: folder)
        for order in ["long.ts short.ts", "short.ts long.ts"] {
            XCTAssertEqual(try Tool.shell("cat \(order) > joined.ts", in: folder).status, 0)
            let r = try Tool.clarity(["transcode", "joined.ts", "out.mkv", "-y", "--progress", "json"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let done = try XCTUnwrap(LiveTests.finalReport(r.stderr), r.stderr)
            XCTAssertGreaterThan(done["frames"] as? Int ?? 0, 60, order)
            XCTAssertEqual(done["expected_frames"] as? Int, done["frames"] as? Int, "\(order): \(done)")
        }
    }

    /// Recordings with AC-3 5.1 sound (a broadcast's), joined: the multiplex carries the first
    /// one's last sound after the second's first pictures. Moved with the pictures, that tail
    /// made the sound's own seam a second jump: 2 s became 3, a second of nothing at the seam
    /// (ffmpeg's copy alike). One jump now, and no gap; a part of the second recording is found.
    func testJoinedBroadcastRecordingsLeaveNoGap() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
                         "-c:v", "libx264", "-c:a", "ac3", "-ac", "6", "-f", "mpegts", "one.ts"], in: folder)
        XCTAssertEqual(try Tool.shell("cat one.ts one.ts > two.ts", in: folder).status, 0)
        let r = try Tool.clarity(["transcode", "two.ts", "out.mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("the input's clock jumped 1 time(s)"), r.stderr)
        let video = try Tool.probe("out.mp4", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
        XCTAssertEqual(video.count, 60)
        XCTAssertEqual(video.last ?? -1, 2 - 1.0 / 30, accuracy: 0.05)
        let audio = try audioPackets("out.mp4").map(\.time)
        XCTAssertLessThan(zip(audio, audio.dropFirst()).map { $1 - $0 }.max() ?? 1, 0.05, "no gap at the seam")
        XCTAssertEqual(audio.last ?? -1, 2, accuracy: 0.05)
        // A part in the second recording: past the length FFmpeg takes from the clock (the last
        // recording's, 1 s), which refused it ("lasts 1.000 s").
        let part = try Tool.clarity(["transcode", "two.ts", "part.mp4", "--start", "1.5", "--duration", "0.4", "--progress", "none"], in: folder)
        XCTAssertEqual(part.status, 0, part.stderr)
        XCTAssertEqual(try decodedFrames("part.mp4"), 12)
        XCTAssertEqual(try audioPackets("part.mp4").last?.time ?? -1, 0.4, accuracy: 0.05)
    }

    /// Recordings of different channels joined: the second's streams have other PIDs. Met as
    /// FFmpeg reads on, they become streams of their own, not in the output (ffmpeg's copy
    /// alike), which was said nowhere; it is now. Met while FFmpeg probes the file, its sound
    /// has no rate yet, and stopped Matroska's writer at its header ("sample rate not set",
    /// 73); it is dropped with the reason.
    func testStreamsThatBeginPartWayAreSaid() throws {
        for (seconds, pmt) in [("2", "0x1100"), ("1", "0x1000")] {
            for (name, pid) in [("first", "0x100"), ("second", "0x300")] {
                try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", seconds,
                                 "-c:v", "libx264", "-c:a", "mp2", "-mpegts_start_pid", pid,
                                 "-mpegts_pmt_start_pid", name == "first" ? "0x1000" : pmt, "-f", "mpegts", "\(name).ts"], in: folder)
            }
            XCTAssertEqual(try Tool.shell("cat first.ts second.ts > joined\(seconds).ts", in: folder).status, 0)
        }
        let late = try Tool.clarity(["transcode", "joined2.ts", "late.mkv", "--progress", "json"], in: folder)
        XCTAssertEqual(late.status, 0, late.stderr)
        XCTAssertTrue(late.stderr.contains("stream(s) #2 (h264), #3 (mp2) began part-way through the input (a broadcast whose programme "
                                           + "changed, or recordings of different channels joined): they are not in the output"), late.stderr)
        XCTAssertEqual(try XCTUnwrap(LiveTests.finalReport(late.stderr))["streams_begun_late"] as? Int, 2)
        let probed = try Tool.clarity(["transcode", "joined1.ts", "probed.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(probed.status, 0, probed.stderr)
        XCTAssertTrue(probed.stderr.contains("): FFmpeg found no packet of it to learn its sample rate and channels from"), probed.stderr)
        XCTAssertEqual(try Tool.probe("probed.mkv", stream: "a", entries: "stream=codec_name", in: folder), ["mp2"])
        let plain = try Tool.clarity(["transcode", "first.ts", "plain.mkv", "--progress", "none"], in: folder)
        XCTAssertFalse(plain.stderr.contains("part-way") || plain.stderr.contains("no packet"), plain.stderr)
    }

    /// A broadcast's sound changes shape at a seam (a 5.1 film at 48 kHz, stereo adverts at
    /// 44.1): `--af`'s filters, set up for the first shape, refused the second ("a filter refused
    /// a frame", exit 1). Later shapes are converted to the first before the filters.
    func testFiltersTakeSoundThatChangesShape() throws {
        for (name, channels, rate) in [("film", "6", "48000"), ("advert", "2", "44100")] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=\(rate)", "-t", "1",
                             "-c:v", "libx264", "-c:a", "ac3", "-ac", channels, "-f", "mpegts", "\(name).ts"], in: folder)
        }
        XCTAssertEqual(try Tool.shell("cat film.ts advert.ts > joined.ts", in: folder).status, 0)
        let r = try Tool.clarity(["transcode", "joined.ts", "out.mp4", "--af", "volume=2", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let sound = try Tool.run("ffmpeg", ["-v", "error", "-i", "out.mp4", "-map", "0:a", "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
                                 in: folder).stdout
        XCTAssertEqual(Double(sound.count) / 2 / 48000, 2, accuracy: 0.1, "both recordings' sound")
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "a", entries: "stream=channels,sample_rate", in: folder), ["48000,6"])
    }

    /// A recording cut between key frames: the frames before the first key frame cannot be
    /// decoded; the video starts at it, and the user is told how much was lost.
    func testARecordingCutBetweenKeyFramesSaysWhatItsStartLost() throws {
        try makeClip("whole.ts", seconds: 3, extra: ["-g", "30"])
        let bytes = try Tool.shell("stat -c %s whole.ts", in: folder).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let half = (Int(bytes) ?? 0) / 188 / 2
        XCTAssertEqual(try Tool.shell("tail -c \(188 * half) whole.ts > cut.ts", in: folder).status, 0)
        let flags = try Tool.probe("cut.ts", stream: "v", entries: "packet=flags", in: folder)
        let lost = try XCTUnwrap(flags.firstIndex { $0.hasPrefix("K") })
        XCTAssertGreaterThan(lost, 2, "the cut falls between key frames")
        let r = try Tool.clarity(["transcode", "cut.ts", "out.mp4", "--model", "bicubic", "--progress", "json"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("its first \(lost) video frame(s) refer to pictures before the cut"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\"undecodable_lead_frames\":\(lost)"), r.stderr)
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "packet=pts_time", in: folder).count, flags.count - lost)
        let probed = try Tool.clarity(["probe", "cut.ts", "--json"], in: folder)
        XCTAssertEqual(probed.status, 0, probed.stderr)
        XCTAssertTrue(probed.stderr.contains("its first \(lost) video frame(s) refer to pictures before the cut"), probed.stderr)
        // A part of an MPEG-TS: its seek lands by decoding time, not at a key frame, and is
        // tried from further back until the first key frame is shown by the start, so every
        // frame of the part is there (ffmpeg's -ss loses up to a GOP: 30, 0 and 0 frames here).
        for (start, frames) in [("1.5", 45), ("2.2", 24), ("2.9", 3)] {
            let part = try Tool.clarity(["transcode", "whole.ts", "part.mkv", "--model", "bicubic", "--start", start, "--overwrite"], in: folder)
            XCTAssertEqual(part.status, 0, part.stderr)
            XCTAssertFalse(part.stderr.contains("key frame"), "--start \(start): \(part.stderr)")
            XCTAssertEqual(try Tool.probe("part.mkv", stream: "v", entries: "frame=pts_time", in: folder).count, frames, "--start \(start)")
        }
        for whole in ["whole.ts", "in.mp4"] {
            if whole == "in.mp4" {
                try Tool.ffmpeg(["-i", "whole.ts", "-c", "copy", "whole.mp4"], in: folder)
                try Tool.ffmpeg(["-ss", "0.5", "-i", "whole.mp4", "-c", "copy", "-t", "1", "in.mp4"], in: folder)
            }
            let clean = try Tool.clarity(["transcode", whole, "clean.mkv", "--model", "bicubic", "--overwrite", "--progress", "json"], in: folder)
            XCTAssertEqual(clean.status, 0, clean.stderr)
            XCTAssertFalse(clean.stderr.contains("key frame"), "\(whole) starts at a picture it can show: \(clean.stderr)")
            // The MP4 cut by stream copy holds samples its edit list hides: not counted as frames to come.
            let last = try XCTUnwrap(clean.stderr.split(separator: "\n").last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            XCTAssertEqual(last["expected_frames"] as? Int, last["frames"] as? Int, "\(whole): \(last)")
        }
        XCTAssertEqual(try Tool.shell("tail -c \(188 * 150) whole.ts > tail.ts", in: folder).status, 0)
        let tail = try Tool.probe("tail.ts", stream: "v", entries: "packet=flags", in: folder)
        XCTAssertGreaterThan(tail.count, 5)
        XCTAssertFalse(tail.contains { $0.hasPrefix("K") }, "the last stretch holds no key frame")
        let none = try Tool.clarity(["transcode", "tail.ts", "none.mp4"], in: folder)
        XCTAssertEqual(none.status, 69, none.stderr)
        XCTAssertTrue(none.stderr.contains("a cut recording that holds no key frame"), none.stderr)
    }

    /// x264 takes 4:2:0 only at even sizes: an odd-sized input loses its last column and row
    /// (cut, not resampled), with a warning; an output that takes odd sizes keeps every pixel.
    func testAnOddSizeLosesItsLastColumnAndRowOnlyWhereTheEncoderNeedsEvenSides() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "0.4",
                         "-vf", "scale=321:181,format=yuv420p", "-c:v", "ffv1", "odd.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "odd.mkv", "out.mp4"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("libx264 encodes yuv420p only at even sizes: 321x181 is written as 320x180, "
                                        + "without its last column and row"), r.stderr)
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=width,height", in: folder), ["320,180"])
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "frame=pts_time", in: folder).count, 10)
        let psnr = try Tool.run("ffmpeg", ["-i", "out.mp4", "-i", "odd.mkv", "-lavfi", "[1]crop=320:180:0:0[r];[0][r]psnr",
                                           "-f", "null", "-"], in: folder).stderr
        let average = psnr.components(separatedBy: "average:").last.flatMap { Double($0.prefix { !$0.isWhitespace }) } ?? 0
        XCTAssertGreaterThan(average, 40, "the picture's top left 320x180, unscaled: \(psnr.suffix(300))")
        // The encoders' own refusals of the odd size (SVT-AV1 and x265 print them past FFmpeg's
        // log level) stay out of sight: the warning says it.
        for (codec, file) in [("libsvtav1", "svt.mkv"), ("libx265", "x265.mkv")] {
            let r = try Tool.clarity(["transcode", "odd.mkv", file, "--codec", codec], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("not enhanced:") }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(codec) encodes yuv420p only at even sizes"), r.stderr)
        }
        let whole = try Tool.clarity(["transcode", "odd.mkv", "out.y4m"], in: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertFalse(whole.stderr.contains("even sizes"), whole.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.y4m", in: folder), try Tool.frameHashes("odd.mkv", in: folder))
    }

    /// A recording of a whole multiplex: only the enhanced video's programme comes along, not
    /// another channel's sound.
    func testOnlyTheVideosProgrammeIsCopiedFromAMultiplex() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                         "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=880", "-t", "1",
                         "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "libx264", "-c:a", "aac",
                         "-program", "title=one:st=0:st=1", "-program", "title=two:st=2:st=3", "mux.ts"], in: folder)
        let r = try Tool.clarity(["transcode", "mux.ts", "out.mkv", "--model", "bicubic"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropping audio stream #3 (aac): it belongs to another programme of the multiplex than the video, #0"),
                      r.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "a", entries: "stream=index", in: folder).count, 1)
        let sizes = { (file: String, stream: String) in try Tool.probe(file, stream: stream, entries: "packet=size", in: self.folder).compactMap(Int.init) }
        // MPEG-TS carries AAC with a 7-byte ADTS header a packet, Matroska without.
        let kept = try sizes("out.mkv", "a").map { $0 + 7 }
        XCTAssertEqual(kept, try sizes("mux.ts", "1"), "programme one's own sound")
        XCTAssertNotEqual(kept, try sizes("mux.ts", "3"))
    }

    /// A run killed outright leaves its half-written temporary file; the next run to the same
    /// output removes it, but never one of a process still alive, nor anything else.
    func testAKilledRunsLeftoverIsRemovedByTheNext() throws {
        try makeClip(seconds: 0.3)
        XCTAssertEqual(kill(999_999, 0), -1, "pid 999999 must not be alive for this test")
        let kept = [".out.clarity-1.mp4", ".out.clarity-x.mp4", ".out.clarity-999999.mkv", ".other.clarity-999999.mp4"]
        for name in kept + [".out.clarity-999999.mp4"] { try Data("half".utf8).write(to: URL(fileURLWithPath: path(name))) }
        let r = try Tool.clarity(["transcode", "in.mp4", "out.mp4", "--model", "bicubic"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(files.filter { $0.hasPrefix(".") }.sorted(), kept.sorted())
        XCTAssertTrue(files.contains("out.mp4"))
    }

    func testAudioPacketsAreCopiedBitExact() throws {
        try makeClip()
        for out in ["out.mp4", "out.mkv"] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let a = try audioPackets("in.mp4"), b = try audioPackets(out)
            XCTAssertGreaterThan(a.count, 80)
            XCTAssertEqual(a.map(\.hash), b.map(\.hash), "payloads")
            XCTAssertEqual(a.map(\.size), b.map(\.size), "sizes")
            // mp4 keeps the AAC priming's negative start; matroska cannot, and shifts every
            // stream by the same amount (as `ffmpeg -c copy` does), which keeps A/V sync.
            let videoShift = try firstVideoTime(out) - firstVideoTime("in.mp4")
            if out.hasSuffix(".mp4") { XCTAssertEqual(videoShift, 0, accuracy: 0.0005) }
            for (x, y) in zip(a, b) { XCTAssertEqual(y.time - x.time, videoShift, accuracy: 0.0015, "\(out) timestamps") }
        }
        let noAudio = try Tool.clarity(["transcode", "in.mp4", "silent.mkv", "--no-audio", "--progress", "none"], in: folder)
        XCTAssertEqual(noAudio.status, 0, noAudio.stderr)
        XCTAssertEqual(try Tool.probe("silent.mkv", stream: "a", entries: "stream=index", in: folder), [])
    }

    /// Audio packets as ffprobe sees them: time, size and payload hash.
    func audioPackets(_ file: String) throws -> [(time: Double, size: String, hash: String)] {
        let r = try Tool.run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "packet=pts_time,size,data_hash",
                                         "-show_data_hash", "md5", "-of", "json", file], in: folder)
        let json = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        let packets = json?["packets"] as? [[String: Any]] ?? []
        return packets.map { (Double($0["pts_time"] as? String ?? "") ?? .nan, $0["size"] as? String ?? "", $0["data_hash"] as? String ?? "") }
    }

    func firstVideoTime(_ file: String) throws -> Double {
        try Tool.probe(file, stream: "v", entries: "packet=pts_time", in: folder).compactMap(Double.init).min() ?? .nan
    }

    func testTenBitStaysTenBitAndLosslessIsExact() throws {
        try makeClip("ten.mkv", seconds: 1, pixFmt: "yuv420p10le")
        let r = try Tool.clarity(["transcode", "ten.mkv", "copy.mkv", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("copy.mkv", stream: "v", entries: "stream=pix_fmt", in: folder), ["yuv420p10le"])
        XCTAssertEqual(try Tool.frameHashes("copy.mkv", in: folder), try Tool.frameHashes("ten.mkv", in: folder))
        let up = try Tool.clarity(["transcode", "ten.mkv", "up.mp4", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(try Tool.probe("up.mp4", stream: "v", entries: "stream=pix_fmt,profile", in: folder), ["High 10,yuv420p10le"])
    }

    func testAudioIsDroppedWithAWarningWhereTheContainerCannotHoldIt() throws {
        try makeClip()
        let r = try Tool.clarity(["transcode", "in.mp4", "out.y4m", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropping audio stream #1 (aac):"), r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot hold it; an .mkv output keeps it"), r.stderr)
        XCTAssertEqual(try Tool.probe("out.y4m", stream: "v", entries: "stream=width", in: folder), ["320"])
        let ts = try Tool.clarity(["transcode", "in.mp4", "out.ts", "--progress", "none"], in: folder)
        XCTAssertEqual(ts.status, 0, ts.stderr)
        XCTAssertEqual(try Tool.probe("out.ts", stream: "a", entries: "stream=codec_name", in: folder).first, "aac")
    }

    func testColourPropertiesCarryOver() throws {
        try makeClip(extra: ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"])
        let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let entries = "stream=color_range,color_space,color_transfer,color_primaries"
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: entries, in: folder), ["tv,bt709,bt709,bt709"])
    }

    /// Untagged YUV is stated as players guess it from the input's size (BT.601 below 1280x577,
    /// BT.709 above): an untagged DVD upscaled to HD keeps its colours in a player, which would
    /// otherwise guess BT.709 from the new size, and an untagged HD picture becomes PNG through
    /// BT.709, not swscale's default BT.601.
    func testUntaggedColourIsStatedAsPlayersGuessIt() throws {
        func untagged(_ file: String, size: String, matrix: String) throws {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25", "-t", "0.2", "-vf",
                             "format=rgb24,scale=out_color_matrix=\(matrix):flags=accurate_rnd,format=yuv420p", "-c:v", "ffv1", file], in: folder)
            XCTAssertEqual(try Tool.probe(file, stream: "v", entries: "stream=color_space,color_primaries", in: folder), ["unknown,unknown"])
        }
        let entries = "stream=width,color_space,color_primaries"
        for (size, stated) in [("720x480", "smpte170m,smpte170m"), ("720x576", "bt470bg,bt470bg")] {
            try untagged("sd.mkv", size: size, matrix: "bt601")
            let r = try Tool.clarity(["transcode", "sd.mkv", "out.mkv", "-y", "--scale", "2", "--filter", "bicubic", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: entries, in: folder), ["1440,\(stated)"], size)
            try FileManager.default.removeItem(at: folder.appendingPathComponent("sd.mkv"))
        }
        try untagged("hd.mkv", size: "1280x720", matrix: "bt709")
        let png = try Tool.clarity(["transcode", "hd.mkv", "hd.png", "--filter", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(png.status, 0, png.stderr)
        let shown = try firstFrameRGB(["-i", "hd.png"]), meant = try firstFrameRGB(["-f", "lavfi", "-i", "testsrc2=size=1280x720"])
        XCTAssertEqual(shown.count, meant.count)
        let difference = Double(zip(shown, meant).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(max(1, meant.count))
        // Chroma subsampling alone leaves under a level; the wrong matrix moves greens by tens.
        XCTAssertLessThan(difference, 1.5)
    }

    /// A JPEG's YUV is BT.601 (JFIF), which JPEG decoders read whatever a source was: BT.709
    /// video is converted into it, where its samples were written as they were.
    func testAJPEGHoldsBT601WhateverTheSourcesMatrix() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.04", "-vf",
                         "format=rgb24,scale=out_color_matrix=bt709:flags=accurate_rnd,format=yuv444p", "-c:v", "ffv1",
                         "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "in.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "in.mkv", "out.jpg", "--filter", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let shown = try firstFrameRGB(["-i", "out.jpg", "-vf", "scale=in_color_matrix=bt601:in_range=pc"])
        let meant = try firstFrameRGB(["-i", "in.mkv", "-vf", "scale=in_color_matrix=bt709:in_range=tv"])
        // 42.9 dB (JPEG's own loss); BT.709's samples read as BT.601 gave 27.6.
        XCTAssertGreaterThan(psnr(shown, meant), 38, "RGB PSNR")
    }

    /// HDR10 whose mastering display and light levels are only in the HEVC bitstream (as
    /// ffmpeg's libx265 writes them): the output has them in the container and in its own
    /// SEI, with x265 and x264 alike; a value the user gives the encoder wins.
    func testHDR10MetadataOnlyInTheBitstreamCarriesOver() throws {
        let master = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)"
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-pix_fmt", "yuv420p10le", "-c:v", "libx265",
                         "-x265-params", "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:master-display=\(master):max-cll=1000,400",
                         "in.mkv"], in: folder)
        XCTAssertEqual(try Tool.probe("in.mkv", stream: "v", entries: "stream_side_data=side_data_type", in: folder), [], "only in the bitstream")
        let sei = { (file: String) in
            try Tool.run("ffmpeg", ["-i", file, "-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"], in: self.folder).stderr
                .split(separator: "\n").filter { $0.contains("max_display_mastering_luminance") || $0.contains("max_content_light_level") }
                .compactMap { $0.split(separator: "=").last?.trimmingCharacters(in: .whitespaces) }
        }
        for (file, codec) in [("x265.mkv", "libx265"), ("x264.mp4", "libx264")] {
            let r = try Tool.clarity(["transcode", "in.mkv", file, "--codec", codec, "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            // Luminances in cd/m2 (as rationals: 1000/1 in Matroska, 10000000/10000 in MP4), light levels in nits.
            let values = try Tool.probe(file, stream: "v", entries: "stream_side_data=max_luminance,min_luminance,max_content,max_average", in: folder)
                .flatMap { $0.split(separator: ",") }.map { field -> Double in
                    let q = field.split(separator: "/").compactMap { Double($0) }
                    return q.count == 2 ? q[0] / q[1] : q.first ?? .nan
                }
            XCTAssertEqual(values.sorted(), [0.0001, 400, 1000, 1000], file)
            XCTAssertEqual(Array(Set(try sei(file))).sorted(), ["1000", "10000000"], file)
        }
        let own = try Tool.clarity(["transcode", "in.mkv", "own.mkv", "--codec", "libx265", "--scale", "2", "--progress", "none",
                                    "--encoder-option", "x265-params=max-cll=500,100"], in: folder)
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertEqual(Array(Set(try sei("own.mkv"))).sorted(), ["10000000", "500"])
    }

    /// Pictures and GIFs cannot say HDR: there PQ and HLG are made SDR (BT.2408's white,
    /// BT.709's gamut), where they were written as code values that viewers show washed out.
    /// A video output keeps the HDR, unless `--sdr` asks for SDR.
    func testHDRBecomesSDRInPicturesThatCannotSayIt() throws {
        // Below half of white (70% of the levels), where the roll-off leaves levels as they are.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180", "-vf", "lutrgb=r=val*0.7:g=val*0.7:b=val*0.7", "-frames:v", "1",
                         "-pix_fmt", "rgb24", "sdr.png"], in: folder)
        let rgb = { (file: String) in try self.firstFrameRGB(["-i", file]) }
        let meant = try rgb("sdr.png")
        for (transfer, zimg) in [("smpte2084", "smpte2084"), ("arib-std-b67", "arib-std-b67")] {
            // The SDR picture as an HDR grade carries it: its white at 203 cd/m2, in BT.2020.
            try Tool.ffmpeg(["-i", "sdr.png", "-vf", "zscale=tin=iec61966-2-1:pin=709:min=gbr:rin=pc:t=linear:p=709:m=gbr:r=pc:npl=203,format=gbrpf32le,"
                             + "zscale=p=2020:t=\(zimg):m=2020_ncl:r=tv:npl=203,format=yuv444p10le", "-c:v", "libx265", "-x265-params",
                             "log-level=error:lossless=1:colorprim=bt2020:transfer=\(transfer):colormatrix=bt2020nc:max-cll=1000,400", "-y", "hdr.mkv"],
                            in: folder)
            XCTAssertLessThan(psnr(try rgb("hdr.mkv"), meant), 21, "the code values as they are: washed out")
            for picture in ["out.png", "out.gif"] {
                let r = try Tool.clarity(["transcode", "hdr.mkv", picture, "-y", "--filter", "bicubic"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertTrue(r.stderr.contains("tone mapped: the HDR is made SDR (\(picture) cannot say HDR)"), r.stderr)
                // PNG 39.9 dB, GIF 36.9 (its palette).
                XCTAssertGreaterThan(psnr(try rgb(picture), meant), 34, "\(transfer) \(picture)")
            }
            let video = try Tool.clarity(["transcode", "hdr.mkv", "out.mkv", "-y", "--filter", "bicubic"], in: folder)
            XCTAssertEqual(video.status, 0, video.stderr)
            XCTAssertFalse(video.stderr.contains("tone mapped"), video.stderr)
            let colour = "stream=color_transfer,color_primaries"
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: colour, in: folder), ["\(transfer),bt2020"])
            // The light levels only the bitstream states carry over, for PQ and HLG alike.
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream_side_data=side_data_type", in: folder),
                           ["Content light level metadata"], transfer)
            // On request, video too: SDR in BT.709, without HDR10's light levels.
            let sdr = try Tool.clarity(["transcode", "hdr.mkv", "sdr.mkv", "-y", "--filter", "bicubic", "--sdr", "--codec", "ffv1"], in: folder)
            XCTAssertEqual(sdr.status, 0, sdr.stderr)
            XCTAssertTrue(sdr.stderr.contains("tone mapped: the HDR is made SDR as BT.2408 maps it"), sdr.stderr)
            // In 8 bits, as SDR screens and sites take it (dithered), unless --pix-fmt says otherwise.
            XCTAssertEqual(try Tool.probe("sdr.mkv", stream: "v", entries: colour + ",pix_fmt", in: folder), ["yuv444p,bt709,bt709"])
            XCTAssertEqual(try Tool.probe("sdr.mkv", stream: "v", entries: "stream_side_data=side_data_type", in: folder), [])
            let deep = try Tool.clarity(["transcode", "hdr.mkv", "deep.mkv", "-y", "--filter", "bicubic", "--sdr", "--codec", "ffv1",
                                         "--pix-fmt", "yuv444p10le"], in: folder)
            XCTAssertEqual(deep.status, 0, deep.stderr)
            XCTAssertEqual(try Tool.probe("deep.mkv", stream: "v", entries: colour + ",pix_fmt", in: folder), ["yuv444p10le,bt709,bt709"])
            // Raw frames too (y4m into a pipe), where any format goes.
            let piped = try Tool.clarity(["transcode", "hdr.mkv", "-", "--filter", "bicubic", "--sdr"], in: folder)
            XCTAssertEqual(piped.status, 0, piped.stderr)
            XCTAssertTrue(piped.text.hasPrefix("YUV4MPEG2 W320 H180 F25:1 Ip A1:1 C444 "), String(piped.text.prefix(80)))
            // As a BT.1886 screen shows it, in sRGB's terms (zscale converts display light): 42 dB.
            let shown = try firstFrameRGB(["-i", "sdr.mkv", "-vf", "zscale=t=iec61966-2-1:m=gbr:r=pc,format=gbrp"])
            XCTAssertGreaterThan(psnr(shown, meant), 38, "\(transfer) --sdr")
        }
        let plain = try Tool.clarity(["transcode", "sdr.png", "plain.mkv", "--sdr", "--filter", "bicubic"], in: folder)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("--sdr: sdr.png is not HDR"), plain.stderr)
    }

    /// --tonemap chooses how highlights above SDR's white come into range: a grey ramp graded
    /// with its white at 1000 cd/m2 (half of it above the 203 of SDR's white). `clip` cuts
    /// that half at white; Möbius keeps clip's levels below half of white and rolls off above;
    /// Hable darkens every level to keep the most highlight steps. Named, it makes video SDR
    /// as --sdr does.
    func testToneCurvesBringHighlightsIntoRangeDifferently() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "nullsrc=s=256x16,geq=lum='X':cb=128:cr=128,format=gray", "-frames:v", "1", "-pix_fmt", "rgb24", "ramp.png"],
                        in: folder)
        try Tool.ffmpeg(["-i", "ramp.png", "-vf", "zscale=tin=iec61966-2-1:pin=709:min=gbr:rin=pc:t=linear:p=709:m=gbr:r=pc:npl=203,format=gbrpf32le,"
                         + "zscale=p=2020:t=smpte2084:m=2020_ncl:r=tv:npl=1000,format=yuv444p10le", "-c:v", "libx265", "-x265-params",
                         "log-level=error:lossless=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:max-cll=1000,400", "hdr.mkv"], in: folder)
        var ramps: [String: [Int]] = [:]
        for (curve, effect) in [("mobius", "roll off above half of white"), ("hable", "roll off along Hable's filmic curve"),
                                ("reinhard", "roll off along Reinhard's curve"), ("clip", "are clipped at white")] {
            let r = try Tool.clarity(["transcode", "hdr.mkv", "\(curve).png", "--filter", "bicubic", "--tonemap", curve], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("highlights up to 1000 cd/m2 \(effect)"), r.stderr)
            // The middle row, one sample a pixel (the ramp is grey).
            let rgb = try firstFrameRGB(["-i", "\(curve).png"])
            ramps[curve] = (0..<256).map { Int(rgb[(8 * 256 + $0) * 3]) }
        }
        let atWhite = { (curve: String) in Double(ramps[curve]!.filter { $0 >= 254 }.count) / 256 }
        let steps = { (curve: String) in Set(ramps[curve]!).count }
        XCTAssertEqual(atWhite("clip"), 0.51, accuracy: 0.05, "\(ramps["clip"]!)")
        XCTAssertLessThan(atWhite("mobius"), 0.15, "\(ramps["mobius"]!)")
        for x in [32, 64] { XCTAssertEqual(ramps["mobius"]![x], ramps["clip"]![x], accuracy: 2, "below half of white: \(x)") }
        XCTAssertLessThan(ramps["hable"]![64], ramps["mobius"]![64] - 20)
        XCTAssertGreaterThan(steps("hable"), steps("mobius") + 20)
        XCTAssertGreaterThan(steps("mobius"), steps("clip") + 10)
        // A peak below the stream's: the ramp above 400 cd/m2 (about a third of it) reaches
        // white, what lies below half of white stays.
        let lower = try Tool.clarity(["transcode", "hdr.mkv", "peak.png", "--filter", "bicubic", "--hdr-peak", "400"], in: folder)
        XCTAssertEqual(lower.status, 0, lower.stderr)
        XCTAssertTrue(lower.stderr.contains("highlights up to 400 cd/m2 roll off above half of white"), lower.stderr)
        let rgb = try firstFrameRGB(["-i", "peak.png"])
        ramps["peak"] = (0..<256).map { Int(rgb[(8 * 256 + $0) * 3]) }
        XCTAssertGreaterThan(atWhite("peak"), atWhite("mobius") + 0.15, "\(ramps["peak"]!)")
        for x in [32, 64] { XCTAssertEqual(ramps["peak"]![x], ramps["mobius"]![x], accuracy: 2, "below half of white: \(x)") }
        // A curve or a peak named makes video SDR, as --sdr does.
        for option in [["--tonemap", "hable"], ["--hdr-peak", "600"]] {
            let video = try Tool.clarity(["transcode", "hdr.mkv", "sdr.mkv", "-y", "--filter", "bicubic", "--codec", "ffv1"] + option, in: folder)
            XCTAssertEqual(video.status, 0, video.stderr)
            XCTAssertEqual(try Tool.probe("sdr.mkv", stream: "v", entries: "stream=color_transfer,color_primaries", in: folder), ["bt709,bt709"])
        }
        let dim = try Tool.clarity(["transcode", "hdr.mkv", "dim.png", "--hdr-peak", "100"], in: folder)
        XCTAssertEqual(dim.status, 64, dim.stderr)
        XCTAssertTrue(dim.stderr.contains("--hdr-peak is a brightness in cd/m2, from 203 (the grade's white) to 10000"), dim.stderr)
    }

    /// RGB and grey video: converted where needed (RGB to studio-range BT.601 4:4:4, tagged
    /// so, which keeps its colours), and the models take both.
    func testRGBAndGreyInputsKeepTheirColoursThroughTheModels() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "0.2", "-pix_fmt", "bgr0", "-c:v", "ffv1", "rgb.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "rgb.mkv", "-pix_fmt", "gray", "-c:v", "ffv1", "grey.mkv"], in: folder)
        /// The first frame in `pixFmt` at 480x288 (bicubic where it is smaller), as bytes.
        func picture(_ file: String, _ pixFmt: String) throws -> [UInt8] {
            [UInt8](try Tool.run("ffmpeg", ["-v", "error", "-i", file, "-frames:v", "1", "-vf", "scale=480:288:flags=bicubic",
                                            "-pix_fmt", pixFmt, "-f", "rawvideo", "-"], in: folder).stdout)
        }
        func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
            XCTAssertEqual(a.count, b.count)
            return Double(zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(max(1, a.count))
        }
        for (input, pixFmt) in [("rgb.mkv", "rgb24"), ("grey.mkv", "gray")] {
            for options in [[], ["--scale", "3", "--model", "bicubicpp"], ["--preset", "classsr"], ["--deartifact", "auto", "--scale", "3"]] {
                let r = try Tool.clarity(["transcode", input, "out.mkv", "-y", "--crf", "12", "--progress", "none"] + options, in: folder)
                XCTAssertEqual(r.status, 0, "\(input) \(options): \(r.stderr)")
                XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).count, 5)
                let difference = meanDifference(try picture("out.mkv", pixFmt), try picture(input, pixFmt))
                // A colour or range mix-up moves tens of levels; sharper models a few.
                XCTAssertLessThan(difference, 4, "\(input) \(options)")
            }
        }
        let rgb = try Tool.clarity(["transcode", "rgb.mkv", "out.mkv", "-y", "--scale", "3", "--model", "bicubicpp", "--progress", "none"], in: folder)
        XCTAssertEqual(rgb.status, 0, rgb.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=pix_fmt,color_space", in: folder), ["yuv444p,smpte170m"])
        let grey = try Tool.clarity(["transcode", "grey.mkv", "out.mkv", "-y", "--scale", "3", "--model", "bicubicpp", "--codec", "ffv1",
                                     "--progress", "none"], in: folder)
        XCTAssertEqual(grey.status, 0, grey.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=pix_fmt", in: folder), ["gray"], "grey stays luma alone")
    }

    /// A picture in, a picture out, in the picture's own format; a video to numbered pictures
    /// and back; a video into one picture is a clear error that leaves nothing behind.
    func testPicturesAndPictureSequences() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96", "-frames:v", "1", "photo.png"], in: folder)
        for (name, codec, pixFmt) in [("big.png", "png", "rgb24"), ("big.jpg", "mjpeg", "yuvj444p")] {
            let r = try Tool.clarity(["transcode", "photo.png", name, "--scale", "3", "--model", "bicubicpp", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("holds one picture"), "one picture in, one out: \(r.stderr)")
            XCTAssertEqual(try Tool.probe(name, stream: "v", entries: "stream=codec_name,width,height,pix_fmt", in: folder), ["\(codec),480,288,\(pixFmt)"])
        }
        try makeClip(seconds: 0.2)
        // A video into one picture: its first frame (of the part), with a warning.
        let one = try Tool.clarity(["transcode", "in.mp4", "frame.png", "--start", "0.1", "--progress", "none"], in: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.contains("frame.png holds one picture: the first frame from --start is written"), one.stderr)
        let rgb = { (arguments: [String]) in try Tool.ffmpeg(arguments + ["-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"], in: self.folder).stdout }
        let still = try rgb(["-i", "frame.png"]), atStart = try rgb(["-ss", "0.1", "-i", "in.mp4"]), first = try rgb(["-i", "in.mp4"])
        func difference(_ a: Data, _ b: Data) -> Double { Double(zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(max(1, a.count)) }
        XCTAssertLessThan(difference(still, atStart), 1, "the frame at 0.1 s")
        XCTAssertGreaterThan(difference(still, first), 5, "not the first of the file")
        let r = try Tool.clarity(["transcode", "in.mp4", "f%03d.png", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(files.filter { $0.hasPrefix("f") }, (1...6).map { String(format: "f%03d.png", $0) } + ["frame.png"])
        XCTAssertFalse(files.contains { $0.hasPrefix(".") }, "\(files)")
        let again = try Tool.clarity(["transcode", "in.mp4", "f%03d.png", "--progress", "none"], in: folder)
        XCTAssertEqual(again.status, 73, again.stderr)
        let back = try Tool.clarity(["transcode", "f%03d.png", "back.mkv", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(try Tool.probe("back.mkv", stream: "v", entries: "frame=width", in: folder), Array(repeating: "640", count: 6))
        XCTAssertFalse(back.stderr.contains("one by one"), back.stderr)
        // Named by a shell pattern, with the demuxer's option for it; without, the answer names it.
        let globbed = try Tool.clarity(["transcode", "f*.png", "glob.mkv", "--input-option", "pattern_type=glob", "--progress", "none"], in: folder)
        XCTAssertEqual(globbed.status, 0, globbed.stderr)
        XCTAssertEqual(try Tool.frameHashes("glob.mkv", in: folder).count, 7, "f001-f006 and frame.png")
        try expectFailure(["transcode", "f*.png", "none.mkv"], status: 66,
                          mentioning: "input not found: f*.png (for the pictures this pattern names: --input-option pattern_type=glob)")
        // Pictures of different sizes become frames of the first's: said, with how to keep each.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x160", "-frames:v", "1", "f007.png"], in: folder)
        let mixed = try Tool.clarity(["transcode", "f%03d.png", "mixed.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(mixed.status, 0, mixed.stderr)
        XCTAssertTrue(mixed.stderr.contains("pictures of another size than the first were made its size: enhance such pictures one by one"),
                      mixed.stderr)
    }

    /// FFmpeg's reader of a numbered sequence stops at the first number missing: 7 of 20
    /// pictures made the output, exit 0, "Could not open file". Such a gap is refused before
    /// anything is written, with how to read what there is. A sequence that starts past 4 is
    /// read from its start_number (it was "not found" even with one), and said to without;
    /// the pictures' names may hold other digits.
    func testAPictureSequenceWithANumberMissing() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10:duration=2", "-start_number", "100", "take2_%d.png"], in: folder)
        try FileManager.default.removeItem(atPath: path("take2_107.png"))
        try expectFailure(["transcode", "take2_%d.png", "out.mkv", "--input-option", "start_number=100"], status: 66,
                          mentioning: "take2_%d.png: picture take2_107.png is missing, and the 12 after it would not be read")
        try expectFailure(["transcode", "take2_%d.png", "out.mkv"], status: 66,
                          mentioning: "input not found: take2_%d.png (its first picture is take2_100.png: --input-option start_number=100)")
        let rest = try Tool.clarity(["transcode", "take2_%d.png", "rest.mkv", "--input-option", "start_number=108", "--progress", "none"], in: folder)
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertEqual(try decodedFrames("rest.mkv"), 12)
        let globbed = try Tool.clarity(["transcode", "take2_*.png", "all.mkv", "--input-option", "pattern_type=glob", "--progress", "none"], in: folder)
        XCTAssertEqual(globbed.status, 0, globbed.stderr)
        XCTAssertEqual(try decodedFrames("all.mkv"), 19)
    }

    /// Transparency survives the models: the alpha plane is scaled as ffmpeg's bicubic scales
    /// it (within a level), on every path that runs a model, into every output that holds alpha.
    func testAlphaIsKeptThroughTheModels() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='X+Y'",
                         "-frames:v", "1", "logo.png"], in: folder)
        func alpha(_ file: String) throws -> [UInt8] {
            // (Through RGBA: FFmpeg 5.1's alphaextract reads packed grey with alpha a sample off.)
            [UInt8](try Tool.run("ffmpeg", ["-v", "error", "-i", file, "-vf", "format=rgba,alphaextract", "-f", "rawvideo", "-"], in: folder).stdout)
        }
        try Tool.ffmpeg(["-i", "logo.png", "-vf", "scale=480:288:flags=bicubic", "reference.png"], in: folder)
        let expected = try alpha("reference.png")
        XCTAssertEqual(expected.count, 480 * 288)
        for options in [["--scale", "3"], ["--scale", "3", "--preset", "classsr"], ["--scale", "3", "--deartifact", "auto"]] {
            let r = try Tool.clarity(["transcode", "logo.png", "big.png", "-y"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("big.png", stream: "v", entries: "stream=pix_fmt", in: folder), ["rgba"], "\(options)")
            let kept = try alpha("big.png")
            XCTAssertEqual(kept.count, expected.count, "\(options)")
            XCTAssertLessThanOrEqual(zip(kept, expected).map { abs(Int($0) - Int($1)) }.max() ?? 99, 1, "\(options)")
        }
        // Grey with alpha stays so where the output takes it (it came out RGBA): the models'
        // YUVA goes back to the input's format.
        try Tool.ffmpeg(["-i", "logo.png", "-vf", "format=ya8", "grey.png"], in: folder)
        for options in [["--scale", "3"], ["--scale", "3", "--preset", "classsr"], ["--scale", "3", "--deartifact", "auto"]] {
            let r = try Tool.clarity(["transcode", "grey.png", "big.png", "-y"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("big.png", stream: "v", entries: "stream=pix_fmt", in: folder), ["ya8"], "\(options)")
            XCTAssertLessThanOrEqual(zip(try alpha("big.png"), expected).map { abs(Int($0) - Int($1)) }.max() ?? 99, 1, "\(options)")
        }
        for (name, pixFmt) in [("big.webp", "yuva420p"), ("big.mov", "yuva444p12le")] {
            let r = try Tool.clarity(["transcode", "logo.png", name, "--scale", "2"] + (name.hasSuffix(".mov") ? ["--codec", "prores_ks"] : []),
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(name, stream: "v", entries: "stream=pix_fmt", in: folder), [pixFmt])
        }
        // VP9 with alpha in WebM: FFmpeg's own decoder skips the alpha (it came out opaque), and
        // the input's "alpha_mode" tag was copied onto an output that had none. libvpx reads it.
        try Tool.ffmpeg(["-loop", "1", "-i", "logo.png", "-frames:v", "3", "-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "logo.webm"], in: folder)
        try Tool.ffmpeg(["-c:v", "libvpx-vp9", "-i", "logo.webm", "-frames:v", "1", "-vf", "scale=480:288:flags=bicubic", "reference-vp9.png"],
                        in: folder)
        let fromVP9 = try alpha("reference-vp9.png")
        for out in ["vp9-%d.png", "vp9.webm"] {
            let r = try Tool.clarity(["transcode", "logo.webm", out, "--scale", "3"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try Tool.probe("vp9-1.png", stream: "v", entries: "stream=pix_fmt", in: folder), ["rgba"])
        let kept = try alpha("vp9-1.png")
        XCTAssertEqual(kept.count, fromVP9.count)
        XCTAssertLessThanOrEqual(zip(kept, fromVP9).map { abs(Int($0) - Int($1)) }.max() ?? 99, 1)
        XCTAssertEqual(try Tool.probe("vp9.webm", stream: "v", entries: "stream_tags=alpha_mode", in: folder), ["1"], "alpha written, and said")
        let opaque = try Tool.clarity(["transcode", "logo.webm", "opaque.webm", "--scale", "2", "--pix-fmt", "yuv420p"], in: folder)
        XCTAssertEqual(opaque.status, 0, opaque.stderr)
        XCTAssertEqual(try Tool.probe("opaque.webm", stream: "v", entries: "stream_tags=alpha_mode", in: folder), [], "no alpha, none said")
    }

    /// Audio options where there is no sound to apply them to (an input without audio, or
    /// pictures out) are said, where they had done nothing unsaid.
    func testAudioOptionsWithoutSoundAreSaid() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "0.5", "-c:v", "libx264", "silent.mp4"], in: folder)
        let r = try Tool.clarity(["transcode", "silent.mp4", "out.mkv", "--af", "volume=2", "--audio-bitrate", "96k", "--progress", "none"],
                                 in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: --audio-bitrate, --af: silent.mp4 has no audio, so there is nothing to encode again"), r.stderr)
        try makeClip(seconds: 0.5)
        let gif = try Tool.clarity(["transcode", "in.mp4", "out.gif", "--af", "volume=2", "--progress", "none"], in: folder)
        XCTAssertEqual(gif.status, 0, gif.stderr)
        XCTAssertTrue(gif.stderr.contains("warning: --af: out.gif holds pictures, without sound"), gif.stderr)
        let sound = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "--af", "volume=2", "--progress", "none"], in: folder)
        XCTAssertFalse(sound.stderr.contains("warning"), sound.stderr)
    }

    /// An MP4 file is written with its index first (faststart), so that a browser plays it
    /// before all of it has come (it had been written last, as ffmpeg writes it by default).
    /// `--output-option` passes muxer options on; a name the muxer lacks or a value it refuses
    /// is a bad option, said before anything is written.
    func testMP4IndexGoesFirstAndMuxerOptionsPassOn() throws {
        try makeClip(seconds: 1)
        let boxes = { (name: String) throws -> [String] in
            let data = try Data(contentsOf: URL(fileURLWithPath: self.path(name)))
            var (at, found) = (0, [String]())
            while at + 8 <= data.count {
                let size = data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) }
                found.append(String(decoding: data[at + 4..<at + 8], as: UTF8.self))
                guard size >= 8 else { break }
                at += size
            }
            return found.filter { ["moov", "mdat"].contains($0) }
        }
        let run = { (args: [String]) throws in
            let r = try Tool.clarity(["transcode", "in.mp4"] + args + ["-y", "--progress", "none"], in: self.folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try run(["out.mp4"])
        XCTAssertEqual(try boxes("out.mp4"), ["moov", "mdat"])
        try run(["out.mov", "--output-option", "movflags=-faststart"])
        XCTAssertEqual(try boxes("out.mov"), ["mdat", "moov"])
        try run(["out.ts", "--output-option", "mpegts_service_id=77"])
        XCTAssertEqual(try Tool.probe("out.ts", stream: "v", entries: "program=program_id", in: folder), ["77"])
        try expectFailure(["transcode", "in.mp4", "bad.mp4", "--output-option", "nosuch=1"], status: 64,
                          mentioning: "the mp4 muxer has no option 'nosuch' (see `ffmpeg -h muxer=mp4`)")
        try expectFailure(["transcode", "in.mp4", "bad.mp4", "--output-option", "movflags=+bogus"], status: 64,
                          mentioning: "the mp4 muxer refuses --output-option movflags=+bogus")
        // Flags that replace the fragments a pipe needs: the option given is the fault.
        let piped = try Tool.clarity(["transcode", "in.mp4", "-", "--format", "mp4", "--output-option", "movflags=faststart"], in: folder)
        XCTAssertEqual(piped.status, 64, piped.stderr)
        XCTAssertTrue(piped.stderr.contains("cannot write the mp4 header with the --output-option given: muxer does not support non seekable output"),
                      piped.stderr)
    }

    /// An encoder that lacks the input's pixel format gets the nearest it takes; what that
    /// loses (transparency the frames show, bits, colour detail) is said, with an encoder that
    /// keeps it. RGB made 4:4:4 H.264 is said to play in few players.
    func testWhatTheEncodersPixelFormatLosesIsSaid() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90,format=rgba,colorchannelmixer=aa=0.5", "-frames:v", "2", "-c:v", "png",
                         "see-through.mov"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90,format=rgba", "-frames:v", "2", "-c:v", "png", "opaque.mov"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "2", "-pix_fmt", "yuv444p10le", "-c:v", "ffv1", "deep.mkv"],
                        in: folder)
        let warnings = { (args: [String]) -> [String] in
            let r = try Tool.clarity(["transcode"] + args + ["-y", "--progress", "none"], in: self.folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stderr.split(separator: "\n").filter { $0.hasPrefix("clarity: warning: ") }.map { String($0.dropFirst(18)) }
        }
        let playable = "libx264 writes RGB input (rgba) as yuv444p, which browsers, phones and many players cannot play: --pix-fmt yuv420p "
            + "writes what they play"
        XCTAssertEqual(try warnings(["see-through.mov", "out.mp4", "--scale", "2"]),
                       ["libx264 takes no rgba: written as yuv444p, without its transparency (--codec prores_ks or ffv1 keeps it all)",
                        playable + " (at this size it still holds every colour sample of the input)"])
        XCTAssertEqual(try warnings(["opaque.mov", "out.mp4"]), [playable], "an opaque picture loses nothing")
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=pix_fmt", in: folder), ["yuv444p"])
        XCTAssertEqual(try warnings(["opaque.mov", "out.mp4", "--pix-fmt", "yuv420p"]), [], "chosen, not said")
        XCTAssertEqual(try warnings(["deep.mkv", "out.avi", "--codec", "mpeg4"]),
                       ["mpeg4 takes no yuv444p10le: written as yuv420p, without 2 of its 10 bits and colour detail (4:2:0 from 4:4:4) "
                        + "(--codec libx264 or libx265 keeps it all)"])
        // Kept as it came, it is said to play in few places (H.264's 4:4:4 and High 10 profiles
        // play in no browser); HEVC's Main 10 plays on most phones and TVs.
        XCTAssertEqual(try warnings(["deep.mkv", "out.mkv", "--codec", "libx264"]),
                       ["libx264 writes yuv444p10le as the input has it, which browsers, phones and many players cannot play: "
                        + "--pix-fmt yuv420p writes what they play"])
        try Tool.ffmpeg(["-i", "deep.mkv", "-pix_fmt", "yuv420p10le", "-c:v", "ffv1", "ten.mkv"], in: folder)
        XCTAssertEqual(try warnings(["ten.mkv", "out.mp4"]),
                       ["libx264 writes yuv420p10le as the input has it, which browsers, phones and many players cannot play: "
                        + "--pix-fmt yuv420p writes what they play (--codec libx265 keeps the 10 bits, as HEVC's Main 10, which most phones and TVs play)"])
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=profile", in: folder), ["High 10"])
        XCTAssertEqual(try warnings(["ten.mkv", "out.mp4", "--codec", "libx265"]), [])
        XCTAssertEqual(try warnings(["ten.mkv", "out.mp4", "--pix-fmt", "yuv420p10le"]), [], "chosen, not said")
        // HDR would band in 8 bits: HEVC or SDR instead.
        try Tool.ffmpeg(["-i", "ten.mkv", "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc", "-c:v", "ffv1",
                         "pq.mkv"], in: folder)
        XCTAssertEqual(try warnings(["pq.mkv", "out.mp4"]),
                       ["libx264 writes yuv420p10le HDR as the input has it, which browsers, phones and many players cannot play: "
                        + "--codec libx265 keeps the HDR in HEVC's Main 10, which most phones and TVs play, and --sdr makes SDR that every player shows"])
        // Pictures: PNG is what keeps it; a GIF's palettes are 8-bit colour by nature.
        XCTAssertEqual(try warnings(["deep.mkv", "out.jpg"]).first,
                       "mjpeg takes no yuv444p10le: written as yuvj444p, without 2 of its 10 bits (a .png keeps it all)")
        XCTAssertEqual(try warnings(["deep.mkv", "out.gif"]), [])
        // Larger than the codec's largest level holds: 12K H.264 was written unsaid (as level 6.2).
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=400x100", "-frames:v", "1", "-c:v", "ffv1", "wide.mkv"], in: folder)
        let wide = ["wide.mkv", "out.mp4", "--model", "bicubic", "--encoder-preset", "ultrafast", "--size"]
        XCTAssertEqual(try warnings(wide + ["12000x3000"]),
                       ["libx264 writes 12000x3000, more than the codec's largest level holds (35.7 million pixels, 8192x4352): "
                        + "few players decode it (7680x4320, 8K, fits)"])
        XCTAssertEqual(try warnings(wide + ["8192x4352"]), [])
    }

    /// A GIF's frames each get the 256 colours that suit them (ordered dithering): a fixed 3-3-2
    /// palette, which ffmpeg's gif encoder takes unless told otherwise, bands every gradient.
    /// Transparency becomes the palette's transparent entry (it was lost).
    func testGIFFramesGetPalettesOfTheirOwn() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(gt(X,160),255,0)'",
                         "-frames:v", "4", "-c:v", "ffv1", "in.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "in.mkv", "out.gif", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.gif", stream: "v", entries: "frame=width", in: folder), Array(repeating: "320", count: 4))
        let rgba = { (file: String) in [UInt8](try Tool.run("ffmpeg", ["-v", "error", "-i", file, "-pix_fmt", "rgba", "-f", "rawvideo", "-"], in: self.folder).stdout) }
        let got = try rgba("out.gif"), meant = try rgba("in.mkv")
        XCTAssertEqual(got.count, meant.count)
        var squares = 0.0, count = 0, alphaMismatches = 0
        for i in stride(from: 0, to: min(got.count, meant.count), by: 4) {
            if got[i + 3] != meant[i + 3] { alphaMismatches += 1 }
            guard meant[i + 3] == 255 else { continue }
            for c in 0..<3 { squares += pow(Double(got[i + c]) - Double(meant[i + c]), 2) }
            count += 3
        }
        XCTAssertEqual(alphaMismatches, 0)
        let psnr = 10 * log10(255 * 255 / (squares / Double(max(1, count))))
        // Own palettes: 45.4 dB on this picture; the fixed palette 29.9 (and no transparency).
        XCTAssertGreaterThan(psnr, 40, "RGB PSNR")
        // GIF times frames in hundredths of a second, and players show a frame of less than 2
        // as 10: 60 fps is written at 30 (it was written with delays of 1 and 2, and played
        // at a third of its speed); a rate asked for is kept.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=60", "-t", "1", "-c:v", "ffv1", "fast.mkv"], in: folder)
        /// Each frame's delay, in hundredths of a second (the graphic control extensions).
        func delays(_ file: String) throws -> [Int] {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            return bytes.indices.dropLast(5).filter { bytes[$0] == 0x21 && bytes[$0 + 1] == 0xF9 && bytes[$0 + 2] == 4 }
                .map { Int(bytes[$0 + 4]) | Int(bytes[$0 + 5]) << 8 }
        }
        let thinned = try Tool.clarity(["transcode", "fast.mkv", "fast.gif"], in: folder)
        XCTAssertEqual(thinned.status, 0, thinned.stderr)
        XCTAssertTrue(thinned.stderr.contains("the 60 fps input is written at 30 fps"), thinned.stderr)
        XCTAssertEqual(try delays("fast.gif").count, 30)
        XCTAssertGreaterThanOrEqual(try delays("fast.gif").min() ?? 0, 3)
        XCTAssertEqual(try delays("fast.gif").reduce(0, +), 100, accuracy: 2)
        let asked = try Tool.clarity(["transcode", "fast.mkv", "asked.gif", "--fps", "50"], in: folder)
        XCTAssertEqual(asked.status, 0, asked.stderr)
        XCTAssertFalse(asked.stderr.contains("hundredths"), asked.stderr)
        XCTAssertEqual(try delays("asked.gif"), Array(repeating: 2, count: 50))
        // Animated pictures hold no sound: nothing to warn about (it advised an .mkv output).
        // All three play for ever (loop count 0), as a GIF does, unless an option says otherwise.
        func plays(_ file: String) throws -> Int? {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            func at(_ tag: String, skip: Int, bigEndian: Bool, count: Int) -> Int? {
                let t = Array(tag.utf8)
                guard let i = bytes.indices.dropLast(t.count + skip + count).first(where: { Array(bytes[$0..<$0 + t.count]) == t }) else { return nil }
                let field = bytes[(i + t.count + skip)...].prefix(count)
                return (bigEndian ? Array(field) : field.reversed()).reduce(0) { $0 << 8 | Int($1) }
            }
            switch (file as NSString).pathExtension {
            case "gif": return at("NETSCAPE2.0", skip: 2, bigEndian: false, count: 2)
            case "apng": return at("acTL", skip: 4, bigEndian: true, count: 4)
            default: return at("ANIM", skip: 8, bigEndian: false, count: 2)
            }
        }
        try makeClip(seconds: 0.2)
        for out in ["clip.gif", "clip.apng", "clip.webp"] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("dropping audio"), r.stderr)
            XCTAssertEqual(try plays(out), 0, out)
        }
        for (out, option) in [("once.apng", "plays=1"), ("once.webp", "loop=1")] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--output-option", option, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try plays(out), 1, out)
        }
    }

    /// --vf runs FFmpeg's filters on each frame before anything enhances it, --post-vf after,
    /// just before the encoder: frame for frame what ffmpeg's -vf gives with the resize between.
    /// Frames come back in the pixel format that went in (eq takes no RGB, a GIF's frames are
    /// BGRA). --vf may change the size, --post-vf may not; unknown filters are refused before
    /// anything is written.
    func testUserFiltersRunBeforeAndAfterEnhancing() throws {
        try makeClip(seconds: 0.4)
        let denoised = try Tool.clarity(["transcode", "in.mp4", "dn.mkv", "--vf", "hqdn3d=4", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(denoised.status, 0, denoised.stderr)
        XCTAssertEqual(try Tool.frameHashes("dn.mkv", in: folder), try Tool.frameHashes("in.mp4", filter: "hqdn3d=4", in: folder))
        XCTAssertEqual(denoised.stderr, "", "the filters change the picture: no note that nothing does")
        XCTAssertNotEqual(try Tool.frameHashes("dn.mkv", in: folder), try Tool.frameHashes("in.mp4", in: folder), "the filter did something")
        let graph = "split[a][b];[a]hflip[c];[b][c]blend=all_mode=average,eq=saturation=1.2"
        let upscaled = try Tool.clarity(["transcode", "in.mp4", "up.mkv", "--vf", graph, "--scale", "2", "--model", "bicubic", "--codec", "ffv1"],
                                        in: folder)
        XCTAssertEqual(upscaled.status, 0, upscaled.stderr)
        XCTAssertEqual(try Tool.frameHashes("up.mkv", in: folder),
                       try Tool.frameHashes("in.mp4", filter: graph + ",scale=640:360:flags=bicubic", in: folder))
        let after = try Tool.clarity(["transcode", "in.mp4", "after.mkv", "--vf", "hqdn3d=4", "--post-vf", "unsharp=5:5:0.8", "--scale", "2",
                                      "--model", "bicubic", "--codec", "ffv1"], in: folder)
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertEqual(try Tool.frameHashes("after.mkv", in: folder),
                       try Tool.frameHashes("in.mp4", filter: "hqdn3d=4,scale=640:360:flags=bicubic,unsharp=5:5:0.8", in: folder))
        let gif = try Tool.clarity(["transcode", "in.mp4", "eq.gif", "--post-vf", "eq=saturation=1.5", "--frames", "2"], in: folder)
        XCTAssertEqual(gif.status, 0, gif.stderr)
        // --vf may change the size: what follows is set up for the frames it gives.
        let resized = try Tool.clarity(["transcode", "in.mp4", "small.mkv", "--vf", "scale=160:90", "--scale", "2", "--model", "bicubic",
                                        "--codec", "ffv1"], in: folder)
        XCTAssertEqual(resized.status, 0, resized.stderr)
        XCTAssertEqual(try Tool.frameHashes("small.mkv", in: folder),
                       try Tool.frameHashes("in.mp4", filter: "scale=160:90,scale=320:180:flags=bicubic", in: folder))
        for (filters, shape) in [("transpose=1", "180,320,1:1"), ("scale=iw/2:ih", "160,180,2:1")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "shaped.mkv", "--vf", filters, "--scale", "2", "-y"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("shaped.mkv", stream: "v", entries: "stream=width,height,sample_aspect_ratio", in: folder),
                           [shape.split(separator: ",").enumerated().map { $0.offset < 2 ? String(Int($0.element)! * 2) : String($0.element) }
                               .joined(separator: ",")], filters)
        }
        for (option, filters, message) in [("--post-vf", "crop=100:100", "--post-vf 'crop=100:100' turns 320x180 frames into 100x100"),
                                           ("--vf", "hqdnx", "--vf 'hqdnx': cannot set up")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "refused.mkv", option, filters], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("refused.mkv")))
        }
    }

    /// --vf may change the frame rate (fps, framestep, minterpolate): the output is stated at
    /// the rate the filters give, each frame lasting one of its periods, as ffmpeg writes it
    /// (it was stated at the input's 25 fps, the last frame lasting 1/25 s).
    func testUserFiltersMayChangeTheFrameRate() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "1", "-c:v", "libx264", "c25.mp4"], in: folder)
        for (filters, rate, frames) in [("fps=50", "50/1", 50), ("framestep=2", "25/2", 13)] {
            for out in ["out.mkv", "out.mp4"] {
                let r = try Tool.clarity(["transcode", "c25.mp4", out, "-y", "--vf", filters, "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=r_frame_rate,nb_read_frames", in: folder, extra: ["-count_frames"]),
                               ["\(rate),\(frames)"], "\(filters) \(out)")
            }
            XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=avg_frame_rate", in: folder), [rate], filters)
        }
    }

    /// With --start, --vf and --post-vf run on the output's clock, as ffmpeg's filters after
    /// its -ss (a fade in from 0 fades the part in), and burnt-in subtitles on the input's, the
    /// subtitles' own: a line from 1.5 s of the input shows from 0.5 s of a part from 1 s.
    func testFiltersRunOnTheOutputsClockAndSubtitlesOnTheInputs() throws {
        try makeClip(seconds: 2)
        let fade = "fade=t=in:d=0.5"
        let expected = try Tool.frameHashes("in.mp4", filter: "trim=start=1:end=2,setpts=PTS-STARTPTS,\(fade)", in: folder)
        XCTAssertEqual(expected.count, 30)
        for option in ["--vf", "--post-vf"] {
            let r = try Tool.clarity(["transcode", "in.mp4", "faded.mkv", "--start", "1", "--duration", "1", option, fade,
                                      "--codec", "ffv1", "--overwrite", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.frameHashes("faded.mkv", in: folder), expected, option)
        }
        try Data("1\n00:00:01,500 --> 00:00:02,000\nHELLO\n\n".utf8).write(to: URL(fileURLWithPath: path("film.srt")))
        var parts: [String: [String]] = [:]
        for (name, extra) in [("plain.mkv", [String]()), ("burnt.mkv", ["--burn-subtitles", "film.srt"])] {
            let r = try Tool.clarity(["transcode", "in.mp4", name, "--start", "1", "--duration", "1", "--codec", "ffv1", "--progress", "none"] + extra,
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            parts[name] = try Tool.frameHashes(name, in: folder)
        }
        XCTAssertEqual(zip(parts["burnt.mkv"]!, parts["plain.mkv"]!).map { $0 == $1 ? "." : "S" }.joined(),
                       String(repeating: ".", count: 15) + String(repeating: "S", count: 15))
        let missing = try Tool.clarity(["transcode", "in.mp4", "none.mkv", "--burn-subtitles", "nope.srt"], in: folder)
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--burn-subtitles: subtitle file not found: nope.srt"), missing.stderr)
    }

    /// A codec's name asks for its usual encoder, as ffmpeg's -c takes it (`--codec hevc` was
    /// "unknown encoder"); a name that is neither says which encoders it is likely to mean,
    /// and `copy` and `none` what they would mean.
    func testEncodersNamedByTheirCodec() throws {
        try makeClip(seconds: 0.5)
        for (args, file, video, audio) in [(["--codec", "hevc", "--audio-codec", "mp3"], "hevc.mkv", "hevc", "mp3"),
                                           (["--codec", "vp9"], "vp9.webm", "vp9", "opus")] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--progress", "none"] + args, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(file, stream: "v", entries: "stream=codec_name", in: folder), [video])
            XCTAssertEqual(try Tool.probe(file, stream: "a", entries: "stream=codec_name", in: folder), [audio])
            XCTAssertEqual(try Tool.probe(file, stream: "v", entries: "packet=pts", in: folder).count, 15)
        }
        for (args, words) in [(["--codec", "h265"], "unknown encoder 'h265' (did you mean libx265? see `ffmpeg -encoders`)"),
                              (["--codec", "x264"], "unknown encoder 'x264' (did you mean libx264 or libx264rgb?"),
                              (["--codec", "mpeg2"], "unknown encoder 'mpeg2' (did you mean mpeg2video?"),
                              (["--audio-codec", "lame"], "unknown audio encoder 'lame' (did you mean libmp3lame or libtwolame?"),
                              (["--codec", "nosuchcodec"], "unknown encoder 'nosuchcodec' (see `ffmpeg -encoders`)"),
                              // ffmpeg's words for "as it is" and "none" are answered as such.
                              (["--codec", "copy"], "--codec copy would keep the video as it is, where clarity writes it anew"),
                              (["--codec", ""], "--codec takes an encoder's name (libx264, libx265, ffv1, ...), not nothing"),
                              (["--audio-codec", "none"], "--audio-codec none: --no-audio leaves the audio out")] {
            try expectFailure(["transcode", "in.mp4", "out.mkv"] + args, status: 64, mentioning: words)
        }
    }

    /// Sound with a pause in its clock (a broadcast's dropout), encoded again (PCM into MP4):
    /// timed by counting samples, everything after the pause played 3 s early, to the end. The
    /// pause is silence now, as ffmpeg's `aresample=async=1` fills it; a copy keeps its times.
    func testAPauseInTheSoundKeepsItInStepWhenEncodedAgain() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=8", "-f", "lavfi", "-i", "sine=f=440:d=8:sample_rate=48000",
                         "-af", "asetpts='if(gte(T,3),PTS+3*SR,PTS)'", "-c:v", "libx264", "-c:a", "pcm_s16le", "pause.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "pause.mkv", "out.mp4", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "a", entries: "stream=codec_name", in: folder), ["aac"])
        /// The sound's loudness (RMS of 16-bit samples at 8 kHz) over each half second.
        let raw = [UInt8](try Tool.ffmpeg(["-i", "out.mp4", "-map", "0:a", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"], in: folder).stdout)
        let samples = stride(from: 0, to: raw.count - 1, by: 2).map { Double(Int16(bitPattern: UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8)) }
        let loudness = stride(from: 0, to: samples.count - 3999, by: 4000).map { i in (samples[i..<i + 4000].map { $0 * $0 }.reduce(0, +) / 4000).squareRoot() }
        XCTAssertEqual(loudness.count, 22, "11 s of sound")
        // Loud to 3 s (the window from 3 s holds its last 8 ms), silent to 6 s, loud again.
        XCTAssertEqual(loudness.indices.filter { loudness[$0] > 2000 }, Array(0..<6) + Array(12..<22), "\(loudness.map { Int($0) })")
        XCTAssertEqual(loudness.indices.filter { loudness[$0] < 100 }, Array(7..<12), "\(loudness.map { Int($0) })")
    }

    /// --audio-codec, --audio-bitrate and --af encode every audio stream again, as asked and without
    /// a warning (a bitrate alone in the container's usual codec), keeping its length; an
    /// encoder the container cannot hold, one that is not of audio, or a filter FFmpeg does not
    /// have is refused before anything is written.
    func testAudioIsEncodedAgainOnRequest() throws {
        try makeClip(seconds: 1)
        let audio = { (file: String) in try Tool.probe(file, stream: "a", entries: "stream=codec_name,bit_rate", in: self.folder) }
        let span = { (file: String) in
            try Tool.probe(file, stream: "a", entries: "packet=pts_time,duration_time", in: self.folder)
                .compactMap { line -> Double? in
                    let parts = line.split(separator: ",").compactMap { Double($0) }
                    return parts.count == 2 ? parts[0] + parts[1] : nil
                }.max() ?? 0
        }
        XCTAssertEqual(try audio("in.mp4").first?.hasPrefix("aac,"), true)
        let smaller = try Tool.clarity(["transcode", "in.mp4", "small.mp4", "--audio-bitrate", "32k", "--progress", "none"], in: folder)
        XCTAssertEqual(smaller.status, 0, smaller.stderr)
        XCTAssertFalse(smaller.stderr.contains("re-encoding"), smaller.stderr)
        let rate = try XCTUnwrap(try audio("small.mp4").first?.split(separator: ",").last.flatMap { Double($0) })
        XCTAssertEqual(rate, 32_000, accuracy: 6_000)
        XCTAssertEqual(try span("small.mp4"), try span("in.mp4"), accuracy: 0.05)
        // GSM takes 8 kHz at 13 kb/s alone, and says neither to whom asks (it was given the
        // input's rate and 192 kb/s: "Sample rate 8000Hz required for GSM", exit 1).
        for (codec, file, name) in [("libopus", "opus.mkv", "opus"), ("flac", "flac.mkv", "flac"), ("libgsm_ms", "gsm.avi", "gsm_ms")] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--audio-codec", codec, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try audio(file).first?.split(separator: ",").first.map(String.init), name)
        }
        XCTAssertEqual(try Tool.probe("gsm.avi", stream: "a", entries: "stream=sample_rate,bit_rate", in: folder), ["8000,13000"])
        // As ffmpeg's -c:a copy: the default, said.
        let copied = try Tool.clarity(["transcode", "in.mp4", "copy.mp4", "--audio-codec", "copy", "--progress", "none"], in: folder)
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertEqual(try Tool.probe("copy.mp4", stream: "a", entries: "packet=size", in: folder),
                       try Tool.probe("in.mp4", stream: "a", entries: "packet=size", in: folder))
        // --af: FFmpeg's audio filters, the audio encoded again (FLAC, so that the level is exact).
        let rms = { (file: String) -> Double in
            let pcm = try Tool.run("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a", "-f", "s16le", "-ac", "1", "-"], in: self.folder).stdout
            let samples = pcm.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }.map { Double($0) }
            return (samples.map { $0 * $0 }.reduce(0, +) / Double(max(1, samples.count))).squareRoot()
        }
        let quieter = try Tool.clarity(["transcode", "in.mp4", "quiet.mkv", "--af", "volume=0.5", "--audio-codec", "flac", "--progress", "none"],
                                       in: folder)
        XCTAssertEqual(quieter.status, 0, quieter.stderr)
        XCTAssertEqual(try rms("quiet.mkv") / rms("flac.mkv"), 0.5, accuracy: 0.01)
        XCTAssertEqual(try span("quiet.mkv"), try span("flac.mkv"), accuracy: 0.01)
        XCTAssertFalse(quieter.stderr.contains("out of step"), quieter.stderr)
        // The rate and channels the filters make are what is encoded, as ffmpeg's -af gives them.
        let resampled = try Tool.clarity(["transcode", "in.mp4", "resampled.mp4", "--af", "aresample=16000,pan=stereo|c0=c0|c1=-1*c0",
                                          "--progress", "none"], in: folder)
        XCTAssertEqual(resampled.status, 0, resampled.stderr)
        XCTAssertEqual(try Tool.probe("resampled.mp4", stream: "a", entries: "stream=sample_rate,channels", in: folder), ["16000,2"])
        XCTAssertEqual(try span("resampled.mp4"), try span("flac.mkv"), accuracy: 0.05)
        // Filters that change the audio's length are done, and said to leave it out of step.
        let faster = try Tool.clarity(["transcode", "in.mp4", "faster.mkv", "--af", "atempo=1.25", "--audio-codec", "flac", "--progress", "none"],
                                      in: folder)
        XCTAssertEqual(faster.status, 0, faster.stderr)
        // About 0.8 s from 1.0 (AAC's priming samples add a hundredth).
        XCTAssertTrue(faster.stderr.contains("--af made audio stream #1 0.8"), faster.stderr)
        XCTAssertTrue(faster.stderr.contains(" s long from 1.0"), faster.stderr)
        XCTAssertTrue(faster.stderr.contains("it is out of step with the video"), faster.stderr)
        // The video's tempo alone is said too (it was not); both alike, nothing; a new rate keeps the length.
        for (args, said) in [(["--vf", "setpts=PTS/2"], "--vf made the video 0.50 s long from 1.00 s: the audio is out of step with it"),
                             (["--vf", "setpts=PTS/2", "--af", "atempo=2"], nil), (["--vf", "fps=50"], nil)] {
            let r = try Tool.clarity(["transcode", "in.mp4", "tempo.mkv", "-y", "--progress", "none"] + args, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            if let said { XCTAssertTrue(r.stderr.contains(said), r.stderr) } else { XCTAssertFalse(r.stderr.contains("out of step"), r.stderr) }
        }
        for (args, message) in [(["--audio-codec", "flac"], "the mp4 container cannot hold flac audio"),
                                (["--audio-codec", "libx264"], "'libx264' is not an audio encoder"),
                                // FFmpeg's experiments failed once started, with exit 1 ("add '-strict -2'").
                                (["--audio-codec", "opus"], "FFmpeg has the opus encoder only as an experiment, whose output may not play; use libopus"),
                                (["--audio-codec", "truehd"], "FFmpeg has the truehd encoder only as an experiment, whose output may not play"),
                                (["--af", "volumee=2"], "--af 'volumee=2': cannot set up the --af filters of audio stream #1 for 48000 Hz mono fltp: "
                                  + "No such filter: 'volumee'")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "refused.mp4"] + args, in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("refused.mp4")))
        }
    }

    /// --crop: a given area and the black bars found (letterbox and pillarbox at once) keep
    /// exactly the picture, frame for frame; the models take a cropped frame; areas that do not
    /// fit or split chroma samples, and `auto` from a pipe, are refused.
    func testCropKeepsExactlyThePicture() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.4", "-pix_fmt", "yuv420p", "-c:v", "ffv1", "picture.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "picture.mkv", "-vf", "pad=400:240:40:30:black", "-c:v", "ffv1", "boxed.mkv"], in: folder)
        let picture = try Tool.frameHashes("picture.mkv", in: folder)
        XCTAssertEqual(picture.count, 10)
        for crop in ["auto", "320:180:40:30", "320:180"] {
            let r = try Tool.clarity(["transcode", "boxed.mkv", "out.mkv", "-y", "--crop", crop, "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder), picture, crop)
            XCTAssertEqual(r.stderr.contains("crop: 320:180:40:30 (as --crop takes it), black bars found"), crop == "auto", r.stderr)
        }
        let model = try Tool.clarity(["transcode", "boxed.mkv", "up.mkv", "--crop", "auto", "--model", "bicubicpp", "--scale", "3", "--progress", "none"], in: folder)
        XCTAssertEqual(model.status, 0, model.stderr)
        XCTAssertEqual(try Tool.probe("up.mkv", stream: "v", entries: "stream=width,height", in: folder), ["960,540"])
        for (crop, message) in [("500:100", "does not fit inside the 400x240 picture"), ("320:180:41:30", "whole chroma samples")] {
            let r = try Tool.clarity(["transcode", "boxed.mkv", "bad.mkv", "--crop", crop], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
        let piped = try Tool.shell("cat boxed.mkv | '\(Tool.clarity)' pipe --crop auto > /dev/null", in: folder)
        XCTAssertEqual(piped.status, 64)
        XCTAssertTrue(piped.stderr.contains("not possible from a pipe"), piped.stderr)
        XCTAssertFalse(files.contains("bad.mkv"))
    }

    /// libavdevice's inputs: lavfi's generated video goes through transcode and live like a
    /// file; a device that is not there is named in the error.
    func testDeviceInputs() throws {
        let source = "testsrc2=size=320x180:rate=30:duration=1"
        for command in ["transcode", "live"] {
            let r = try Tool.clarity([command, source, "\(command).mkv", "--input-format", "lavfi", "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("\(command).mkv", stream: "v", entries: "stream=width,height,nb_read_frames", in: folder, extra: ["-count_frames"]),
                           ["640,360,30"], command)
        }
        let camera = try Tool.clarity(["live", "/dev/video-none", "cam.mkv", "--input-format", "v4l2"], in: folder)
        XCTAssertEqual(camera.status, 66, camera.stderr)
        XCTAssertTrue(camera.stderr.contains("the video4linux2,v4l2 device cannot open /dev/video-none"), camera.stderr)
    }

    /// HLS and DASH segments are as long as the muxer is set to cut them (HLS 2 s, DASH 5 s, or
    /// as --output-option says): a key frame starts each, where the encoder's own placing (x264:
    /// every 250 frames) had made HLS's 10 s and DASH's video out of step with its sound. The
    /// playlist lists every segment, where FFmpeg's lists the last five (a 70 s film's
    /// playlist played its last 50 s).
    func testStreamingSegmentsAreCutWhereTheirLengthSays() throws {
        try makeClip(seconds: 13)
        for (output, options) in [("out.m3u8", [String]()), ("four.m3u8", ["--output-option", "hls_time=4"]), ("out.mpd", [])] {
            let r = try Tool.clarity(["transcode", "in.mp4", output, "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, "\(output): \(r.stderr)")
        }
        for (playlist, length) in [("out.m3u8", "2.000000"), ("four.m3u8", "4.000000")] {
            let lines = try String(contentsOfFile: path(playlist), encoding: .utf8).split(separator: "\n")
            XCTAssertTrue(lines.contains("#EXT-X-MEDIA-SEQUENCE:0"), playlist)
            let lengths = lines.filter { $0.hasPrefix("#EXTINF:") }.map { $0.dropFirst(8).dropLast() }
            XCTAssertEqual(Set(lengths.dropLast()), [Substring(length)], playlist)
            // (ffprobe lists the stream once more under its program.)
            XCTAssertEqual(Set(try Tool.probe(playlist, stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])),
                           ["390"], playlist)
        }
        let chunks = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("chunk-stream") }
        XCTAssertEqual(chunks.filter { $0.hasPrefix("chunk-stream0-") }.count, 3, "video: \(chunks.sorted())")
        XCTAssertEqual(chunks.filter { $0.hasPrefix("chunk-stream1-") }.count, 3, "sound: \(chunks.sorted())")
        // A part whose first frame is not at 0 (25 fps read from 3.3 s at 30: 0.033 s) is cut
        // from that frame, as the muxers measure (the cut at 2 s had been missed: 3.97 s).
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", "9", "-c:v", "libx264", "pal.mp4"], in: folder)
        let late = try Tool.clarity(["transcode", "pal.mp4", "late.m3u8", "--start", "3.3", "--fps", "30", "--progress", "none"], in: folder)
        XCTAssertEqual(late.status, 0, late.stderr)
        let lines = try String(contentsOfFile: path("late.m3u8"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Set(lines.filter { $0.hasPrefix("#EXTINF:") }.dropLast()), ["#EXTINF:2.000000,"], lines.joined(separator: " "))
        // Segments named into a folder that is not there: said before anything is written.
        try expectFailure(["transcode", "in.mp4", "parts.m3u8", "--output-option", "hls_segment_filename=parts/s%03d.ts"], status: 73,
                          mentioning: "the folder of hls_segment_filename 'parts/s%03d.ts' does not exist: make parts first")
    }

    /// A live stream into HLS or DASH lists its last six segments and deletes those older
    /// (FFmpeg's muxers keep one, HLS, or five, DASH, beyond the list for players still
    /// fetching them): it had listed and kept every one, and a stream left running filled the
    /// disk. `--output-option` still says otherwise.
    func testALiveStreamKeepsAWindowOfSegments() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                         "-t", "20", "-c:v", "libx264", "-g", "30", "-c:a", "aac", "-f", "mpegts", "in.ts"], in: folder)
        try FileManager.default.createDirectory(atPath: path("hls"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("all"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("dash"), withIntermediateDirectories: true)
        let live = "cat in.ts | '\(Tool.clarity)' live - %@ --scale 2 --progress none --output-option %@"
        for (output, options) in [("hls/live.m3u8", "hls_time=1"), ("all/live.m3u8", "hls_time=1 --output-option hls_list_size=0"),
                                  ("dash/live.mpd", "seg_duration=1")] {
            let r = try Tool.shell(String(format: live, output, options), in: folder)
            XCTAssertEqual(r.status, 0, "\(output): \(r.stderr)")
        }
        let listed = { (playlist: String) in
            try String(contentsOfFile: self.path(playlist), encoding: .utf8).split(separator: "\n").filter { $0.hasSuffix(".ts") }
        }
        let files = { (folder: String, prefix: String) in
            try FileManager.default.contentsOfDirectory(atPath: self.path(folder)).filter { $0.hasPrefix(prefix) }.sorted()
        }
        XCTAssertEqual(try listed("hls/live.m3u8"), ["live14.ts", "live15.ts", "live16.ts", "live17.ts", "live18.ts", "live19.ts"])
        XCTAssertEqual(try files("hls", "live"), ["live.m3u8"] + (13...19).map { "live\($0).ts" })
        XCTAssertEqual(try listed("all/live.m3u8").count, 20)
        XCTAssertEqual(try files("all", "live").count, 21)
        XCTAssertEqual(try files("dash", "chunk-stream0-"), (10...20).map { String(format: "chunk-stream0-%05d.m4s", $0) })
        let manifest = try String(contentsOfFile: path("dash/live.mpd"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("startNumber=\"15\""), manifest)
    }

    /// HLS and DASH write a playlist and segments of their own: in place, named after the
    /// output (a playlist renamed into place would point at temporary names), and the whole
    /// stream reads back through the playlist; FFmpeg's null muxer writes nothing at all. HLS
    /// takes, as MPEG-TS, the audio codecs MPEG-TS has stream types for.
    func testStreamingPlaylistsAreWrittenInPlace() throws {
        try makeClip(seconds: 3)
        try FileManager.default.createDirectory(atPath: path("hls"), withIntermediateDirectories: true)
        for (output, options) in [("hls/out.m3u8", ["--encoder-option", "g=30"]), ("out.mpd", []), ("nothing", ["--format", "null"])] {
            let r = try Tool.clarity(["transcode", "in.mp4", output, "--scale", "2", "--model", "bicubic", "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, "\(output): \(r.stderr)")
        }
        let playlist = try String(contentsOfFile: path("hls/out.m3u8"), encoding: .utf8)
        let segments = playlist.split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertGreaterThan(segments.count, 1, playlist)
        XCTAssertEqual(segments.first, "out0.ts")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: path("hls")).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [])
        for manifest in ["hls/out.m3u8", "out.mpd"] {
            // (ffprobe lists the stream once more under its program.)
            XCTAssertEqual(Set(try Tool.probe(manifest, stream: "v", entries: "stream=width,height,nb_read_frames", in: folder,
                                              extra: ["-count_frames"])), ["640,360,90"], manifest)
        }
        XCTAssertFalse(files.contains("nothing"))
        // Read back as inputs, a DASH manifest in a folder too (FFmpeg 5.1, given dash/out.mpd
        // as a path, looks for its segments in dash/dash/).
        try FileManager.default.createDirectory(atPath: path("dash"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("out.mpd"), toPath: path("dash/out.mpd"))
        for segment in try FileManager.default.contentsOfDirectory(atPath: folder.path) where segment.hasSuffix(".m4s") {
            try FileManager.default.copyItem(atPath: path(segment), toPath: path("dash/" + segment))
        }
        for manifest in ["hls/out.m3u8", "dash/out.mpd"] {
            let back = try Tool.clarity(["transcode", manifest, "back.mkv", "-y", "--progress", "none"], in: folder)
            XCTAssertEqual(back.status, 0, "\(manifest): \(back.stderr)")
            XCTAssertEqual(try Tool.frameHashes("back.mkv", in: folder).count, 90, manifest)
        }
        let again = try Tool.clarity(["transcode", "in.mp4", "hls/out.m3u8", "--progress", "none"], in: folder)
        XCTAssertEqual(again.status, 73, "an existing playlist is kept without --overwrite")
        // HLS's segments are MPEG-TS: FLAC went into them as data that reads back as no sound.
        try Tool.ffmpeg(["-i", "in.mp4", "-c:v", "copy", "-c:a", "flac", "flac.mkv"], in: folder)
        try FileManager.default.createDirectory(atPath: path("flac"), withIntermediateDirectories: true)
        let flac = try Tool.clarity(["transcode", "flac.mkv", "flac/out.m3u8", "--progress", "none"], in: folder)
        XCTAssertEqual(flac.status, 0, flac.stderr)
        XCTAssertTrue(flac.stderr.contains("re-encoding audio stream #1 (flac) as AAC: the hls container"), flac.stderr)
        XCTAssertEqual(Set(try Tool.probe("flac/out.m3u8", stream: "a", entries: "stream=codec_name", in: folder)), ["aac"])
    }

    /// Upscaling runs Bicubic++ unless asked otherwise; `--model bicubic` or a named `--filter`
    /// resize classically, frame for frame as ffmpeg's scale filter; no resize runs no model,
    /// and says so before the run (a user may have expected more).
    func testModelByDefaultClassicalOnRequest() throws {
        try makeClip(seconds: 0.2)
        for (file, options, ffmpegFlags, note) in [("model.mkv", [], nil, ["upscaled by bicubicpp-c32-x2 ("]),
                                                   ("bicubic.mkv", ["--model", "bicubic"], "bicubic", nil),
                                                   ("lanczos.mkv", ["--filter", "lanczos"], "lanczos", nil)] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--scale", "2", "--codec", "ffv1"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.contains("upscaled by"), note != nil, r.stderr)
            for part in note ?? [] { XCTAssertTrue(r.stderr.contains(part), r.stderr) }
            // Nothing to say, not even an empty line.
            if note == nil { XCTAssertEqual(r.stderr, "") }
            if let ffmpegFlags {
                XCTAssertEqual(try Tool.frameHashes(file, in: folder),
                               try Tool.frameHashes("in.mp4", filter: "scale=640:360:flags=\(ffmpegFlags)", in: folder), file)
            }
        }
        let same = try Tool.clarity(["transcode", "in.mp4", "same.mkv", "--codec", "ffv1"], in: folder)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.hasPrefix("not enhanced: the frames are re-encoded at their size (--scale or --size upscales"), same.stderr)
        XCTAssertEqual(same.stderr.split(separator: "\n").count, 1, same.stderr)
        XCTAssertEqual(try Tool.frameHashes("same.mkv", in: folder), try Tool.frameHashes("in.mp4", in: folder))
    }

    /// Frames larger than 1080p are upscaled in tiles by default (4K to 8K took 2.2 GB as one
    /// frame, 0.5 GB in tiles of 512, and less time), cut evenly and seam-free: the picture
    /// of the whole frame at once (fp32; to the bit on AVX2, where another instruction set
    /// could round a sample the other way). The summary says how it was cut.
    func testLargeFramesAreTiledWithoutSeams() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1940x1100:rate=30", "-frames:v", "1", "-c:v", "ffv1", "big.mkv"], in: folder)
        var pictures: [String: Data] = [:]
        for (name, options, cut) in [("auto", [], "in 12 tiles of "), ("whole", ["--tile", "0"], nil), ("even", ["--tile", "1000"], "in 4 tiles of 970x550)")] {
            let r = try Tool.clarity(["transcode", "big.mkv", "\(name).y4m", "--scale", "2", "--model", "esr-tm-k5-c4-x2-res",
                                      "--precision", "fp32"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(cut.map { r.stderr.contains("upscaled by esr-tm-k5-c4-x2-res (fp32, \($0)") }
                           ?? r.stderr.contains("upscaled by esr-tm-k5-c4-x2-res (fp32)\n"), true, r.stderr)
            pictures[name] = try Data(contentsOf: folder.appendingPathComponent("\(name).y4m"))
        }
        XCTAssertEqual(Double(pictures["whole"]?.count ?? 0), 3880 * 2200 * 1.5 + 100, accuracy: 100, "one 4:2:0 frame and its headers")
        let whole = [UInt8](pictures["whole"] ?? Data())
        for name in ["auto", "even"] {
            let cut = [UInt8](pictures[name] ?? Data())
            XCTAssertEqual(cut.count, whole.count)
            let apart = zip(cut, whole).filter { $0 != $1 }
            XCTAssertLessThanOrEqual(apart.count, whole.count / 10_000, name)
            XCTAssertTrue(apart.allSatisfy { abs(Int($0) - Int($1)) <= 1 }, name)
        }
    }

    /// The summary names the precision the model runs in: `--precision bf16` on a CPU without
    /// bf16 convolutions (AVX2) runs as fp32, and had said "bf16".
    func testTheSummaryNamesThePrecisionThatRuns() throws {
        try makeClip(seconds: 0.1)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let native = flags.contains("avx512_bf16") || flags.contains("amx_bf16"), avx512 = flags.contains("avx512f")
        for (precision, said) in [("fp32", "(fp32)"), ("bf16", native ? "(bf16)" : avx512 ? nil : "(fp32: this CPU has no bf16 convolutions)")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--scale", "2", "--precision", precision], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("upscaled by bicubicpp-c32-x2 " + (said ?? "(")), r.stderr)
        }
    }

    /// --compare: the left half of each frame is exactly the classical resize, the right half
    /// exactly the enhanced picture; without anything learned to compare it is refused. The
    /// default upscaler is Bicubic++ (`model.mkv` names none).
    func testCompareSetsBothPicturesSideBySide() throws {
        try makeClip(seconds: 0.2)
        for (file, options) in [("cmp.mkv", ["--compare"]), ("bicubic.mkv", ["--model", "bicubic"]), ("model.mkv", []),
                                ("named.mkv", ["--model", "bicubicpp"])] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--scale", "2", "--codec", "ffv1", "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let half = { (file: String, x: Int) in
            try Tool.ffmpeg(["-i", file, "-vf", "crop=320:360:\(x):0", "-f", "rawvideo", "-"], in: self.folder).stdout
        }
        XCTAssertEqual(try half("cmp.mkv", 0), try half("bicubic.mkv", 0))
        XCTAssertEqual(try half("cmp.mkv", 320), try half("model.mkv", 320))
        XCTAssertNotEqual(try half("cmp.mkv", 0), try half("model.mkv", 0), "the halves differ")
        XCTAssertEqual(try Tool.frameHashes("model.mkv", in: folder), try Tool.frameHashes("named.mkv", in: folder))
        let alone = try Tool.clarity(["transcode", "in.mp4", "alone.mkv", "--scale", "2", "--model", "bicubic", "--compare"], in: folder)
        XCTAssertEqual(alone.status, 64, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("nothing learned runs here"), alone.stderr)
    }

    /// --compare splits the picture as it is shown: a clip turned by its display matrix, whose
    /// MP4 output keeps the stored frames and the matrix, shows the classical resize on its
    /// left and the enhanced picture on its right, as a player turns it.
    func testCompareSplitsThePictureAsItIsShown() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.12", "-c:v", "libx264", "-qp", "0", "stored.mp4"],
                        in: folder)
        for degrees in [90, 180, 270] {
            try Tool.ffmpeg(["-i", "stored.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=\(degrees)", "-y", "turned.mp4"], in: folder)
            for (file, options) in [("cmp.mp4", ["--compare"]), ("bicubic.mp4", ["--model", "bicubic"]), ("model.mp4", [])] {
                let r = try Tool.clarity(["transcode", "turned.mp4", file, "-y", "--scale", "2", "--encoder-option", "qp=0",
                                          "--progress", "none"] + options, in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            let (width, height) = degrees == 180 ? (640, 360) : (360, 640)
            let half = { (file: String, x: Int) in
                try Tool.ffmpeg(["-i", file, "-vf", "crop=\(width / 2):\(height):\(x):0", "-f", "rawvideo", "-"], in: self.folder).stdout
            }
            XCTAssertEqual(try half("cmp.mp4", 0), try half("bicubic.mp4", 0), "\(degrees)")
            XCTAssertEqual(try half("cmp.mp4", width / 2), try half("model.mp4", width / 2), "\(degrees)")
            XCTAssertNotEqual(try half("cmp.mp4", 0), try half("model.mp4", 0), "\(degrees)")
        }
    }

    /// A phone's portrait video (stored landscape, with a display matrix) stays portrait, and
    /// --size is read as the picture is shown (360x640 for a 320x180 clip shown upright).
    func testRotationCarriesOver() throws {
        try makeClip(seconds: 0.2)
        try Tool.ffmpeg(["-i", "in.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", "turned.mp4"], in: folder)
        XCTAssertEqual(try Tool.probe("turned.mp4", stream: "v", entries: "stream_side_data=rotation", in: folder), ["90"])
        // A named size is the shorter side as shown: 360p of a portrait clip is 360 wide.
        for resize in [["--scale", "2"], ["--size", "360x640"], ["--size", "360x-1", "--model", "bicubicpp"], ["--size", "360p"]] {
            let r = try Tool.clarity(["transcode", "turned.mp4", "out.mp4", "-y", "--progress", "none"] + resize, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream_side_data=rotation", in: folder), ["90"])
            XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream=width,height,sample_aspect_ratio", in: folder),
                           ["640,360,1:1"], "\(resize)")
        }
    }

    /// --crop is given as the picture is shown, whatever its display matrix turns: a clip turned
    /// 90, 180 or 270 degrees and cropped comes out as ffmpeg's crop after its autorotate shows
    /// it; the area `auto` finds is printed that way too.
    func testCropIsGivenAsThePictureIsShown() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-pix_fmt", "yuv420p",
                         "-vf", "pad=400:240:40:30:black", "-c:v", "libx264", "-qp", "0", "boxed.mp4"], in: folder)
        for degrees in [90, 180, 270] {
            try Tool.ffmpeg(["-i", "boxed.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=\(degrees)", "-y", "turned.mp4"], in: folder)
            let r = try Tool.clarity(["transcode", "turned.mp4", "out.mp4", "-y", "--crop", "120:80:20:60", "--encoder-option", "qp=0",
                                      "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let want = try Tool.frameHashes("turned.mp4", filter: "crop=120:80:20:60", in: folder)
            XCTAssertEqual(want.count, 5)
            XCTAssertEqual(try Tool.frameHashes("out.mp4", in: folder), want, "\(degrees)")
        }
        let auto = try Tool.clarity(["transcode", "turned.mp4", "out.mp4", "-y", "--crop", "auto", "--progress", "none"], in: folder)
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertTrue(auto.stderr.contains("crop: 180:320:30:40 (as --crop takes it)"), auto.stderr)
        let wide = try Tool.clarity(["transcode", "turned.mp4", "bad.mp4", "--crop", "300:100"], in: folder)
        XCTAssertEqual(wide.status, 64, wide.stderr)
        XCTAssertTrue(wide.stderr.contains("does not fit inside the 240x400 picture (as it is shown"), wide.stderr)
    }

    /// What draws on the picture (`--vf`, `--post-vf`, `--burn-subtitles`) draws on it as it is
    /// shown, as ffmpeg's filters after its autorotate: into MP4 too, which otherwise keeps a
    /// clip's stored frames and display matrix, the frames are turned upright for them.
    func testWhatDrawsOnThePictureDrawsOnItAsItIsShown() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.12", "-c:v", "libx264", "-qp", "0", "stored.mp4"],
                        in: folder)
        try "1\n00:00:00,000 --> 00:00:05,000\nHELLO\n".write(to: URL(fileURLWithPath: path("line.srt")), atomically: true, encoding: .utf8)
        let box = "drawbox=x=0:y=0:w=16:h=8:c=red:t=fill"
        for degrees in [90, 180, 270] {
            try Tool.ffmpeg(["-i", "stored.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=\(degrees)", "-y", "turned.mp4"], in: folder)
            for option in ["--vf", "--post-vf"] {
                let r = try Tool.clarity(["transcode", "turned.mp4", "out.mp4", "-y", option, box, "--encoder-option", "qp=0",
                                          "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try Tool.frameHashes("out.mp4", in: folder), try Tool.frameHashes("turned.mp4", filter: box, in: folder),
                               "\(degrees) \(option)")
                XCTAssertEqual(try Tool.probe("out.mp4", stream: "v", entries: "stream_side_data=rotation", in: folder), [], "\(degrees)")
            }
            for (output, codec) in [("burnt.mp4", ["--encoder-option", "qp=0"]), ("burnt.mkv", ["--codec", "ffv1"])] {
                let r = try Tool.clarity(["transcode", "turned.mp4", output, "-y", "--burn-subtitles", "line.srt", "--progress", "none"] + codec,
                                         in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            XCTAssertEqual(try Tool.frameHashes("burnt.mp4", in: folder), try Tool.frameHashes("burnt.mkv", in: folder), "\(degrees)")
        }
    }

    /// A container that cannot say how the picture is turned (Matroska, y4m, a picture) gets
    /// frames turned upright, as ffmpeg's autorotate shows them, with --crop and --size read
    /// as the picture is shown, and --vf run on the picture cropped and upright, as ffmpeg's
    /// -vf after its autorotate; MP4 keeps the stored frames and the display matrix.
    func testRotatedVideoIsTurnedUprightWhereTheContainerCannotSayIt() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2", "-pix_fmt", "yuv420p",
                         "-c:v", "libx264", "-qp", "0", "stored.mp4"], in: folder)
        let box = "drawbox=x=0:y=0:w=16:h=8:c=red:t=fill"
        for degrees in [90, 180, 270] {
            try Tool.ffmpeg(["-i", "stored.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=\(degrees)", "-y", "turned.mp4"], in: folder)
            for (options, filter) in [([String](), nil), (["--crop", "120:80:20:60"], "crop=120:80:20:60"),
                                      (["--crop", "120:80:20:60", "--vf", box], "crop=120:80:20:60,\(box)")] {
                let r = try Tool.clarity(["transcode", "turned.mp4", "out.mkv", "-y", "--codec", "ffv1", "--progress", "none"] + options, in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder), try Tool.frameHashes("turned.mp4", filter: filter, in: folder),
                               "\(degrees) \(options)")
            }
        }
        let sized = try Tool.clarity(["transcode", "turned.mp4", "up.y4m", "--size", "360x640", "--progress", "none"], in: folder)
        XCTAssertEqual(sized.status, 0, sized.stderr)
        XCTAssertEqual(try Tool.probe("up.y4m", stream: "v", entries: "stream=width,height", in: folder), ["360,640"])
        let still = try Tool.clarity(["transcode", "turned.mp4", "still.png", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(still.status, 0, still.stderr)
        XCTAssertEqual(try Tool.probe("still.png", stream: "v", entries: "stream=width,height", in: folder), ["180,320"])
        // A photo taken upright: its JPEG is stored sideways with an EXIF orientation (6: turn
        // 90 degrees clockwise), which ffmpeg's decoder states on the frame. It was ignored.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", "stored.jpg"], in: folder)
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: path("stored.jpg")))
        let exif: [UInt8] = [0xFF, 0xE1, 0, 34] + Array("Exif".utf8) + [0, 0, 0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0,
                                                                      0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        try (jpeg.prefix(2) + exif + jpeg.dropFirst(2)).write(to: URL(fileURLWithPath: path("photo.jpg")))
        for (output, shape) in [("photo-up.png", ["360,640"]), ("photo-up.jpg", ["360,640"]), ("photo-up.mp4", ["640,360,-90"])] {
            let r = try Tool.clarity(["transcode", "photo.jpg", output, "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(output, stream: "v", entries: "stream=width,height:stream_side_data=rotation", in: folder), shape, output)
        }
        let upright = try Tool.clarity(["transcode", "photo.jpg", "photo.png", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(upright.status, 0, upright.stderr)
        XCTAssertEqual(try Tool.frameHashes("photo.png", filter: "format=rgb24", in: folder),
                       try Tool.frameHashes("photo.jpg", filter: "format=rgb24", in: folder), "as ffmpeg shows it")
        // Through a pipe as well (it was written as stored, sideways).
        for (command, output) in [("transcode - piped.png --progress none", "piped.png"), ("pipe --model bicubic > piped.y4m", "piped.y4m")] {
            let r = try Tool.shell("'\(Tool.clarity)' \(command) --scale 2 < photo.jpg", in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(output, stream: "v", entries: "stream=width,height", in: folder), ["360,640"], command)
        }
    }

    /// `--size` with -1 (or -2) for one side: the other follows, keeping the aspect, with a
    /// classical filter or a model (x3, then resized).
    func testSizeWithOneSideKeepsTheAspect() throws {
        try makeClip(seconds: 0.2)
        for (size, model, want) in [("640x-1", "bicubic", "640x360"), ("-2x540", "bicubicpp", "960x540"), ("500x-2", "bicubic", "500x282")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--size", size, "--model", model, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width,height", in: folder), [want.replacingOccurrences(of: "x", with: ",")], size)
        }
    }

    /// An interlaced clip whose fields are the frames of a 50p pan (`truth.y4m`): the top field
    /// from each even frame, the bottom from each odd one; x264 lossless, flagged top first.
    func makeInterlacedPan() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=480x270:rate=50,crop=320:180:x='t*100':y='t*40',format=yuv420p",
                         "-t", "1", "truth.y4m"], in: folder)
        try Tool.ffmpeg(["-i", "truth.y4m", "-vf", "tinterlace=interleave_top,setfield=tff", "-c:v", "libx264", "-qp", "0",
                         "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-field_order", "tt", "in.mp4"], in: folder)
    }

    /// Y-PSNR of `file`'s frames against `truth.y4m`'s (every `step`-th), decoded by ffmpeg.
    func psnrAgainstTruth(_ file: String, step: Int) throws -> Double {
        func luma(_ name: String) throws -> [UInt8] {
            [UInt8](try Tool.ffmpeg(["-i", name, "-f", "rawvideo", "-pix_fmt", "gray", "-"], in: folder).stdout)
        }
        let picture = 320 * 180
        let got = try luma(file), truth = try luma("truth.y4m")
        let frames = got.count / picture
        XCTAssertEqual(frames, truth.count / picture / step, file)
        var squares = 0.0
        for f in 0..<frames {
            for i in 0..<picture {
                let d = Double(got[f * picture + i]) - Double(truth[f * step * picture + i])
                squares += d * d
            }
        }
        return 10 * log10(255 * 255 / (squares / Double(frames * picture)))
    }

    /// Interlaced input is deinterlaced by default (bwdif), at the same rate or one frame per
    /// field: the frames come out far closer to the progressive pan the fields were cut from,
    /// with the right count and timestamps. `off` keeps the fields as they came, coded as
    /// fields; resized, their lines are mixed, and that is said.
    func testInterlacedInputIsDeinterlaced() throws {
        try makeInterlacedPan()
        for (mode, file) in [("auto", "auto.mkv"), ("double", "double.mkv"), ("off", "off.mkv")] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--codec", "ffv1", "--deinterlace", mode, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("is interlaced"), r.stderr)
        }
        XCTAssertEqual(try Tool.frameHashes("off.mkv", in: folder), try Tool.frameHashes("in.mp4", in: folder))
        XCTAssertEqual(try Tool.probe("off.mkv", stream: "v", entries: "stream=field_order", in: folder), ["tt"])
        let fieldsCoded = try Tool.clarity(["transcode", "in.mp4", "x264.mkv", "--deinterlace", "off", "--progress", "none"], in: folder)
        XCTAssertEqual(fieldsCoded.status, 0, fieldsCoded.stderr)
        let flags = try Tool.probe("x264.mkv", stream: "v", entries: "frame=interlaced_frame,top_field_first", in: folder)
        XCTAssertEqual(flags.count, 25)
        XCTAssertTrue(flags.allSatisfy { $0.hasPrefix("1,1") }, "\(flags)")
        let resized = try Tool.clarity(["transcode", "in.mp4", "big.mkv", "--deinterlace", "off", "--scale", "2", "--model", "bicubic",
                                        "--progress", "none"], in: folder)
        XCTAssertTrue(resized.stderr.contains("in.mp4 is interlaced (top field first): each frame is processed whole, both fields together, "
                                              + "and written progressive, at its new size"), resized.stderr)
        XCTAssertEqual(try Tool.probe("big.mkv", stream: "v", entries: "stream=field_order", in: folder), ["progressive"])
        let combed = try psnrAgainstTruth("off.mkv", step: 2)
        let frames = try psnrAgainstTruth("auto.mkv", step: 2), fields = try psnrAgainstTruth("double.mkv", step: 1)
        XCTAssertLessThan(combed, 26)
        XCTAssertGreaterThan(frames, combed + 6)
        XCTAssertGreaterThan(fields, combed + 6)
        XCTAssertEqual(try Tool.probe("auto.mkv", stream: "v", entries: "stream=field_order", in: folder), ["progressive"])
        XCTAssertEqual(try Tool.probe("double.mkv", stream: "v", entries: "stream=r_frame_rate", in: folder), ["50/1"])
        let times = try Tool.probe("double.mkv", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
        XCTAssertEqual(times.count, 50)
        for (i, t) in times.enumerated() { XCTAssertEqual(t, Double(i) * 0.02, accuracy: 1e-6) }
        // A progressive clip is left as decoded under auto; `on` deinterlaces it anyway.
        try makeClip("flat.mp4", seconds: 0.2)
        for (mode, file) in [("auto", "flat-auto.mkv"), ("off", "flat-off.mkv"), ("on", "flat-on.mkv")] {
            let r = try Tool.clarity(["transcode", "flat.mp4", file, "--codec", "ffv1", "--deinterlace", mode, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("interlaced"), r.stderr)
        }
        XCTAssertEqual(try Tool.frameHashes("flat-auto.mkv", in: folder), try Tool.frameHashes("flat-off.mkv", in: folder))
        XCTAssertNotEqual(try Tool.frameHashes("flat-on.mkv", in: folder), try Tool.frameHashes("flat-off.mkv", in: folder))
        XCTAssertEqual(try Tool.frameHashes("flat-on.mkv", in: folder).count, 6)
    }

    /// Film telecined to 29.97 fps (3:2 pulldown) comes back as its 23.976 frames, bit for bit,
    /// evenly timed; other rates refuse `film`, whose decimation would drop real frames there.
    func testTelecinedFilmIsRestoredFrameForFrame() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24000/1001", "-t", "2", "-pix_fmt", "yuv420p",
                         "-c:v", "ffv1", "film.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "film.mkv", "-vf", "telecine=pattern=23", "-c:v", "ffv1", "-field_order", "tt", "tc.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "tc.mkv", "out.mkv", "--codec", "ffv1", "--deinterlace", "film", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let film = try Tool.frameHashes("film.mkv", in: folder)
        XCTAssertEqual(film.count, 48)
        XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder), film)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=r_frame_rate", in: folder), ["24000/1001"])
        let times = try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
        XCTAssertEqual(times.count, 48)
        for (i, t) in times.enumerated() { XCTAssertEqual(t, Double(i) * 1001 / 24000, accuracy: 0.0011) }
        // Deinterlaced instead, the five frames of each cycle stay, two of them woven from two
        // film frames: `auto` says that `film` would suit it, and does not say so of video
        // interlaced at the camera (29.97i as well).
        let auto = try Tool.clarity(["transcode", "tc.mkv", "auto.mkv", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertEqual(try Tool.frameHashes("auto.mkv", in: folder).count, 60)
        XCTAssertTrue(auto.stderr.contains("tc.mkv looks like film telecined to 29.97 fps"), auto.stderr)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=60000/1001", "-t", "2", "-vf", "interlace=scan=tff",
                         "-c:v", "ffv1", "-field_order", "tt", "camera.mkv"], in: folder)
        let camera = try Tool.clarity(["transcode", "camera.mkv", "camera-out.mkv", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(camera.status, 0, camera.stderr)
        XCTAssertFalse(camera.stderr.contains("telecined"), camera.stderr)
        try makeClip("pal.mp4", seconds: 0.2, extra: ["-r", "25"])
        let pal = try Tool.clarity(["transcode", "pal.mp4", "pal.mkv", "--deinterlace", "film"], in: folder)
        XCTAssertEqual(pal.status, 64, pal.stderr)
        XCTAssertTrue(pal.stderr.contains("29.97 or 30 fps"), pal.stderr)
        XCTAssertFalse(files.contains("pal.mkv"))
    }

    /// `--fps` drops or repeats frames onto its ticks before any enhancing, as ffmpeg's fps
    /// filter does (the same counts), the last frame's time filled; the audio keeps its timing.
    func testANewFrameRateDropsOrRepeatsFramesBeforeEnhancing() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=60", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "2",
                         "-c:v", "libx264", "-c:a", "aac", "-shortest", "in.mp4"], in: folder)
        let input = try Tool.frameHashes("in.mp4", in: folder)
        XCTAssertEqual(input.count, 120)
        for (rate, frames, stated, tick) in [("30", 60, "30/1", 1.0 / 30), ("29.97", 60, "30000/1001", 1001.0 / 30000), ("90", 180, "90/1", 1.0 / 90)] {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--fps", rate, "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let times = try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(times.count, frames, rate)
            // (From the first frame: the clock starts where the input's does, the AAC's priming before the video.)
            XCTAssertEqual(times.enumerated().map { abs($0.element - times[0] - Double($0.offset) * tick) }.max() ?? 1, 0, accuracy: 0.001, rate)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=r_frame_rate", in: folder), [stated])
            let audio = try Tool.probe("out.mkv", stream: "a", entries: "packet=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(audio.last ?? 0, 2, accuracy: 0.05, "\(rate): the audio keeps its timing")
            // Whole frames of the input, the nearest to each tick: at 30, every other one.
            let kept = try Tool.frameHashes("out.mkv", in: folder)
            if rate == "30" { XCTAssertEqual(kept, stride(from: 0, to: 120, by: 2).map { input[$0] }) }
            XCTAssertTrue(Set(kept).isSubset(of: Set(input)), rate)
        }
        let bad = try Tool.clarity(["transcode", "in.mp4", "bad.mp4", "--fps", "fast"], in: folder)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--fps takes a frame rate"), bad.stderr)
    }

    /// A raw H.264 stream has no timestamps: its frames are timed at the rate it claims, or at
    /// --input-rate (which a picture sequence takes too, and a timed input refuses).
    func testUntimedInputsAreTimedAtTheirRate() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "1", "-c:v", "libx264", "-bf", "2", "in.h264"], in: folder)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "0.5", "p%03d.png"], in: folder)
        for (input, rate, want, frames) in [("in.h264", nil, 30.0, 30), ("in.h264", "24", 24, 30), ("p%03d.png", "30000/1001", 30000 / 1001, 15)] {
            let r = try Tool.clarity(["transcode", input, "out.mkv", "-y", "--progress", "none"] + (rate.map { ["--input-rate", $0] } ?? []), in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let times = try Tool.probe("out.mkv", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(times.count, frames, input)
            for (i, t) in times.enumerated() { XCTAssertEqual(t, Double(i) / want, accuracy: 0.001, "\(input) at \(rate ?? "its rate")") }
        }
        try makeClip(seconds: 0.2)
        let timed = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--input-rate", "24"], in: folder)
        XCTAssertEqual(timed.status, 64)
        XCTAssertTrue(timed.stderr.contains("--input-rate is for inputs without timing of their own"), timed.stderr)
    }

    /// One video stream is enhanced; another (a second angle) is dropped, and the user told how
    /// to choose it (`--video-stream`), which enhances that one instead. A stream that is not
    /// video is refused, naming those that are.
    func testASecondVideoStreamIsDroppedWithAWarningOrChosen() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=30",
                         "-t", "0.3", "-map", "0", "-map", "1", "-c:v", "libx264", "two.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "two.mkv", "out.mkv", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropping video stream #1 (h264): only one video stream, #0, is enhanced (--video-stream 1 chooses this one)"),
                      r.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=width", in: folder), ["640"])
        let second = try Tool.clarity(["transcode", "two.mkv", "second.mkv", "--scale", "2", "--video-stream", "1", "--codec", "ffv1",
                                       "--progress", "none"], in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("dropping video stream #0 (h264): only one video stream, #1, is enhanced"), second.stderr)
        XCTAssertEqual(try Tool.probe("second.mkv", stream: "v", entries: "stream=width,height", in: folder), ["320,180"])
        XCTAssertEqual(try Tool.frameHashes("second.mkv", in: folder).count, 9)
        let wrong = try Tool.clarity(["transcode", "two.mkv", "wrong.mkv", "--video-stream", "2"], in: folder)
        XCTAssertEqual(wrong.status, 64, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("--video-stream 2: two.mkv has no video stream #2; its video: #0, #1"), wrong.stderr)
        XCTAssertFalse(files.contains("wrong.mkv"))
    }

    /// --audio-stream and --subtitle-stream keep only the streams chosen (one language of
    /// two), by index or language, as ffmpeg's -map; a choice that picks no such stream is
    /// refused, naming those that are.
    func testChosenAudioAndSubtitleStreamsAreKept() throws {
        try Data("1\n00:00:00,200 --> 00:00:00,600\nHELLO\n\n".utf8).write(to: URL(fileURLWithPath: path("s.srt")))
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=f=440", "-f", "lavfi", "-i", "sine=f=880",
                         "-i", "s.srt", "-i", "s.srt", "-t", "1", "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map", "4",
                         "-c:v", "libx264", "-c:a", "aac", "-c:s", "srt", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra",
                         "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra", "multi.mkv"], in: folder)
        let r = try Tool.clarity(["transcode", "multi.mkv", "fra.mkv", "--audio-stream", "2", "--subtitle-stream", "4", "--progress", "none"],
                                 in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Tool.probe("fra.mkv", stream: "a", entries: "stream_tags=language", in: folder), ["fra"])
        XCTAssertEqual(try Tool.probe("fra.mkv", stream: "s", entries: "stream_tags=language", in: folder), ["fra"])
        // By language, as ffmpeg's -map 0:m:language:fra: the same streams; burnt, the first
        // subtitle stream in it.
        let byLanguage = try Tool.clarity(["transcode", "multi.mkv", "fra-by-language.mkv", "--audio-stream", "fra", "--subtitle-stream", "FRA",
                                           "--codec", "ffv1", "--burn-subtitles", "fra", "--progress", "none"], in: folder)
        XCTAssertEqual(byLanguage.status, 0, byLanguage.stderr)
        XCTAssertEqual(try Tool.probe("fra-by-language.mkv", stream: "a", entries: "stream_tags=language", in: folder), ["fra"])
        XCTAssertEqual(try Tool.probe("fra-by-language.mkv", stream: "s", entries: "stream_tags=language", in: folder), ["fra"])
        let byIndex = try Tool.clarity(["transcode", "multi.mkv", "fra-by-index.mkv", "--codec", "ffv1", "--burn-subtitles", "4", "--progress", "none"],
                                       in: folder)
        XCTAssertEqual(byIndex.status, 0, byIndex.stderr)
        XCTAssertEqual(try Tool.frameHashes("fra-by-language.mkv", in: folder), try Tool.frameHashes("fra-by-index.mkv", in: folder))
        try expectFailure(["transcode", "multi.mkv", "wrong.mkv", "--audio-stream", "deu"], status: 64,
                          mentioning: "--audio-stream deu: multi.mkv has no audio stream in 'deu'; its audio: #1 (eng), #2 (fra)")
        try expectFailure(["transcode", "multi.mkv", "wrong.mkv", "--burn-subtitles", "deu"], status: 64,
                          mentioning: "has no subtitle stream in 'deu'; its subtitles: #3 (eng), #4 (fra)")
        try expectFailure(["transcode", "multi.mkv", "wrong.mkv", "--audio-stream", "3"], status: 64,
                          mentioning: "--audio-stream 3: multi.mkv has no audio stream #3; its audio: #1 (eng), #2 (fra)")
        let both = try Tool.clarity(["transcode", "multi.mkv", "wrong.mkv", "--subtitle-stream", "3", "--no-subtitles"], in: folder)
        XCTAssertEqual(both.status, 64, both.stderr)
        XCTAssertFalse(files.contains("wrong.mkv"))
    }

    /// MPEG-TS seeks by decoding time: a part of it still starts at its first frame, every
    /// frame kept (11 of 25 were lost, up to the next key frame).
    func testAPartOfATransportStreamKeepsEveryFrame() throws {
        for codec in ["libx264", "mpeg2video"] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "3", "-c:v", codec, "-g", "12", "in.ts"], in: folder)
            let r = try Tool.clarity(["transcode", "in.ts", "part.mkv", "-y", "--start", "1", "--duration", "1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let times = try Tool.probe("part.mkv", stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(times.count, 25, codec)
            XCTAssertLessThan(times.first ?? 1, 0.02, codec)
        }
    }

    /// --start and --duration (or --to): the part starts at 0, audio cut alike; --frames takes the
    /// first frames of the part, audio stopping with the reading, progress counting them (in
    /// `pipe` too); a start past the end or a time or count that is not one is refused.
    func testAPartOfTheInput() throws {
        try makeClip(seconds: 2)
        for (file, limit, frames) in [("part.mkv", ["--duration", "1"], 30), ("to.mkv", ["--to", "1.5"], 30),
                                      ("first.mkv", ["--frames", "15", "--progress", "json"], 15)] {
            let r = try Tool.clarity(["transcode", "in.mp4", file, "--start", "0.5", "--progress", "none"] + limit, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let times = try Tool.probe(file, stream: "v", entries: "frame=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(times.count, frames)
            XCTAssertEqual(times.first ?? -1, 0, accuracy: 0.002)
            let audio = try Tool.probe(file, stream: "a", entries: "packet=pts_time", in: folder).compactMap(Double.init)
            XCTAssertEqual(audio.first ?? -1, 0, accuracy: 0.03)
            if frames == 30 {
                XCTAssertEqual(audio.last ?? -1, 1, accuracy: 0.05)
            } else {
                XCTAssertLessThan(audio.last ?? 9, 1.2, "audio stops with the reading (0.5 s of video)")
                XCTAssertTrue(r.stderr.contains("\"expected_frames\":15"), r.stderr)
            }
        }
        let pipe = try Tool.shell("ffmpeg -v error -i in.mp4 -f yuv4mpegpipe - | '\(Tool.clarity)' pipe --frames 4 > out.y4m", in: folder)
        XCTAssertEqual(pipe.status, 0, pipe.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.y4m", in: folder).count, 4)
        let negative = try Tool.clarity(["transcode", "in.mp4", "no.mkv", "--frames", "-2"], in: folder)
        XCTAssertEqual(negative.status, 64, negative.stderr)
        let late = try Tool.clarity(["transcode", "in.mp4", "late.mkv", "--start", "0:05", "--progress", "none"], in: folder)
        XCTAssertEqual(late.status, 64, late.stderr)
        XCTAssertTrue(late.stderr.contains("nothing to process from 5.000 s on"), late.stderr)
        // After the last frame (at 1.967 s) but before the file's stated end (2 s): no output
        // without a picture (an MKV of no frame was left, unreadable, and the run said done).
        let after = try Tool.clarity(["transcode", "in.mp4", "after.mkv", "--start", "1.99", "--progress", "none"], in: folder)
        XCTAssertEqual(after.status, 64, after.stderr)
        XCTAssertTrue(after.stderr.contains("no frame of in.mp4 shows from 1.990 s on"), after.stderr)
        XCTAssertFalse(files.contains("after.mkv"))
        let bad = try Tool.clarity(["transcode", "in.mp4", "bad.mkv", "--duration", "soon"], in: folder)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        for (ends, message) in [(["--to", "0.4"], "--to must be later than --start (0.5)"),
                                (["--to", "1.5", "--duration", "1"], "--to and --duration both say where the part ends")] {
            let r = try Tool.clarity(["transcode", "in.mp4", "bad.mkv", "--start", "0.5"] + ends, in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
        XCTAssertFalse(files.contains("late.mkv") || files.contains("bad.mkv") || files.contains("no.mkv"))
    }

    /// A network URL is written in place (here TCP, to an ffmpeg listening on this machine);
    /// its container must be named.
    func testOutputToANetworkURL() throws {
        try makeClip(seconds: 0.2)
        let port = 40000 + Int(getpid() % 20000)
        let r = try Tool.shell("(ffmpeg -nostdin -y -v error -i 'tcp://127.0.0.1:\(port)?listen=1' -c copy got.ts &); sleep 1; "
                               + "\(Tool.clarity) transcode in.mp4 tcp://127.0.0.1:\(port) --format mpegts --scale 2 --progress none; sleep 1",
                               in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        // A transport stream lists its streams twice (under its programme too).
        XCTAssertEqual(Set(try Tool.probe("got.ts", stream: "v", entries: "stream=width,nb_read_frames", in: folder, extra: ["-count_frames"])),
                       ["640,6"])
        let unnamed = try Tool.clarity(["transcode", "in.mp4", "udp://127.0.0.1:\(port)", "--progress", "none"], in: folder)
        XCTAssertEqual(unnamed.status, 64, unnamed.stderr)
        XCTAssertTrue(unnamed.stderr.contains("with --format"), unnamed.stderr)
    }

    /// Subtitles not on by default stay off in MP4 and QuickTime, whose FFmpeg muxer turns the
    /// first on where none is (players then show them from the start); one on by default stays on.
    func testSubtitlesOffByDefaultStayOff() throws {
        try makeClip(seconds: 1)
        try Data("1\n00:00:00,200 --> 00:00:00,600\nHELLO\n\n".utf8).write(to: URL(fileURLWithPath: path("film.srt")))
        for (name, disposition) in [("off.mkv", "0"), ("on.mkv", "default")] {
            try Tool.ffmpeg(["-i", "in.mp4", "-i", "film.srt", "-map", "0", "-map", "1", "-c", "copy", "-disposition:s:0", disposition, name], in: folder)
        }
        for (input, output, on) in [("off.mkv", "off.mp4", "0"), ("off.mkv", "off.mov", "0"), ("on.mkv", "on.mp4", "1")] {
            let r = try Tool.clarity(["transcode", input, output, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            for (stream, expected) in [("v", "1"), ("a", "1"), ("s", on)] {
                XCTAssertEqual(try Tool.probe(output, stream: stream, entries: "stream_disposition=default", in: folder), [expected], output)
            }
        }
        // Written as the file stdout was sent to, and still whole: every frame, the line.
        let sent = try Tool.shell("'\(Tool.clarity)' transcode off.mkv - --format mp4 --progress none > sent.mp4", in: folder)
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(try Tool.probe("sent.mp4", stream: "s", entries: "stream_disposition=default", in: folder), ["0"])
        XCTAssertEqual(try decodedFrames("sent.mp4"), 30)
        try Tool.ffmpeg(["-i", "sent.mp4", "-map", "0:s", "back.srt"], in: folder)
        XCTAssertTrue(try String(contentsOfFile: path("back.srt"), encoding: .utf8).contains("HELLO"))
    }

    /// Tags (title, artist, a track's language), dispositions, chapters and attached files
    /// (an MKV's fonts) carry over; a part keeps the chapters it overlaps, on its own clock,
    /// and a timecode moved to its first frame; `--metadata` sets tags over them.
    func testTagsAndChaptersCarryOver() throws {
        try makeClip(seconds: 2)
        try Data("""
            ;FFMETADATA1
            title=My Film
            [CHAPTER]
            TIMEBASE=1/1000
            START=0
            END=1000
            title=Opening
            [CHAPTER]
            TIMEBASE=1/1000
            START=1000
            END=2000
            title=Ending
            """.utf8).write(to: URL(fileURLWithPath: path("chapters.txt")))
        try Tool.ffmpeg(["-i", "in.mp4", "-i", "chapters.txt", "-map", "0", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy",
                         "-metadata:s:a:0", "language=fra", "-disposition:a:0", "default",
                         "-attach", "chapters.txt", "-metadata:s:t", "mimetype=application/x-truetype-font", "film.mkv"], in: folder)
        let whole = try Tool.clarity(["transcode", "film.mkv", "out.mkv", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "a", entries: "stream_tags=language:stream_disposition=default", in: folder), ["1,fra"])
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "format_tags=title", in: folder), ["My Film"])
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "t", entries: "stream_tags=filename", in: folder), ["chapters.txt"])
        XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "chapter=start_time,end_time:chapter_tags=title", in: folder),
                       ["0.000000,1.000000,Opening", "1.000000,2.000000,Ending"])
        let part = try Tool.clarity(["transcode", "film.mkv", "part.mkv", "--start", "0.5", "--duration", "1", "--progress", "none"], in: folder)
        XCTAssertEqual(part.status, 0, part.stderr)
        XCTAssertEqual(try Tool.probe("part.mkv", stream: "v", entries: "chapter=start_time,end_time:chapter_tags=title", in: folder),
                       ["0.000000,0.500000,Opening", "0.500000,1.000000,Ending"])
        // --chapters 2: the second chapter alone, as --start 1 --to 2 gives it, with its chapter.
        let second = try Tool.clarity(["transcode", "film.mkv", "second.mkv", "--chapters", "2", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        let timed = try Tool.clarity(["transcode", "film.mkv", "timed.mkv", "--start", "1", "--to", "2", "--codec", "ffv1", "--progress", "none"],
                                     in: folder)
        XCTAssertEqual(timed.status, 0, timed.stderr)
        let hashes = try Tool.frameHashes("second.mkv", in: folder)
        XCTAssertEqual(hashes.count, 30)
        XCTAssertEqual(hashes, try Tool.frameHashes("timed.mkv", in: folder))
        XCTAssertEqual(try Tool.probe("second.mkv", stream: "v", entries: "chapter=start_time,end_time:chapter_tags=title", in: folder),
                       ["0.000000,1.000000,Ending"])
        // A subtitle file burnt into a chapter is timed from the film's start, as with --start.
        try Data("1\n00:00:01,200 --> 00:00:01,500\nLATE\n\n".utf8).write(to: URL(fileURLWithPath: path("late.srt")))
        for (out, part) in [("second-burnt.mkv", ["--chapters", "2"]), ("timed-burnt.mkv", ["--start", "1", "--to", "2"])] {
            let r = try Tool.clarity(["transcode", "film.mkv", out, "--burn-subtitles", "late.srt", "--codec", "ffv1", "--progress", "none"] + part,
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let burnt = try Tool.frameHashes("second-burnt.mkv", in: folder)
        XCTAssertEqual(burnt, try Tool.frameHashes("timed-burnt.mkv", in: folder))
        XCTAssertEqual(zip(burnt, hashes).filter { $0 != $1 }.count, 9, "the line from 0.2 to 0.5 s of the part")
        try expectFailure(["transcode", "film.mkv", "third.mkv", "--chapters", "2-3"], status: 64, mentioning: "film.mkv has 2 chapters (1-2)")
        try expectFailure(["transcode", "in.mp4", "third.mkv", "--chapters", "1"], status: 64, mentioning: "in.mp4 has no chapters")
        try expectFailure(["transcode", "film.mkv", "third.mkv", "--chapters", "1", "--start", "1"], status: 64, mentioning: "not with --start")
        try expectFailure(["transcode", "film.mkv", "third.mkv", "--chapters", "2-1"], status: 64, mentioning: "a span of them (3-5)")
        // --metadata sets tags over the input's; an empty value removes one. Keys match
        // whatever their case, as FFmpeg's do: the last given wins.
        for out in ["retitled.mkv", "retitled.mp4"] {
            let r = try Tool.clarity(["transcode", "film.mkv", out, "--metadata", "title=Draft", "--metadata", "TITLE=Another Film", "--metadata", "artist=Me",
                                      "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "format_tags=title,artist", in: folder), ["Another Film,Me"], out)
            let removed = try Tool.clarity(["transcode", out, "untitled-" + out, "--metadata", "title=", "--progress", "none"], in: folder)
            XCTAssertEqual(removed.status, 0, removed.stderr)
            XCTAssertEqual(try Tool.probe("untitled-" + out, stream: "v", entries: "format_tags=title,artist", in: folder), ["Me"], out)
        }
        // A camera's timecode names the clip's first frame: a part's first frame is later (it
        // kept the clip's, as ffmpeg's -ss keeps it), also where frames are dropped (29.97).
        for (rate, timecode, start, want) in [("25", "01:00:00:00", "0.52", "01:00:00:13"), ("30000/1001", "01:00:59;28", "1", "01:01:01;00")] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=\(rate)", "-t", "2", "-c:v", "libx264", "-timecode", timecode, "-y",
                             "camera.mov"], in: folder)
            for out in ["camera-part.mov", "camera-part.mkv"] {
                let r = try Tool.clarity(["transcode", "camera.mov", out, "--start", start, "-y", "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream_tags=timecode", in: folder), [want], out)
            }
        }
    }

    /// An MP4's cover picture is copied as a cover, and the video, not the cover, is enhanced;
    /// into Matroska (and from it) the cover is an attached file, the same picture.
    func testCoverPictureIsKeptAndNotTakenForTheVideo() throws {
        try makeClip(seconds: 0.2)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "cover.jpg"], in: folder)
        try Tool.ffmpeg(["-i", "cover.jpg", "-i", "in.mp4", "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:0", "attached_pic",
                         "covered.mp4"], in: folder)
        let picture = try Data(contentsOf: folder.appendingPathComponent("cover.jpg"))
        for (input, output) in [("covered.mp4", "out.mp4"), ("covered.mp4", "out.mkv"), ("out.mkv", "again.mkv"), ("again.mkv", "again.mp4")] {
            let r = try Tool.clarity(["transcode", input, output, "--progress", "none"] + (input == "covered.mp4" ? ["--scale", "2"] : []),
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("dropping"), r.stderr)
            XCTAssertEqual(try Tool.probe(output, stream: "v", entries: "stream=width:stream_disposition=attached_pic", in: folder),
                           ["640,0", "64,1"], output)
            try Tool.ffmpeg(["-i", output, "-map", "0:v:1", "-c", "copy", "-f", "image2", "back.jpg"], in: folder)
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("back.jpg")), picture, output)
        }
    }

    /// --bitrate replaces the constant quality; --encoder-option reaches any encoder option (a
    /// rate among them replaces the default CRF: qp=0 is lossless), and what the encoder says
    /// of one as it opens is passed on; two rates are refused.
    func testBitrateAndEncoderOptions() throws {
        try makeClip(seconds: 2)
        let quality = try Tool.clarity(["transcode", "in.mp4", "crf.mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(quality.status, 0, quality.stderr)
        let r = try Tool.clarity(["transcode", "in.mp4", "rate.mp4", "--bitrate", "100k", "--encoder-option", "g=10", "--progress", "none"],
                                 in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rate = { (f: String) in Double(try Tool.probe(f, stream: "v", entries: "stream=bit_rate", in: self.folder).first ?? "") ?? 0 }
        XCTAssertGreaterThan(try rate("crf.mp4"), 200_000, "the test is meaningful: CRF 18 spends more")
        XCTAssertEqual(try rate("rate.mp4"), 100_000, accuracy: 40_000)
        let types = try Tool.probe("rate.mp4", stream: "v", entries: "frame=pict_type", in: folder)
        XCTAssertEqual(types.indices.filter { types[$0] == "I" }, [0, 10, 20, 30, 40, 50])
        let bad = try Tool.clarity(["transcode", "in.mp4", "bad.mp4", "--encoder-option", "nosuch=1", "--progress", "none"], in: folder)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("libx264 has no option 'nosuch'"), bad.stderr)
        for (options, message) in [(["--crf", "20", "--bitrate", "1M"], "--crf and --bitrate both set the rate"),
                                    (["--crf", "20", "--encoder-option", "qp=0"], "--encoder-option qp=... sets the rate, as --crf does")] {
            let both = try Tool.clarity(["transcode", "in.mp4", "bad.mp4"] + options, in: folder)
            XCTAssertEqual(both.status, 64, both.stderr)
            XCTAssertTrue(both.stderr.contains(message), both.stderr)
        }
        // x265 keeps its banner and statistics to itself, with or without x265-params of the user's.
        for extra in [[], ["--encoder-option", "x265-params=keyint=10"]] {
            let hevc = try Tool.clarity(["transcode", "in.mp4", "hevc.mp4", "-y", "--codec", "libx265", "--progress", "none"] + extra, in: folder)
            XCTAssertEqual(hevc.status, 0, hevc.stderr)
            XCTAssertFalse(hevc.stderr.contains("x265 ["), hevc.stderr)
        }
        let hevcTypes = try Tool.probe("hevc.mp4", stream: "v", entries: "frame=pict_type", in: folder)
        XCTAssertEqual(hevcTypes.indices.filter { hevcTypes[$0] == "I" }.prefix(2), [0, 10], "the user's x265-params still apply")
        // What x264 and x265 cannot parse in their params they skip, with a word FFmpeg logs as
        // a warning: passed on (it went unsaid, the typo's setting silently not applied).
        for (codec, option, words) in [("libx264", "x264-params=keyin=10", "libx264, of the options given: Error parsing option 'keyin = 10'"),
                                       ("libx265", "x265-params=keyin=10", "libx265, of the options given: Unknown option: keyin")] {
            let typo = try Tool.clarity(["transcode", "in.mp4", "typo.mkv", "-y", "--codec", codec, "--frames", "2", "--encoder-option", option,
                                         "--progress", "none"], in: folder)
            XCTAssertEqual(typo.status, 0, typo.stderr)
            XCTAssertTrue(typo.stderr.contains("clarity: warning: \(words)"), typo.stderr)
        }
        // What the libraries refuse they say past FFmpeg's log: said in Clarity's message
        // (x264's "x264 [error]: ..." was printed above it; x265's reason went unsaid).
        for (codec, option, words) in [("libx264", "profile=baseline", "x264: baseline profile doesn't support lossless; error setting profile baseline"),
                                       ("libx265", "x265-params=bframes=99", "x265: lookahead depth must be greater than the max consecutive bframe count; "
                                        + "x265: max consecutive bframe count must be 16 or smaller; cannot open libx265 encoder")] {
            let args = ["transcode", "in.mp4", "refused.mkv", "--codec", codec, "--encoder-option", option, "--encoder-option", "qp=0"]
            try expectFailure(args, status: 64, mentioning: "cannot open the \(codec) encoder for 320x180 yuv420p 30/1 fps: " + words)
            let refused = try Tool.clarity(args, in: folder)
            XCTAssertEqual(refused.stderr.split(separator: "\n").filter { !$0.hasPrefix("clarity: ") }, [], refused.stderr)
        }
        // Tagged hvc1, which Apple's players take (FFmpeg's hev1 they refuse), into a file or a pipe, and decodable.
        let piped = try Tool.shell("'\(Tool.clarity)' transcode in.mp4 - --format mov --codec libx265 --progress none | cat > piped.mov", in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        for file in ["hevc.mp4", "piped.mov"] {
            XCTAssertEqual(try Tool.probe(file, stream: "v", entries: "stream=codec_tag_string", in: folder), ["hvc1"], file)
            XCTAssertEqual(try Tool.frameHashes(file, in: folder).count, 60, file)
        }
    }

    /// oneDNN's OpenMP workers wait passively: `clarity` sets OMP_WAIT_POLICY=passive (a policy
    /// the user set is kept) and becomes clarity-core, still named clarity, seen while the run
    /// waits for its input; the tool's libraries load once (it had restarted itself for the
    /// policy, loading them twice), libavdevice only for an input format named and libavfilter
    /// only where filters run. Without
    /// clarity-core beside it, `clarity` says what is missing.
    func testTheWorkersWaitPassivelyAndTheToolStartsOnce() throws {
        try makeClip("in.ts", extra: ["-f", "mpegts"])
        let transcode = "transcode - out.mkv -y --progress none"
        for (command, environment, policy) in [("\(transcode) --scale 2", "", "passive"), ("\(transcode) --scale 2", "OMP_WAIT_POLICY=active", "active"),
                                               ("probe - --deartifact auto", "", "passive"), ("\(transcode) --model bicubic --scale 2", "", "passive")] {
            let r = try Tool.shell("""
                rm -f feed && mkfifo feed && { env \(environment) '\(Tool.clarity)' \(command) < feed > /dev/null & }
                pid=$! && exec 3> feed
                for i in $(seq 200); do case $(cat /proc/$pid/wchan) in *poll*|pipe_read) break;; esac; sleep 0.05; done
                policy=$(tr '\\0' '\\n' < /proc/$pid/environ | sed -n 's/^OMP_WAIT_POLICY=//p')
                echo "${policy:-none} $(cat /proc/$pid/comm) $(basename "$(readlink /proc/$pid/exe)")"
                cat in.ts >&3 && exec 3>&- && wait $pid
                """, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.text.trimmingCharacters(in: .whitespacesAndNewlines), "\(policy) clarity clarity-core", "\(command) \(environment)")
        }
        // libavdevice (and X11, OpenGL, PulseAudio, SDL under it) loads only for a named input
        // format, libavfilter only where filters run (here --vf, and under libavdevice).
        for (input, loaded) in [("in.ts", ["dnnl.so.2"]), ("in.ts --vf hqdn3d", ["avfilter.so.8", "dnnl.so.2"]),
                                 ("testsrc2=size=320x180 --input-format lavfi --frames 5", ["avdevice.so.59", "avfilter.so.8", "dnnl.so.2"])] {
            let loads = try Tool.shell("LD_DEBUG=files '\(Tool.clarity)' transcode \(input) out.mkv -y --progress none --scale 2 2>&1 "
                                       + "| grep -oE 'file=lib(dnnl|avdevice|avfilter)[^ ]* \\[0\\];  (needed by|dynamically loaded)' | sort | uniq -c "
                                       + "| awk '{print $1 \" \" $2}'", in: folder)
            XCTAssertEqual(loads.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.sorted(),
                           loaded.map { "1 file=lib" + $0 }, input)
        }
        let alone = folder.appendingPathComponent("alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Tool.clarity, toPath: alone.appendingPathComponent("clarity").path)
        let r = try Tool.run(alone.appendingPathComponent("clarity").path, ["--version"], in: folder)
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("cannot run \(alone.path)/clarity-core (No such file or directory): build or install clarity again"), r.stderr)
    }

    /// The same command writes the same video: with x264's AVX-512 routines its frame threads
    /// wrote 3-4 different videos in eight runs on a Zen 4 VM (`X264Instructions`).
    func testTheSameRunWritesTheSameVideo() throws {
        try makeClip(seconds: 2)
        var outputs: Set<[String]> = []
        for _ in 0..<8 {
            let r = try Tool.clarity(["transcode", "in.mp4", "out.mkv", "-y", "--model", "bicubic", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.insert(try Tool.frameHashes("out.mkv", in: folder))
        }
        XCTAssertEqual(outputs.count, 1, "\(outputs.count) different videos in 8 runs")
    }

    /// Encoders without x264's CRF take --crf on a quality scale of their own, rather than
    /// their bitrate defaults for small video: 20 frames of the bundled 720p clip came out of
    /// MPEG-2 at 34 dB, of Xvid at 36.6, of VP8 (whose own CRF only capped 256 kb/s) at 37.5
    /// and of Theora at 30.8 whatever the CRF, where x264 gives 46 at CRF 18; now each gives
    /// over 44 at 18, and less at 30 for fewer bits. WebP pictures were at 42.8 dB whatever
    /// the CRF; now they follow it (libwebp's quality).
    func testEncodersWithoutCRFTakeItOnTheirOwnScale() throws {
        let source = ProbeTests.streams.appendingPathComponent("dune-pan-720p-qp27.mp4").path
        // Frame by frame, whatever each container's time base.
        let psnr = { (out: String, reference: String) throws -> Double in
            let log = try Tool.run("ffmpeg", ["-hide_banner", "-i", out, "-i", reference, "-lavfi",
                                               "[0:v]settb=1/30,setpts=N,format=yuv420p[a];[1:v]settb=1/30,setpts=N,format=yuv420p[b];[a][b]psnr=shortest=1",
                                               "-f", "null", "-"], in: self.folder).stderr
            return log.range(of: #"average:[0-9.]+"#, options: .regularExpression).map { Double(log[$0].dropFirst(8)) ?? 0 } ?? 0
        }
        let size = { (out: String) in try FileManager.default.attributesOfItem(atPath: self.path(out))[.size] as? Int ?? 0 }
        for (codec, container) in [("mpeg2video", "mpg"), ("libxvid", "avi"), ("libvpx", "webm"), ("libtheora", "ogv")] {
            var results: [Int: (psnr: Double, size: Int)] = [:]
            for crf in [18, 30] {
                let out = "\(codec)-\(crf).\(container)"
                let r = try Tool.clarity(["transcode", source, out, "--codec", codec, "--filter", "bicubic", "--crf", String(crf),
                                          "--frames", "20", "--no-audio", "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                results[crf] = (try psnr(out, source), try size(out))
            }
            XCTAssertGreaterThan(results[18]!.psnr, 44, "\(codec): \(results)")
            XCTAssertLessThan(results[30]!.psnr, results[18]!.psnr - 1.5, "\(codec): \(results)")
            XCTAssertLessThan(results[30]!.size, results[18]!.size, "\(codec): \(results)")
        }
        // Flags of the user's go with the quantizer's (+qscale), not in their place (it fell
        // back on 200 kb/s): MPEG-2 coded interlaced.
        let interlaced = try Tool.clarity(["transcode", source, "ilme.mpg", "--codec", "mpeg2video", "--encoder-option", "flags=+ilme+ildct",
                                           "--frames", "20", "--no-audio", "--progress", "none"], in: folder)
        XCTAssertEqual(interlaced.status, 0, interlaced.stderr)
        XCTAssertGreaterThan(try psnr("ilme.mpg", source), 44)
        try Tool.ffmpeg(["-i", source, "-frames:v", "1", "frame.png"], in: folder)
        var pictures: [Int: (psnr: Double, size: Int)] = [:]
        for crf in [12, 30] {
            let r = try Tool.clarity(["transcode", "frame.png", "\(crf).webp", "--filter", "bicubic", "--crf", String(crf), "--progress", "none"],
                                     in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            pictures[crf] = (try psnr("\(crf).webp", "frame.png"), try size("\(crf).webp"))
        }
        XCTAssertGreaterThan(pictures[12]!.psnr, pictures[30]!.psnr + 3, "\(pictures)")
        XCTAssertGreaterThan(pictures[12]!.size, pictures[30]!.size, "\(pictures)")
    }

    /// DNxHD's own profiles take 1080 or 720 lines only: without a profile named, any size is
    /// written as DNxHR at the frames' depth and chroma; a profile that refuses the size says
    /// what DNxHD takes (it said "Invalid argument" alone). DV's refusal says what it takes.
    func testDNxHDTakesAnySizeAsDNxHRAndDVSaysWhatItTakes() throws {
        try makeClip(seconds: 0.5)
        try makeClip("ten.mkv", seconds: 0.5, pixFmt: "yuv420p10le")
        for (input, profile, pixFmt) in [("in.mp4", "DNXHR HQ", "yuv422p"), ("ten.mkv", "DNXHR HQX", "yuv422p10le")] {
            let r = try Tool.clarity(["transcode", input, "out.mov", "-y", "--codec", "dnxhd", "--scale", "2", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mov", stream: "v", entries: "stream=profile,width,pix_fmt", in: folder), ["\(profile),640,\(pixFmt)"])
        }
        // DV takes its two television shapes and rates only; --fps makes them from any input.
        let dv = try Tool.clarity(["transcode", "in.mp4", "out.dv", "--size", "720x576", "--fps", "25", "--filter", "bicubic", "--no-audio"], in: folder)
        XCTAssertEqual(dv.status, 0, dv.stderr)
        XCTAssertEqual(try Tool.probe("out.dv", stream: "v", entries: "stream=codec_name,width,r_frame_rate", in: folder), ["dvvideo,720,25/1"])
        // NTSC's DV in 4:1:1, which its profiles take (the pump's 4:2:0 is PAL's).
        let ntsc = try Tool.clarity(["transcode", "in.mp4", "ntsc.dv", "--size", "720x480", "--fps", "29.97", "--filter", "bicubic", "--no-audio"],
                                    in: folder)
        XCTAssertEqual(ntsc.status, 0, ntsc.stderr)
        XCTAssertEqual(try Tool.probe("ntsc.dv", stream: "v", entries: "stream=pix_fmt,height,r_frame_rate", in: folder), ["480,yuv411p,30000/1001"])
        let refused = try Tool.clarity(["transcode", "in.mp4", "refused.dv", "--size", "720x480", "--filter", "bicubic", "--no-audio"], in: folder)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--size 720x480 --fps 29.97, or --size 720x576 --fps 25"), refused.stderr)
        let named = try Tool.clarity(["transcode", "in.mp4", "dnxhd.mov", "--codec", "dnxhd", "--encoder-option", "profile=dnxhd"], in: folder)
        XCTAssertEqual(named.status, 64, named.stderr)
        XCTAssertTrue(named.stderr.contains("DNxHD's profiles take 1920x1080 or 1280x720"), named.stderr)
    }

    /// libvpx-vp9 and libaom-av1 run at a speed near x264's veryfast, rav1e at its fastest,
    /// unless told otherwise (packet for packet what ffmpeg writes with the same options); SVT-AV1 keeps its banner to
    /// itself; a speed preset that the encoder lacks is refused, not ignored.
    func testSlowEncodersGetSpeedOptions() throws {
        // Tagged: an untagged input would be tagged by Clarity (as players guess it), not by ffmpeg.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "0.5", "-c:v", "libx264", "-qp", "23",
                         "-colorspace", "bt709", "-color_primaries", "bt709", "in.mp4"], in: folder)
        let packets = { (f: String) in try Tool.probe(f, stream: "v", entries: "packet=size", in: self.folder) }
        for (codec, output, given, ffmpeg) in [("libvpx-vp9", "vp9.webm", [String](), ["-b:v", "0", "-row-mt", "1", "-cpu-used", "4"]),
                                               ("libvpx-vp9", "vp9b.webm", ["--encoder-option", "cpu-used=8"], ["-b:v", "0", "-row-mt", "1", "-cpu-used", "8"]),
                                               ("libaom-av1", "av1.mkv", [], ["-row-mt", "1", "-cpu-used", "6"])] {
            let r = try Tool.clarity(["transcode", "in.mp4", output, "--codec", codec, "--threads", "1", "--progress", "none"] + given, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            try Tool.ffmpeg(["-i", "in.mp4", "-c:v", codec, "-crf", "18", "-threads", "1"] + ffmpeg + ["ff-" + output], in: folder)
            try Tool.ffmpeg(["-i", "in.mp4", "-c:v", codec, "-crf", "18", "-threads", "1", "-b:v", "0", "slow-" + output], in: folder)
            XCTAssertEqual(try packets(output), try packets("ff-" + output), "\(codec) \(given)")
            XCTAssertNotEqual(try packets(output), try packets("slow-" + output), "the test is meaningful: the encoder's defaults differ")
        }
        // rav1e has no CRF: a quantizer of its own (44 at 18), at speed 10 unless told otherwise.
        let rav1e = try Tool.clarity(["transcode", "in.mp4", "rav1e.mkv", "--codec", "librav1e", "--threads", "1", "--progress", "none"], in: folder)
        XCTAssertEqual(rav1e.status, 0, rav1e.stderr)
        try Tool.ffmpeg(["-i", "in.mp4", "-c:v", "librav1e", "-threads", "1", "-qp", "44", "-speed", "10", "ff-rav1e.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "in.mp4", "-c:v", "librav1e", "-threads", "1", "slow-rav1e.mkv"], in: folder)
        XCTAssertEqual(try packets("rav1e.mkv"), try packets("ff-rav1e.mkv"))
        XCTAssertNotEqual(try packets("rav1e.mkv"), try packets("slow-rav1e.mkv"), "the test is meaningful: rav1e's defaults differ")
        let svt = try Tool.clarity(["transcode", "in.mp4", "svt.mkv", "--codec", "libsvtav1", "--progress", "none"], in: folder)
        XCTAssertEqual(svt.status, 0, svt.stderr)
        XCTAssertFalse(svt.stderr.contains("Svt["), svt.stderr)
        let preset = try Tool.clarity(["transcode", "in.mp4", "p.webm", "--encoder-preset", "slow", "--progress", "none"], in: folder)
        XCTAssertEqual(preset.status, 64, preset.stderr)
        XCTAssertTrue(preset.stderr.contains("libvpx-vp9 has no speed preset (--encoder-preset): its speed is --encoder-option cpu-used=N"),
                      preset.stderr)
        let ravPreset = try Tool.clarity(["transcode", "in.mp4", "p.mkv", "--codec", "librav1e", "--encoder-preset", "slow"], in: folder)
        XCTAssertTrue(ravPreset.stderr.contains("librav1e has no speed preset (--encoder-preset): its speed is --encoder-option speed=N"),
                      ravPreset.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.webm")))
        // A value that none of an option's names is: its names, where FFmpeg says "Undefined constant".
        for (options, words) in [(["p.webp", "--encoder-preset", "ultrafast"], "libwebp_anim's preset is one of none, default, picture, photo, drawing, icon, text, not 'ultrafast'"),
                                 (["p.webm", "--encoder-option", "deadline=fast"], "libvpx-vp9's deadline is one of best, good, realtime, not 'fast'"),
                                 // x264's presets are strings to FFmpeg: it said "Error setting preset/tune fastest/(null)".
                                 (["p.mkv", "--encoder-preset", "fastest"],
                                  "libx264's preset is one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo, "
                                  + "not 'fastest'")] {
            let r = try Tool.clarity(["transcode", "in.mp4"] + options, in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(words), r.stderr)
        }
        let named = try Tool.clarity(["transcode", "in.mp4", "p.webm", "--frames", "2", "--encoder-option", "deadline=realtime"], in: folder)
        XCTAssertEqual(named.status, 0, named.stderr)
    }

    /// x265 given fewer frames than its B-frame delay (a part of one or two frames) timed its
    /// packets with whatever its memory held: the muxer refused "pts (0) < dts
    /// (621673360327221409)" (74), in about a third of the runs. Their own times stand for
    /// such decoding times; each run writes its frames.
    func testX265GivenOneOrTwoFramesWritesThem() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x176:rate=25", "-f", "lavfi", "-i", "sine", "-t", "0.4",
                         "-c:v", "libx264", "-c:a", "aac", "in.mp4"], in: folder)
        for frames in [1, 2, 2, 2, 2, 2, 2, 2] {
            let r = try Tool.clarity(["transcode", "in.mp4", "short.mkv", "-y", "--codec", "libx265", "--frames", String(frames),
                                      "--encoder-option", "x265-params=keyint=10", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.frameHashes("short.mkv", in: folder).count, frames)
        }
    }

    /// A bare elementary stream (`.hevc`, `.m2v`, `.obu`) takes its own codec, as in ffmpeg:
    /// such muxers write whatever packets they are given, and H.264 went into `.hevc` and
    /// `.m2v` files (`.obu` failed midway, "Invalid argument"). Another codec named for one
    /// is refused before anything is written, with the encoder it takes. An audio format
    /// holds no video: FLAC's muxer had dropped it (exit 0, the video lost), and an MP3 was
    /// refused after a warning about its audio, for "png video".
    func testBareStreamsTakeTheirOwnCodec() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine", "-t", "1",
                         "-c:v", "libx264", "-c:a", "aac", "in.mp4"], in: folder)
        for (out, name) in [("out.hevc", "hevc"), ("out.m2v", "mpeg2video"), ("out.obu", "av1")] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, "\(out): \(r.stderr)")
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=codec_name,nb_read_frames", in: folder, extra: ["-count_frames"]),
                           ["\(name),30"], out)
        }
        for (args, words) in [(["named.hevc", "--codec", "libx264"], "the hevc muxer writes a bare hevc stream (--codec libx265), not libx264: an .mp4 or .mkv output holds it"),
                              (["out.vc1"], "the vc1 muxer writes a bare vc1 stream (which FFmpeg cannot encode), not libx264"),
                              (["out.flac"], "the flac container holds audio (a cover picture at most), not video: an .mp4 or .mkv output holds it"),
                              (["out.mp3"], "the mp3 container holds audio (a cover picture at most), not video: an .mp4 or .mkv output holds it "
                                            + "(its audio alone: ffmpeg -i IN -vn out.mp3)")] {
            let r = try Tool.clarity(["transcode", "in.mp4"] + args + ["--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(words), r.stderr)
            XCTAssertFalse(r.stderr.contains("warning"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path(args[0])), args[0])
        }
    }

    /// `--format` takes a muxer's name or an extension it writes, as the output's name would
    /// choose it (`wmv` was "unknown output format"); a picture format's extension says how to
    /// send pictures into a pipe, and `--format image2` into one writes them there (it stopped
    /// at its header, 74).
    func testFormatsByTheirExtensions() throws {
        try makeClip(seconds: 0.2)
        for (format, muxer) in [("wmv", "asf"), ("m2ts", "mpegts"), ("MKV", "\"matroska,webm\""), ("y4m", "yuv4mpegpipe"),
                                ("image2", "jpeg_pipe")] {
            let r = try Tool.shell("'\(Tool.clarity)' transcode in.mp4 - --format \(format) --frames 2 --progress none > out.bin", in: folder)
            XCTAssertEqual(r.status, 0, "\(format): \(r.stderr)")
            XCTAssertEqual(try Tool.probe("out.bin", stream: "v:0", entries: "format=format_name", in: folder).last, muxer, format)
        }
        try expectFailure(["transcode", "in.mp4", "-", "--format", "png"], status: 64,
                          mentioning: "unknown output format 'png' (a picture's format comes from its file's name, out.png; "
                            + "into a pipe: --format image2pipe --codec png)")
        try expectFailure(["transcode", "in.mp4", "-", "--format", "xyz"], status: 64,
                          mentioning: "unknown output format 'xyz' (a muxer's name, or an extension such as mkv or ts")
    }

    /// Audio a container writes but cannot give back is encoded again: WMA in NUT and
    /// QuickTime (written without its block size: "block_align is not set", nothing decoded),
    /// DFPWM in QuickTime (undecodable), FLAC in ASF (its frames timed together); Microsoft's
    /// ADPCM into QuickTime stopped at its first packet (74, "not yet implemented").
    func testAudioAContainerCannotGiveBackIsEncodedAgain() throws {
        for (codec, rate, outputs) in [("wmav2", "48000", ["nut", "mov"]), ("adpcm_ms", "48000", ["mov"]), ("dfpwm", "48000", ["mov"]),
                                       ("flac", "48000", ["asf"])] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=\(rate)", "-t", "0.5",
                             "-c:v", "mpeg4", "-c:a", codec, "-ac", "1", "\(codec).mkv"], in: folder)
            for ext in outputs {
                let out = "\(codec).\(ext)"
                let r = try Tool.clarity(["transcode", "\(codec).mkv", out, "--progress", "none"], in: folder)
                XCTAssertEqual(r.status, 0, "\(out): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("re-encoding audio stream #1 (\(codec))"), r.stderr)
                let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", out, "-map", "0:a", "-f", "s16le", "-ar", "8000", "-"], in: folder)
                XCTAssertEqual(decoded.stderr, "", out)
                XCTAssertEqual(Double(decoded.stdout.count) / 16_000, 0.5, accuracy: 0.05, out)
                let times = try Tool.probe(out, stream: "a", entries: "packet=pts", in: folder).compactMap { Int($0) }
                XCTAssertEqual(times, times.sorted(), out)
                XCTAssertEqual(Set(times).count, times.count, "\(out): one time a frame")
            }
        }
    }

    /// A muxer's no is a no, but for Matroska's and QuickTime's borrowed tags and what AVI's
    /// reader finds untagged: RealMedia wrote H.264 tagged as RealVideo 2 (exit 0, nothing
    /// decoded), image2 H.264 into `.png` and `.vbn` files, AVI GIF as data nothing reads.
    /// Muxers of one picture format write it alone (H.264 went into FITS); RoQ takes its own
    /// audio (AAC went in, unreadable); WTV's MJPEG read back as nothing. What a muxer or
    /// encoder refused once started is refused up front: AMV (an experiment), ICO over 256
    /// pixels (73), X-Face but at 48x48 (1). Muxers that write through others (segment, tee)
    /// are refused as such (they were refused for the video's codec).
    func testMuxersThatAnswerNoMeanIt() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x176:rate=25", "-f", "lavfi", "-i", "sine", "-t", "0.4",
                         "-c:v", "libx264", "-c:a", "aac", "in.mp4"], in: folder)
        for (out, expected) in [("out.rm", "rv10,25/1,10"), ("out.vbn", "vbn,25/1,1")] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=codec_name,r_frame_rate,nb_read_frames", in: folder,
                                          extra: ["-count_frames"]), [expected], out)
            XCTAssertEqual(try Tool.run("ffmpeg", ["-v", "error", "-i", out, "-f", "null", "-"], in: folder).stderr, "", "\(out) decodes cleanly")
        }
        let roq = try Tool.clarity(["transcode", "in.mp4", "out.roq", "--progress", "none"], in: folder)
        XCTAssertEqual(roq.status, 0, roq.stderr)
        XCTAssertEqual(try Tool.probe("out.roq", stream: "a", entries: "stream=codec_name,sample_rate", in: folder), ["roq_dpcm,22050"])
        XCTAssertEqual(try Tool.probe("out.roq", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"]), ["10"])
        for (args, words) in [(["still.png", "--codec", "libx264"], "the image2 container cannot hold libx264 video: an .mp4 or .mkv output holds it"),
                              (["gif.avi", "--codec", "gif"], "the avi container cannot hold gif video: an .mov or .nut output holds it"),
                              (["out.fits", "--codec", "libx264"], "the fits muxer writes fits video alone (--codec fits), not libx264"),
                              (["tv.wtv", "--codec", "mjpeg"], "the wtv container cannot hold mjpeg video"),
                              (["part%03d.mkv", "--format", "segment"], "the segment muxer writes through other muxers"),
                              (["out.amv"], "ffmpeg 5.1 writes amv only as an experiment"),
                              (["big.ico"], "ico pictures are 256x256 at most (--size 256x-2 keeps the aspect), not 320x176"),
                              (["face.xface"], "x-face pictures are 48x48 (--size 48x48), not 320x176")] {
            let r = try Tool.clarity(["transcode", "in.mp4"] + args + ["--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.lowercased().contains(words), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path(args[0])), args[0])
        }
    }

    /// A whole RoQ file reads to its end without a word: FFmpeg's demuxer reports the end as an
    /// I/O error (it reads the next chunk's header past it), which was taken for a file cut
    /// off ("input ended early (reading failed: Input/output error)").
    func testAWholeRoQFileEndsWithoutAWarning() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30", "-frames:v", "12", "game.roq"], in: folder)
        let r = try Tool.clarity(["transcode", "game.roq", "out.mkv", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("ended early"), r.stderr)
        XCTAssertEqual(try Tool.frameHashes("out.mkv", in: folder).count, 12)
    }

    /// RTP carries one stream a session: the video goes, the sound is dropped with a word on
    /// what carries both (FFmpeg's muxer refused the header, "Only one stream supported", 73).
    func testRTPCarriesTheVideoAlone() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine", "-t", "0.4",
                         "-c:v", "libx264", "-c:a", "aac", "in.mp4"], in: folder)
        let r = try Tool.clarity(["transcode", "in.mp4", "out.rtp", "--format", "rtp", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dropping audio stream #1 (aac): the rtp container cannot hold it; RTP carries one stream, "
                                        + "and --format rtp_mpegts video and sound together"), r.stderr)
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: path("out.rtp"))[.size] as? Int) ?? 0, 1000)
    }

    /// Outputs whose readers take the encoder's time base for the frame rate get one of a
    /// tick a frame: bare H.264 and VC-2 streams were read as 12800 fps (their 10 frames
    /// lasting under a millisecond), SWF refused its header ("Invalid (too large) frame rate
    /// 12800/1"), filmstrip too (it takes RGBA alone). y4m's raw frames may be asked for by
    /// the name `rawvideo` (refused: its muxer takes them from `wrapped_avframe`).
    func testOutputsThatTakeTheTimeBaseForTheFrameRate() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x176:rate=25", "-t", "0.4", "-c:v", "libx264", "in.mp4"], in: folder)
        for (out, codec, options) in [("out.h264", "h264", []), ("out.drc", "dirac", []), ("out.swf", "flv1", []), ("out.flm", "rawvideo", []),
                                      ("raw.y4m", "rawvideo", ["--codec", "rawvideo"])] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, "\(out): \(r.stderr)")
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=codec_name,r_frame_rate,nb_read_frames", in: folder,
                                          extra: ["-count_frames"]), ["\(codec),25/1,10"], out)
        }
    }

    /// A pixel format the encoder cannot take is answered with those it takes, and with an
    /// encoder of the codec that takes it (it said only "libx264 cannot encode rgb24").
    func testAPixelFormatTheEncoderCannotTakeIsAnsweredWithOneThatDoes() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "0.2", "-c:v", "libx264", "in.mp4"], in: folder)
        let refused = try Tool.clarity(["transcode", "in.mp4", "rgb.mkv", "--codec", "libx264", "--pix-fmt", "rgb24"], in: folder)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("libx264 cannot encode rgb24: it takes yuv420p, yuvj420p, "), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("gray10le (libx264rgb takes rgb24)"), refused.stderr)
        let named = try Tool.clarity(["transcode", "in.mp4", "rgb.mkv", "--codec", "libx264rgb", "--pix-fmt", "rgb24", "--progress", "none"], in: folder)
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try Tool.probe("rgb.mkv", stream: "v", entries: "stream=pix_fmt", in: folder), ["gbrp"])
    }

    /// Outputs that count frames rather than time them: MPEG-1/2 code a rate from a list,
    /// MPEG-4 Part 2 a 16-bit time scale, Theora and MXF count frames, AVI has one index entry
    /// a tick. From 90 kHz timestamps (MPEG-TS) MPEG-1/2/4 used to be refused ("MPEG-1/2
    /// does not support 90000/1 fps"), MXF too, Theora held 3 frames of 60 and AVI an empty
    /// entry for every tick between frames. Muxers that answer no for a codec they write
    /// under a borrowed tag, as ffmpeg writes them: UtVideo in Matroska, CineForm in QuickTime.
    /// HEVC in AVI, which ffmpeg writes untagged (read back as raw video), under 'HEVC'. Ogg
    /// without --codec gets Theora.
    func testEncodersAndContainersThatCountFrames() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2", "-c:v", "libx264", "in.ts"], in: folder)
        for (codec, out, name) in [("mpeg2video", "m2.mpg", "mpeg2video"), ("mpeg1video", "m1.mpg", "mpeg1video"), ("mpeg4", "m4.mp4", "mpeg4"),
                                   ("mpeg4", "m4.avi", "mpeg4"), ("libx264", "x264.avi", "h264"), ("libx264", "x264.mxf", "h264"),
                                   ("libtheora", "theora.ogv", "theora"), ("utvideo", "ut.mkv", "utvideo"), ("cfhd", "cf.mov", "cfhd"),
                                   ("libx265", "x265.avi", "hevc")] {
            let r = try Tool.clarity(["transcode", "in.ts", out, "--codec", codec, "--filter", "bicubic", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, "\(codec) in \(out): \(r.stderr)")
            let frames = try Tool.probe(out, stream: "v", entries: "stream=codec_name,r_frame_rate,nb_read_frames", in: folder,
                                        extra: ["-count_frames"])
            XCTAssertEqual(frames, ["\(name),30/1,60"], out)
        }
        for avi in ["m4.avi", "x264.avi", "x265.avi"] {
            XCTAssertEqual(try Tool.probe(avi, stream: "v", entries: "stream=nb_frames", in: folder), ["60"], "\(avi): index entries")
        }
        // Without --codec, a container that holds no H.264 takes its own (Ogg: Theora; was
        // refused, "the ogv container cannot hold libx264 video").
        let ogv = try Tool.clarity(["transcode", "in.ts", "own.ogv", "--filter", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(ogv.status, 0, ogv.stderr)
        XCTAssertEqual(try Tool.probe("own.ogv", stream: "v", entries: "stream=codec_name,nb_read_frames", in: folder, extra: ["-count_frames"]),
                       ["theora,60"])

        // 12.5 fps into MPEG-2, which codes 12 at the nearest: a frame in 25 left out, so that
        // the video keeps time with the audio rather than running 4% slow.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=12.5", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                         "-t", "4", "-c:v", "libx264", "-c:a", "aac", "-shortest", "pal.mp4"], in: folder)
        let pal = try Tool.clarity(["transcode", "pal.mp4", "pal.mpg", "--codec", "mpeg2video", "--filter", "bicubic", "--progress", "json"], in: folder)
        XCTAssertEqual(pal.status, 0, pal.stderr)
        XCTAssertEqual(LiveTests.finalReport(pal.stderr)?["frames"] as? Int, 49, "the frames written")
        XCTAssertTrue(pal.stderr.contains("mpeg2video codes only standard frame rates: the video is written at 12 fps, the nearest to the input's 12.5"),
                      pal.stderr)
        let timing = try Tool.probe("pal.mpg", stream: "v", entries: "stream=r_frame_rate,nb_read_frames", in: folder, extra: ["-count_frames"])
        XCTAssertEqual(timing, ["12/1,49"], "50 frames in 4 s, at 12 fps: no more than a tick late")
        // A variable rate (30 fps for a second, then 10) into AVI and y4m: every frame kept,
        // AVI counting at the fastest rate, y4m at the average.
        try Tool.ffmpeg(["-filter_complex", "testsrc2=size=320x180:r=30:d=1[a];testsrc2=size=320x180:r=10:d=1[b];[a][b]concat",
                         "-vsync", "vfr", "-c:v", "libx264", "vfr.mp4"], in: folder)
        let made = try Tool.probe("vfr.mp4", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])
        for (out, rate) in [("vfr.avi", "30/1"), ("vfr.y4m", "40000000/1766667")] {
            let r = try Tool.clarity(["transcode", "vfr.mp4", out, "--filter", "bicubic", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("left out"), r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "v", entries: "stream=r_frame_rate,nb_read_frames", in: folder, extra: ["-count_frames"]),
                           made.map { "\(rate),\($0)" }, out)
        }
    }

    /// --burn-subtitles draws the input's own text subtitles into the picture at the output's
    /// size, as ffmpeg's ass filter (libass, fully shaped) draws them after its scale, to two
    /// code values of rounding; whatever the file is called (a comma, a colon and a quote in its
    /// name), wherever its clock starts, and from a pipe, read once; a stream that is not
    /// subtitles is refused.
    func testTextSubtitlesAreBurntIn() throws {
        try Data("1\n00:00:00,200 --> 00:00:00,600\nHELLO\n\n2\n00:00:01,000 --> 00:00:01,500\nWORLD\n\n".utf8)
            .write(to: URL(fileURLWithPath: path("s.srt")))
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-i", "s.srt", "-t", "2", "-c:v", "libx264", "-c:s", "srt",
                         "plain.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "s.srt", "s.ass"], in: folder)
        let odd = "we,ird:na'me.mkv"
        try FileManager.default.copyItem(atPath: path("plain.mkv"), toPath: path(odd))
        let burn = { (input: String, output: String, options: [String]) in
            let r = try Tool.clarity(["transcode", input, output, "--scale", "2", "--model", "bicubic", "--codec", "ffv1", "--progress", "none"]
                                     + options, in: self.folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try burn(odd, "burnt.mkv", ["--burn-subtitles", "1"])
        try Tool.ffmpeg(["-i", "plain.mkv", "-vf", "scale=640:360:flags=bicubic,ass=s.ass", "-c:v", "ffv1", "ass.mkv"], in: folder)
        var difference = try Tool.largestDifference("burnt.mkv", "ass.mkv", in: folder)
        XCTAssertLessThanOrEqual(difference.luma, 2)
        XCTAssertLessThanOrEqual(difference.chroma, 4)
        let burnt = try Tool.frameHashes("burnt.mkv", in: folder)
        let bare = try Tool.frameHashes("plain.mkv", filter: "scale=640:360:flags=bicubic", in: folder)
        XCTAssertEqual(zip(burnt, bare).map { $0 == $1 ? "." : "S" }.joined(),
                       String(repeating: ".", count: 5) + String(repeating: "S", count: 10) + String(repeating: ".", count: 10)
                        + String(repeating: "S", count: 13) + String(repeating: ".", count: 12), "the lines from 0.2 to 0.6 s and from 1.0 to 1.5 s")
        XCTAssertEqual(try Tool.probe("burnt.mkv", stream: "s", entries: "stream=codec_name", in: folder), ["subrip"], "the track is copied too")
        // Styled as libass's force_style takes it: larger and yellow, as the same fields in the
        // file's own style draw it.
        try burn(odd, "styled.mkv", ["--burn-subtitles", "1", "--subtitle-style", "FontSize=30,PrimaryColour=&H0000FFFF"])
        let styledASS = try String(contentsOfFile: path("s.ass"), encoding: .utf8).replacingOccurrences(of: "Default,Arial,16,&Hffffff,",
                                                                                                          with: "Default,Arial,30,&H0000FFFF,")
        try styledASS.write(toFile: path("styled.ass"), atomically: true, encoding: .utf8)
        try Tool.ffmpeg(["-i", "plain.mkv", "-vf", "scale=640:360:flags=bicubic,ass=styled.ass", "-c:v", "ffv1", "styled-ass.mkv"], in: folder)
        difference = try Tool.largestDifference("styled.mkv", "styled-ass.mkv", in: folder)
        XCTAssertLessThanOrEqual(difference.luma, 2)
        XCTAssertLessThanOrEqual(difference.chroma, 4)
        XCTAssertNotEqual(try Tool.frameHashes("styled.mkv", in: folder)[10], burnt[10])
        // A file whose clock starts at 5 s (a broadcast recording's may stand at hours): the
        // lines on the same frames (none showed).
        try Tool.ffmpeg(["-i", "plain.mkv", "-c", "copy", "-output_ts_offset", "5", "late.mkv"], in: folder)
        try burn("late.mkv", "late-burnt.mkv", ["--burn-subtitles", "1"])
        XCTAssertEqual(try Tool.frameHashes("late-burnt.mkv", in: folder), burnt)
        // Piped in, read once: the stream's packets come with the copied ones; the same frames.
        let piped = try Tool.shell("cat plain.mkv | '\(Tool.clarity)' pipe --burn-subtitles 1 --scale 2 --model bicubic --progress none > piped.y4m",
                                   in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try Tool.frameHashes("piped.y4m", in: folder), burnt)
        // A part from 1.2 s: the line on screen since 1.0 s shows on its first frames (to 1.5 s),
        // from the file and from a pipe read from its beginning alike; the copied track keeps
        // the line, cut to the part (it was left out).
        try burn(odd, "part.mkv", ["--burn-subtitles", "1", "--start", "1.2"])
        let part = try Tool.frameHashes("part.mkv", in: folder)
        XCTAssertEqual(zip(part, bare.dropFirst(30)).map { $0 == $1 ? "." : "S" }.joined(),
                       String(repeating: "S", count: 8) + String(repeating: ".", count: 12))
        XCTAssertEqual(try Tool.probe("part.mkv", stream: "s", entries: "packet=pts_time,duration_time", in: folder), ["0.000000,0.300000"])
        let pipedPart = try Tool.shell("cat plain.mkv | '\(Tool.clarity)' pipe --burn-subtitles 1 --start 1.2 --scale 2 --model bicubic "
                                       + "--progress none > part.y4m", in: folder)
        XCTAssertEqual(pipedPart.status, 0, pipedPart.stderr)
        XCTAssertEqual(try Tool.frameHashes("part.y4m", in: folder), part)
        // On HDR video (PQ), white text sits at the graphics white, 203 cd/m2 (573 in 10 bits),
        // as pictures do: the most common sample where the line is drawn (the filter drew 942).
        try Tool.ffmpeg(["-i", "plain.mkv", "-map", "0", "-c:s", "copy", "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params",
                         "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "hdr.mkv"], in: folder)
        for (out, extra) in [("hdr-plain.mkv", [String]()), ("hdr-burnt.mkv", ["--burn-subtitles", "1", "--subtitle-style", "FontSize=60,Outline=0,Shadow=0"])] {
            let r = try Tool.clarity(["transcode", "hdr.mkv", out, "--codec", "ffv1", "--progress", "none"] + extra, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        /// Frame 10's luma samples.
        let luma = { (file: String) -> [Int] in
            let raw = [UInt8](try Tool.ffmpeg(["-i", file, "-vf", "select=eq(n\\,10),extractplanes=y", "-frames:v", "1", "-f", "rawvideo", "-"],
                                              in: self.folder).stdout)
            return stride(from: 0, to: raw.count - 1, by: 2).map { Int(raw[$0]) | Int(raw[$0 + 1]) << 8 }
        }
        let drawn = zip(try luma("hdr-burnt.mkv"), try luma("hdr-plain.mkv")).filter { $0 != $1 }.map(\.0)
        let counts = Dictionary(drawn.map { ($0, 1) }, uniquingKeysWith: +)
        XCTAssertEqual(counts.max { $0.value < $1.value }?.key, 573, "white")
        let video = try Tool.clarity(["transcode", "plain.mkv", "refused.mkv", "--burn-subtitles", "0"], in: folder)
        XCTAssertEqual(video.status, 64, video.stderr)
        XCTAssertTrue(video.stderr.contains("plain.mkv has no subtitle stream #0; its subtitles: #1"), video.stderr)
        XCTAssertFalse(files.contains("refused.mkv"))
    }

    /// Text is burnt for the picture as shown: on a DVD's wide (16:9, 32:27) or narrow (4:3,
    /// 8:9) pixels, which players stretch, its glyphs are drawn as much narrower or wider, so
    /// that the line shows as wide as on square pixels. They were drawn for square pixels.
    func testBurntTextKeepsItsShapeOnPixelsThatAreNotSquare() throws {
        try "1\n00:00:00,000 --> 00:00:05,000\nOOOO\n".write(to: URL(fileURLWithPath: path("o.srt")), atomically: true, encoding: .utf8)
        func lineWidth(_ sar: String) throws -> Double {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "color=black:size=720x480:rate=25", "-t", "0.08", "-vf", "setsar=\(sar)",
                             "-c:v", "ffv1", "-y", "in.mkv"], in: folder)
            let r = try Tool.clarity(["transcode", "in.mkv", "out.mkv", "-y", "--codec", "ffv1", "--burn-subtitles", "o.srt",
                                      "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe("out.mkv", stream: "v", entries: "stream=sample_aspect_ratio", in: folder), [sar.replacingOccurrences(of: "/", with: ":")])
            let luma = [UInt8](try Tool.ffmpeg(["-i", "out.mkv", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"], in: folder).stdout)
            let columns = (0..<720).filter { x in (0..<480).contains { luma[$0 * 720 + x] > 128 } }
            let parts = sar.split(separator: "/").compactMap { Double($0) }
            return Double(try XCTUnwrap(columns.last) - XCTUnwrap(columns.first) + 1) * parts[0] / parts[1]
        }
        let square = try lineWidth("1/1")
        XCTAssertGreaterThan(square, 50)
        XCTAssertEqual(try lineWidth("32/27"), square, accuracy: 3, "16:9")
        XCTAssertEqual(try lineWidth("8/9"), square, accuracy: 3, "4:3")
    }

    /// Picture viewers ignore a pixel shape: a still, GIF or numbered PNGs of a DVD's wide
    /// (32:27) or narrow (8:9) pixels were written as stored, shown squeezed. They are widened or
    /// heightened to square pixels (as ffmpeg's `scale=iw*sar:ih`), before upscaling; a size
    /// given is the size written; a video keeps its pixels and their shape, and so does a picture.
    func testPicturesOfPixelsThatAreNotSquareAreMadeSquare() throws {
        for sar in ["32/27", "8/9"] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=720x480:rate=25", "-t", "0.12", "-vf", "setsar=\(sar)", "-c:v", "ffv1",
                             "-y", "dvd.mkv"], in: folder)
            let wide = sar == "32/27"
            for (output, args, size) in [("still.png", [], wide ? "854,480" : "720,540"), ("clip.gif", [], wide ? "854,480" : "720,540"),
                                         ("f%02d.png", [], wide ? "854,480" : "720,540"),
                                         ("big.png", ["--scale", "2", "--model", "bicubic"], wide ? "1708,960" : "1440,1080"),
                                         ("hd.png", ["--size", "1080p", "--model", "bicubic"], wide ? "1920,1080" : "1440,1080"),
                                         ("asked.png", ["--size", "1000x480", "--model", "bicubic"], "1000,480")] {
                let r = try Tool.clarity(["transcode", "dvd.mkv", output, "-y", "--progress", "none"] + args, in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                let written = output.replacingOccurrences(of: "%02d", with: "01")
                XCTAssertEqual(try Tool.probe(written, stream: "v", entries: "stream=width,height", in: folder), [size], "\(sar) \(output)")
                XCTAssertEqual(r.stderr.contains("square pixels: the 720x480 frames, of pixels shaped \(sar.replacingOccurrences(of: "/", with: ":"))"),
                               args.first != "--size", r.stderr)
            }
            // The still is ffmpeg's bicubic widening of the frame (in YUV, then made RGB), to the byte.
            let rgb = { (file: String, filter: String) in
                [UInt8](try Tool.ffmpeg(["-i", file, "-frames:v", "1", "-vf", filter, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], in: self.folder).stdout)
            }
            let square = (wide ? "scale=854:480" : "scale=720:540") + ":flags=bicubic,format=yuv420p"
            XCTAssertEqual(try rgb("still.png", "null"), try rgb("dvd.mkv", square), sar)
            let video = try Tool.clarity(["transcode", "dvd.mkv", "v.mkv", "-y", "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(video.status, 0, video.stderr)
            XCTAssertEqual(try Tool.probe("v.mkv", stream: "v", entries: "stream=width,height,sample_aspect_ratio", in: folder),
                           ["720,480,\(sar.replacingOccurrences(of: "/", with: ":"))"])
        }
        // A picture's own pixel shape (a JPEG's density) is ignored by viewers as well: kept.
        try Tool.ffmpeg(["-i", "dvd.mkv", "-frames:v", "1", "-vf", "setsar=4/3", "dense.jpg"], in: folder)
        let photo = try Tool.clarity(["transcode", "dense.jpg", "photo.png", "--progress", "none"], in: folder)
        XCTAssertEqual(photo.status, 0, photo.stderr)
        XCTAssertEqual(try Tool.probe("photo.png", stream: "v", entries: "stream=width,height", in: folder), ["720,480"])
    }

    /// Text subtitles are drawn in the fonts the file carries (a Matroska attachment), found by
    /// the family the subtitles name, as ffmpeg's ass filter draws them with that font at hand;
    /// without the attachment, in another font.
    func testTextSubtitlesTakeTheFontsTheFileCarries() throws {
        let found = try Tool.run("fc-match", ["-f", "%{file}", "DejaVu Sans Mono"])
        guard found.status == 0, found.text.hasSuffix(".ttf"), let font = FileManager.default.contents(atPath: found.text) else {
            throw XCTSkip("no DejaVu Sans Mono to make a font of")
        }
        // The font under a family no system has: same length, so its tables stay whole.
        var renamed = font
        for encoding in [String.Encoding.utf16BigEndian, .ascii] {
            let (old, new) = ("DejaVu Sans Mono".data(using: encoding)!, "Clarity Test Mon".data(using: encoding)!)
            while let range = renamed.range(of: old) { renamed.replaceSubrange(range, with: new) }
        }
        try FileManager.default.createDirectory(atPath: path("fonts"), withIntermediateDirectories: true)
        try renamed.write(to: URL(fileURLWithPath: path("fonts/ctm.ttf")))
        try Data("1\n00:00:00,200 --> 00:00:01,500\nHELLO iii\n\n".utf8).write(to: URL(fileURLWithPath: path("s.srt")))
        try Tool.ffmpeg(["-i", "s.srt", "plain.ass"], in: folder)
        let ass = try String(contentsOfFile: path("plain.ass"), encoding: .utf8).replacingOccurrences(of: "Default,Arial,", with: "Default,Clarity Test Mon,")
        try ass.write(toFile: path("s.ass"), atomically: true, encoding: .utf8)
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-i", "s.ass", "-t", "1.6", "-map", "0", "-map", "1", "-c:v", "libx264",
                         "-c:s", "ass", "-attach", "fonts/ctm.ttf", "-metadata:s:t", "mimetype=application/x-truetype-font", "film.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "film.mkv", "-map", "0:v", "-map", "0:s", "-c", "copy", "fontless.mkv"], in: folder)
        for (input, output) in [("film.mkv", "burnt.mkv"), ("fontless.mkv", "fontless-burnt.mkv")] {
            let r = try Tool.clarity(["transcode", input, output, "--burn-subtitles", "1", "--codec", "ffv1", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try Tool.ffmpeg(["-i", "film.mkv", "-vf", "ass=s.ass:fontsdir=fonts", "-c:v", "ffv1", "ass.mkv"], in: folder)
        XCTAssertLessThanOrEqual(try Tool.largestDifference("burnt.mkv", "ass.mkv", in: folder).luma, 2)
        XCTAssertGreaterThan(try Tool.largestDifference("burnt.mkv", "fontless-burnt.mkv", in: folder).luma, 100)
    }

    /// Subtitles stored as pictures (Blu-ray's PGS, DVD) are scaled from their canvas onto the
    /// output and laid over the frames they show on, on the film's clock; libass draws text only.
    func testPictureSubtitlesAreBurntIn() throws {
        try PGSFile.film(seconds: 2, in: folder) {
            $0.line(0.2, 0.8, x: 110, y: 150, w: 100, h: 20)
            $0.line(1.0, 1.5, x: 40, y: 10, w: 240, h: 30, forced: true)
        }
        let transcode = { (input: String, output: String, options: [String]) in
            let r = try Tool.clarity(["transcode", input, output, "--codec", "ffv1", "--progress", "none"] + options, in: self.folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        /// Each frame's luma samples, as stored.
        let luma = { (file: String) -> [[UInt8]] in
            let raw = [UInt8](try Tool.ffmpeg(["-i", file, "-map", "0:v", "-vf", "extractplanes=y", "-f", "rawvideo", "-"], in: self.folder).stdout)
            let size = file.hasPrefix("big") ? 640 * 360 : file.hasPrefix("cropped") ? 640 * 240 : 320 * 180
            return stride(from: 0, to: raw.count, by: size).map { Array(raw[$0..<$0 + size]) }
        }
        /// The frames that differ, and where the first of them differs (left, top, right, bottom).
        let changes = { (a: [[UInt8]], b: [[UInt8]], width: Int) -> (frames: [Int], box: [Int]) in
            XCTAssertEqual(a.count, b.count)
            let frames = a.indices.filter { a[$0] != b[$0] }
            let changed = frames.first.map { n in a[n].indices.filter { a[n][$0] != b[n][$0] } } ?? []
            let (xs, ys) = (changed.map { $0 % width }, changed.map { $0 / width })
            return (frames, changed.isEmpty ? [] : [xs.min()!, ys.min()!, xs.max()!, ys.max()!])
        }
        let upscaled = ["--scale", "2", "--model", "bicubic"]
        try transcode("subs.mkv", "big-plain.mkv", upscaled)
        try transcode("subs.mkv", "big-burnt.mkv", upscaled + ["--burn-subtitles", "1"])
        let (plain, burnt) = (try luma("big-plain.mkv"), try luma("big-burnt.mkv"))
        let drawn = changes(burnt, plain, 640)
        // Shown from 0.2 to 0.8 s and from 1.0 to 1.5 s at 30 fps.
        XCTAssertEqual(drawn.frames, Array(6..<24) + Array(30..<45))
        // The 100x20 box at (110, 150) on the 320x180 canvas, at twice its size (a sample's
        // blend at each edge): where ffmpeg's overlay draws it (see the DVB case below).
        XCTAssertEqual(drawn.box, [219, 299, 420, 340])
        XCTAssertEqual(burnt[10][320 * 640 + 320], 235, "white inside")
        XCTAssertEqual(burnt[10][302 * 640 + 320], 16, "its black border")
        XCTAssertEqual(changes([burnt[35]], [plain[35]], 640).box, [79, 19, 560, 80])
        // Added as a stream (--add-subtitles) to MP4: DVD subtitles on the film's canvas.
        let added = try Tool.clarity(["transcode", "in.mp4", "added.mp4", "--add-subtitles", "subs.sup", "--progress", "none"], in: folder)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(try Tool.probe("added.mp4", stream: "s", entries: "stream=codec_name,width,height", in: folder), ["dvd_subtitle,320,180"])
        // Piped in, read once: the stream's packets come with the copied ones, and frames wait
        // for those of their time; the same frames.
        let piped = try Tool.shell("cat subs.mkv | '\(Tool.clarity)' pipe --burn-subtitles 1 --scale 2 --model bicubic --progress none > piped.y4m",
                                   in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try Tool.frameHashes("piped.y4m", in: folder), try Tool.frameHashes("big-burnt.mkv", in: folder))
        // A Blu-ray's .sup file burns the same.
        try transcode("subs.mkv", "big-sup.mkv", upscaled + ["--burn-subtitles", "subs.sup"])
        XCTAssertEqual(try Tool.frameHashes("big-sup.mkv", in: folder), try Tool.frameHashes("big-burnt.mkv", in: folder))
        // With --crop cutting bars away, the pictures are placed on the whole picture, then cut
        // and scaled with it; a line that would fall outside (in a bar) moves in, to the edge.
        let cut = upscaled + ["--crop", "320:120:0:30"]
        try transcode("subs.mkv", "cropped-plain.mkv", cut)
        try transcode("subs.mkv", "cropped-burnt.mkv", cut + ["--burn-subtitles", "1"])
        let (croppedPlain, croppedBurnt) = (try luma("cropped-plain.mkv"), try luma("cropped-burnt.mkv"))
        XCTAssertEqual(changes(croppedBurnt, croppedPlain, 640).box, [219, 199, 420, 239], "at the bottom, not squashed")
        XCTAssertEqual(changes([croppedBurnt[35]], [croppedPlain[35]], 640).box, [79, 0, 560, 60], "at the top")
        // Only the forced line (the second), for a film whose lines translate dialogue in another language.
        try transcode("subs.mkv", "big-forced.mkv", upscaled + ["--burn-subtitles", "1", "--burn-forced-only"])
        XCTAssertEqual(changes(try luma("big-forced.mkv"), plain, 640).frames, Array(30..<45))
        // From 0.5 s, still on the film's clock: its frames 0-8 and 15-29.
        try transcode("subs.mkv", "part-plain.mkv", ["--start", "0.5"])
        for source in ["1", "subs.sup"] {
            try transcode("subs.mkv", "part.mkv", ["--start", "0.5", "--burn-subtitles", source, "-y"])
            XCTAssertEqual(changes(try luma("part.mkv"), try luma("part-plain.mkv"), 320).frames, Array(0..<9) + Array(15..<30), source)
        }
        // DVD subtitles (the PGS written into MP4 as such) burn on the same frames.
        let r = try Tool.clarity(["transcode", "subs.mkv", "dvd.mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        try transcode("dvd.mp4", "dvd-plain.mkv", [])
        try transcode("dvd.mp4", "dvd-burnt.mkv", ["--burn-subtitles", "1"])
        let dvd = changes(try luma("dvd-burnt.mkv"), try luma("dvd-plain.mkv"), 320)
        XCTAssertEqual(dvd.frames, Array(6..<24) + Array(30..<45))
        XCTAssertEqual(dvd.box, [110, 150, 209, 169])
        // DVB subtitles state their 320x180 canvas only inside their packets, and a TS's clock
        // does not start at 0.
        try Tool.ffmpeg(["-i", "dvd.mp4", "-map", "0", "-c:v", "copy", "-c:s", "dvbsub", "dvb.ts"], in: folder)
        try transcode("dvb.ts", "dvb-plain.mkv", [])
        try transcode("dvb.ts", "dvb-burnt.mkv", ["--burn-subtitles", "1"])
        let dvb = changes(try luma("dvb-burnt.mkv"), try luma("dvb-plain.mkv"), 320)
        XCTAssertEqual(dvb.frames, Array(6..<24) + Array(30..<45))
        XCTAssertEqual(dvb.box, [110, 150, 209, 169])
        // Alone in a file, DVB subtitles state no canvas: added to MP4, they take the film's.
        try Tool.ffmpeg(["-i", "dvb.ts", "-map", "0:s", "-c", "copy", "dvb-only.ts"], in: folder)
        let dvbAdded = try Tool.clarity(["transcode", "in.mp4", "dvb-added.mp4", "--add-subtitles", "dvb-only.ts", "--progress", "none"], in: folder)
        XCTAssertEqual(dvbAdded.status, 0, dvbAdded.stderr)
        XCTAssertEqual(try Tool.probe("dvb-added.mp4", stream: "s", entries: "stream=codec_name,width,height", in: folder), ["dvd_subtitle,320,180"])
        try transcode("dvd.mp4", "dvd-forced.mkv", ["--burn-subtitles", "1", "--burn-forced-only"])
        XCTAssertEqual(changes(try luma("dvd-forced.mkv"), try luma("dvd-plain.mkv"), 320).frames, Array(30..<45))
        try expectFailure(["transcode", "dvb.ts", "forced.mkv", "--burn-subtitles", "1", "--burn-forced-only"], status: 64,
                          mentioning: "dvb_subtitle subtitles mark no line as forced")
        try expectFailure(["transcode", "dvb.ts", "forced.mkv", "--burn-forced-only"], status: 64, mentioning: "give that too")
        try expectFailure(["transcode", "subs.mkv", "styled.mkv", "--burn-subtitles", "1", "--subtitle-style", "FontSize=30"], status: 64,
                          mentioning: "hdmv_pgs_subtitle subtitles are pictures")
        // On HDR video (PQ kept), the pictures' white is the graphics white, 203 cd/m2: 573 in
        // 10 bits, not 940, the top of PQ's range.
        try Tool.ffmpeg(["-i", "subs.mkv", "-map", "0", "-c:s", "copy", "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params",
                         "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "hdr.mkv"], in: folder)
        try transcode("hdr.mkv", "hdr-burnt.mkv", ["--burn-subtitles", "1"])
        let raw = [UInt8](try Tool.ffmpeg(["-i", "hdr-burnt.mkv", "-vf", "select=eq(n\\,10),extractplanes=y", "-frames:v", "1",
                                           "-f", "rawvideo", "-"], in: folder).stdout)
        let sample = { (x: Int, y: Int) in Int(raw[(y * 320 + x) * 2]) | Int(raw[(y * 320 + x) * 2 + 1]) << 8 }
        XCTAssertEqual(raw.count, 320 * 180 * 2)
        XCTAssertEqual(sample(160, 160), 573, "white")
        XCTAssertEqual(sample(111, 160), 64, "black")
        // A file that holds no subtitles, or none that can be read, is refused before anything is written.
        try Data("not subtitles".utf8).write(to: URL(fileURLWithPath: path("junk.sup")))
        try expectFailure(["transcode", "subs.mkv", "junk.mkv", "--burn-subtitles", "junk.sup"], status: 65,
                          mentioning: "cannot read the subtitles of junk.sup")
        try expectFailure(["transcode", "subs.mkv", "none.mkv", "--burn-subtitles", "in.mp4"], status: 64, mentioning: "in.mp4 holds no subtitles")
    }

    /// A part far into a film: the subtitle stream is sought to shortly before it, not read
    /// from the film's start, and shows the same pictures on the same frames.
    func testPictureSubtitlesFarIntoAFilm() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=5", "-t", "120", "-c:v", "libx264", "-g", "25", "in.mp4"], in: folder)
        var pgs = PGSFile(width: 64, height: 36)
        for (start, end) in [(10.0, 12.0), (101.0, 103.0), (106.0, 107.0)] {
            pgs.line(start, end, x: 10, y: 20, w: 40, h: 10)
        }
        try pgs.mux(in: folder)
        for source in ["1", "subs.sup"] {
            let part = ["--start", "102", "--duration", "6", "--codec", "ffv1", "--progress", "none", "-y"]
            let burnt = try Tool.clarity(["transcode", "subs.mkv", "burnt.mkv", "--burn-subtitles", source] + part, in: folder)
            XCTAssertEqual(burnt.status, 0, burnt.stderr)
            let plain = try Tool.clarity(["transcode", "subs.mkv", "plain.mkv"] + part, in: folder)
            XCTAssertEqual(plain.status, 0, plain.stderr)
            let (a, b) = (try Tool.frameHashes("burnt.mkv", in: folder), try Tool.frameHashes("plain.mkv", in: folder))
            XCTAssertEqual(a.count, 30)
            // 102-103 s and 106-107 s: frames 0-4 and 20-24 of the part.
            XCTAssertEqual(zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset), Array(0..<5) + Array(20..<25), source)
        }
    }

    /// A Blu-ray subtitle states no end: the one on screen as a part starts is carried to the
    /// start of the copied track (ffmpeg's -ss drops it), also from before the key frame the
    /// part was sought to, and from a pipe; a screen cleared before the start carries nothing.
    /// A DVD subtitle on screen is carried with its stated end kept, a DVB one with what is left
    /// of its time-out.
    func testPictureSubtitlesOnScreenAtTheStartAreKept() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=5", "-t", "10", "-c:v", "libx264", "-g", "25", "in.mp4"], in: folder)
        var pgs = PGSFile(width: 64, height: 36)
        pgs.line(1, 6, x: 10, y: 20, w: 40, h: 10)
        pgs.line(7, 8, x: 4, y: 2, w: 50, h: 8)
        try pgs.mux(in: folder)
        let cut = ["--start", "5.5", "--model", "bicubic", "--progress", "none"]
        XCTAssertEqual(try Tool.clarity(["transcode", "subs.mkv", "part.mkv"] + cut, in: folder).status, 0)
        XCTAssertEqual(try Tool.shell("cat subs.mkv | '\(Tool.clarity)' transcode - piped.mkv \(cut.joined(separator: " "))", in: folder).status, 0)
        for file in ["part.mkv", "piped.mkv"] {
            XCTAssertEqual(try Tool.probe(file, stream: "s", entries: "packet=pts_time", in: folder),
                           ["0.000000", "0.500000", "1.500000", "2.500000"], file)
        }
        // In MP4 as a DVD subtitle that ends when the screen is cleared.
        XCTAssertEqual(try Tool.clarity(["transcode", "subs.mkv", "part.mp4"] + cut, in: folder).status, 0)
        XCTAssertEqual(try Tool.probe("part.mp4", stream: "s", entries: "subtitle=pts_time,end_display_time", in: folder),
                       ["0.000000,489", "1.500000,989"])
        // Burnt from a pipe, on the frames of 5.6 and 5.8 s (and 7 to 8 s).
        let burnt = try Tool.shell("cat subs.mkv | '\(Tool.clarity)' pipe --burn-subtitles 1 \(cut.joined(separator: " ")) > burnt.y4m", in: folder)
        XCTAssertEqual(burnt.status, 0, burnt.stderr)
        XCTAssertEqual(try Tool.shell("cat subs.mkv | '\(Tool.clarity)' pipe \(cut.joined(separator: " ")) > plain.y4m", in: folder).status, 0)
        let (a, b) = (try Tool.frameHashes("burnt.y4m", in: folder), try Tool.frameHashes("plain.y4m", in: folder))
        XCTAssertEqual(a.count, 22)
        XCTAssertEqual(zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset), [0, 1, 7, 8, 9, 10, 11])
        // Cleared at 6 s: nothing to carry to 6.5.
        XCTAssertEqual(try Tool.clarity(["transcode", "subs.mkv", "later.mkv", "--start", "6.5", "--model", "bicubic", "--progress", "none"],
                                        in: folder).status, 0)
        XCTAssertEqual(try Tool.probe("later.mkv", stream: "s", entries: "packet=pts_time", in: folder), ["0.500000", "1.500000"])
        // DVD subtitles state their end: the one shown from 1 to 6 s is carried with 4.5 s
        // less to go, from the file and from a pipe; at 6.5 it has ended.
        XCTAssertEqual(try Tool.clarity(["transcode", "subs.mkv", "dvd.mp4", "--model", "bicubic", "--progress", "none"], in: folder).status, 0)
        try Tool.ffmpeg(["-i", "dvd.mp4", "-map", "0", "-c", "copy", "dvd.mkv"], in: folder)
        XCTAssertEqual(try Tool.probe("dvd.mkv", stream: "s", entries: "subtitle=pts_time,end_display_time", in: folder),
                       ["1.000000,4994", "7.000000,989"])
        XCTAssertEqual(try Tool.clarity(["transcode", "dvd.mkv", "dvd-part.mkv"] + cut, in: folder).status, 0)
        XCTAssertEqual(try Tool.shell("cat dvd.mkv | '\(Tool.clarity)' transcode - dvd-piped.mkv \(cut.joined(separator: " "))", in: folder).status, 0)
        for file in ["dvd-part.mkv", "dvd-piped.mkv"] {
            XCTAssertEqual(try Tool.probe(file, stream: "s", entries: "subtitle=pts_time,end_display_time", in: folder),
                           ["0.000000,500", "1.500000,989"], file)
        }
        XCTAssertEqual(try Tool.clarity(["transcode", "dvd.mkv", "dvd-later.mkv", "--start", "6.5", "--model", "bicubic", "--progress", "none"],
                                        in: folder).status, 0)
        XCTAssertEqual(try Tool.probe("dvd-later.mkv", stream: "s", entries: "subtitle=pts_time,end_display_time", in: folder), ["0.500000,989"])
        // DVB subtitles (ffmpeg's encoder: a page that may stay 30 s, then one that clears it):
        // carried with the 25.5 s left of its time-out (26), cleared at 0.494 s.
        try Tool.ffmpeg(["-i", "dvd.mkv", "-map", "0", "-c:v", "copy", "-c:s", "dvbsub", "dvb.ts"], in: folder)
        XCTAssertEqual(try Tool.clarity(["transcode", "dvb.ts", "dvb-part.mkv"] + cut, in: folder).status, 0)
        XCTAssertEqual(try Tool.shell("cat dvb.ts | '\(Tool.clarity)' transcode - dvb-piped.mkv \(cut.joined(separator: " "))", in: folder).status, 0)
        for file in ["dvb-part.mkv", "dvb-piped.mkv"] {
            XCTAssertEqual(try Tool.probe(file, stream: "s", entries: "subtitle=pts_time,end_display_time", in: folder),
                           ["0.000000,26000", "0.494000,30000", "1.500000,30000", "2.489000,30000"], file)
        }
        XCTAssertEqual(try Tool.clarity(["transcode", "dvb.ts", "dvb-later.mkv", "--start", "6.5", "--model", "bicubic", "--progress", "none"],
                                        in: folder).status, 0)
        XCTAssertEqual(try Tool.probe("dvb-later.mkv", stream: "s", entries: "subtitle=pts_time", in: folder), ["0.500000", "1.489000"])
    }

    func testPictureSubtitlesBecomeDVDSubtitlesInMP4() throws {
        try PGSFile.film(seconds: 2, in: folder) {
            $0.line(0.2, 0.8, x: 110, y: 150, w: 100, h: 20)
            $0.line(1.0, 1.5, x: 40, y: 10, w: 240, h: 30)
        }
        let r = try Tool.clarity(["transcode", "subs.mkv", "out.mp4", "--scale", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("re-encoding subtitle stream #1 (hdmv_pgs_subtitle) as DVD subtitles"), r.stderr)
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "s", entries: "stream=codec_name,width,height", in: folder), ["dvd_subtitle,320,180"])
        XCTAssertEqual(try Tool.probe("out.mp4", stream: "s", entries: "packet=pts_time", in: folder), ["0.200000", "1.000000"])
        // Each file's subtitles drawn over grey, frame by frame: the same frames show a box,
        // the same box (DVD subtitles' white is 254, not 255).
        let drawn = { (file: String) -> [[UInt8]] in
            let raw = try Tool.ffmpeg(["-f", "lavfi", "-i", "color=gray:size=320x180:rate=30:duration=2", "-i", file, "-filter_complex",
                                       "[0:v][1:s]overlay,format=gray", "-frames:v", "60", "-f", "rawvideo", "-"], in: self.folder).stdout
            return stride(from: 0, to: raw.count, by: 320 * 180).map { [UInt8](raw[$0..<min($0 + 320 * 180, raw.count)]) }
        }
        let (original, converted) = (try drawn("subs.mkv"), try drawn("out.mp4"))
        XCTAssertEqual(original.count, 60)
        XCTAssertEqual(converted.count, 60)
        let shown = original.indices.filter { original[$0].contains(0) }
        XCTAssertEqual(shown, Array(7..<24) + Array(30..<45))
        for (n, (a, b)) in zip(original, converted).enumerated() {
            XCTAssertLessThanOrEqual(zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0, 1, "frame \(n)")
        }
        // DVB subtitles (made from those) state their canvas only inside their packets (a
        // display definition of 320x180): DVD subtitles on the video's canvas, each picture
        // scaled onto it where ffmpeg's own drawing of the broadcast puts it.
        try Tool.ffmpeg(["-i", "out.mp4", "-map", "0", "-c:v", "copy", "-c:s", "dvbsub", "dvb.ts"], in: folder)
        XCTAssertFalse(try Tool.probe("dvb.ts", stream: "s", entries: "stream=width", in: folder).contains("320"))
        let dvb = try Tool.clarity(["transcode", "dvb.ts", "dvb.mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(dvb.status, 0, dvb.stderr)
        XCTAssertTrue(dvb.stderr.contains("re-encoding subtitle stream #1 (dvb_subtitle) as DVD subtitles"), dvb.stderr)
        XCTAssertEqual(try Tool.probe("dvb.mp4", stream: "s", entries: "stream=codec_name,width,height", in: folder), ["dvd_subtitle,640,360"])
        /// Per frame over the video made grey, the box around what the subtitles draw (nil: nothing).
        let boxes = { (file: String) -> [[Int]?] in
            let raw = [UInt8](try Tool.ffmpeg(["-i", file, "-filter_complex", "[0:v]lutyuv=y=128:u=128:v=128[g];[g][0:s]overlay,format=gray",
                                               "-frames:v", "60", "-f", "rawvideo", "-"], in: self.folder).stdout)
            return stride(from: 0, to: raw.count, by: 640 * 360).map { start in
                let drawn = (0..<640 * 360).filter { abs(Int(raw[start + $0]) - 128) > 8 }
                guard !drawn.isEmpty else { return nil }
                let xs = drawn.map { $0 % 640 }, ys = drawn.map { $0 / 640 }
                return [xs.min()!, ys.min()!, xs.max()!, ys.max()!]
            }
        }
        let (broadcast, kept) = (try boxes("dvb.ts"), try boxes("dvb.mp4"))
        XCTAssertEqual(broadcast.count, 60)
        XCTAssertEqual(kept.map { $0 != nil }, broadcast.map { $0 != nil }, "the same frames show a picture")
        XCTAssertEqual(broadcast[10], [219, 299, 420, 340], "ffmpeg draws the 320x180 canvas at twice its size")
        for (a, b) in zip(broadcast, kept) { XCTAssertLessThanOrEqual(zip(a ?? [], b ?? []).map { abs($0 - $1) }.max() ?? 0, 2) }
    }

    /// DVD subtitles copied from a VOB, whose packets carry no duration: MP4 lost the last line
    /// (as ffmpeg's copy does) and Matroska kept no ends; each now lasts as its stop command
    /// says. In MP4's fragments (into a pipe) the first line showed from the start. FFmpeg's
    /// "until further notice" (2^32-1 ms, ffmpeg's conversion from PGS) was refused by MP4 (74).
    func testDVDSubtitlesKeepTheirTimes() throws {
        try PGSFile.film(seconds: 3, in: folder) {
            $0.line(1.2, 1.8, x: 110, y: 150, w: 100, h: 20)
            $0.line(2.0, 2.5, x: 40, y: 10, w: 240, h: 30)
            $0.line(2.6, 2.9, x: 60, y: 60, w: 50, h: 50)
        }
        XCTAssertEqual(try Tool.clarity(["transcode", "subs.mkv", "dvd.mp4", "--model", "bicubic", "--progress", "none"], in: folder).status, 0)
        try Tool.ffmpeg(["-i", "dvd.mp4", "-map", "0", "-c:v", "mpeg2video", "-c:s", "copy", "-f", "vob", "dvd.vob"], in: folder)
        XCTAssertEqual(try Tool.probe("dvd.vob", stream: "s", entries: "packet=duration_time", in: folder), ["N/A", "N/A", "N/A"])
        /// The subtitles' times on the video's clock, as FFmpeg decodes them: start, end (s).
        let lines = { (file: String) -> [String] in
            let start = Double(try Tool.probe(file, stream: "v", entries: "stream=start_time", in: self.folder)[0])!
            return try Tool.probe(file, stream: "s", entries: "subtitle=pts,end_display_time", in: self.folder)
                .map { row in
                    let f = row.split(separator: ",").map { Double($0)! }
                    return String(format: "%.2f-%.2f", f[0] / 1e6 - start, f[0] / 1e6 - start + f[1] / 1000)
                }
        }
        let stated = ["1.20-1.79", "2.00-2.49", "2.60-2.90"]
        for output in ["back.mp4", "back.mkv"] {
            let r = try Tool.clarity(["transcode", "dvd.vob", output, "--model", "bicubic", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try lines(output), stated, output)
        }
        // Matroska's blocks state them (MP4's last sample's is its track's end).
        XCTAssertEqual(try Tool.probe("back.mkv", stream: "s", entries: "packet=duration_time", in: folder), ["0.592000", "0.489000", "0.296000"])
        let piped = try Tool.shell("'\(Tool.clarity)' transcode dvd.vob - --format mp4 --model bicubic --progress none | cat > piped.mp4", in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try lines("piped.mp4"), stated)
        // Converted by ffmpeg from PGS, whose lines end when the next display set says.
        try Tool.ffmpeg(["-i", "subs.mkv", "-map", "0", "-c:v", "copy", "-c:s", "dvdsub", "open.mkv"], in: folder)
        XCTAssertEqual(try Tool.probe("open.mkv", stream: "s", entries: "packet=duration_time", in: folder).first, "4294967.295000")
        let open = try Tool.clarity(["transcode", "open.mkv", "open.mp4", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(open.status, 0, open.stderr)
        XCTAssertEqual(try Tool.probe("open.mp4", stream: "s", entries: "packet=pts_time", in: folder).prefix(2), ["1.200000", "2.000000"])
    }

    /// Blu-ray's MPEG-TS (`.m2ts`, or `--format m2ts`, into a pipe too: 192-byte packets) keeps
    /// PGS, which a plain MPEG-TS writes as data no one reads back and which was dropped from
    /// both; DVB subtitles, which it has no place for, stopped the run at its header (73).
    func testBlurayTransportStreamsHoldBlurayPGS() throws {
        try PGSFile.film(seconds: 2, in: folder) {
            $0.line(0.2, 0.8, x: 110, y: 150, w: 100, h: 20)
            $0.line(1.0, 1.5, x: 40, y: 10, w: 240, h: 30)
        }
        let shown = { (file: String) in
            try Tool.probe(file, stream: "s", entries: "subtitle=num_rects", in: self.folder)
        }
        let bluray = try Tool.clarity(["transcode", "subs.mkv", "out.m2ts", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(bluray.status, 0, bluray.stderr)
        XCTAssertFalse(bluray.stderr.contains("dropping"), bluray.stderr)
        XCTAssertEqual(Set(try Tool.probe("out.m2ts", stream: "s", entries: "stream=codec_name", in: folder)), ["hdmv_pgs_subtitle"])
        XCTAssertEqual(try shown("out.m2ts"), ["1", "0", "1", "0"])
        let plain = try Tool.clarity(["transcode", "subs.mkv", "out.ts", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertTrue(plain.stderr.contains("dropping subtitle stream #1 (hdmv_pgs_subtitle): the mpegts container cannot hold it; "
                                            + "an .m2ts output keeps it"), plain.stderr)
        try expectFailure(["transcode", "in.mp4", "added.ts", "--add-subtitles", "subs.sup"], status: 64,
                          mentioning: "the mpegts container cannot hold hdmv_pgs_subtitle subtitles; an .m2ts output holds them")
        let added = try Tool.clarity(["transcode", "in.mp4", "added.m2ts", "--add-subtitles", "subs.sup", "--model", "bicubic",
                                      "--progress", "none"], in: folder)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(Set(try Tool.probe("added.m2ts", stream: "s", entries: "stream=codec_name", in: folder)), ["hdmv_pgs_subtitle"])
        let piped = try Tool.shell("'\(Tool.clarity)' transcode subs.mkv - --format m2ts --model bicubic --progress none | cat > piped.bin", in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("piped.bin")))
        XCTAssertTrue(bytes.count > 400 && bytes[4] == 0x47 && bytes[196] == 0x47 && bytes.count % 192 == 0, "192-byte packets")
        XCTAssertEqual(Set(try Tool.probe("piped.bin", stream: "s", entries: "stream=codec_name", in: folder)), ["hdmv_pgs_subtitle"])

        try Tool.ffmpeg(["-i", "out.m2ts", "-map", "0", "-c:v", "copy", "-c:s", "dvbsub", "dvb.ts"], in: folder)
        let dvb = try Tool.clarity(["transcode", "dvb.ts", "dvb.m2ts", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(dvb.status, 0, dvb.stderr)
        XCTAssertTrue(dvb.stderr.contains("dropping subtitle stream #1 (dvb_subtitle): the m2ts container cannot hold it"), dvb.stderr)
        XCTAssertEqual(try Tool.probe("dvb.m2ts", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"]).first, "60")
    }

    /// TTML in MP4 (`stpp`, streaming services' subtitles), which FFmpeg 5.1 reads as data it
    /// cannot decode, was dropped unsaid, and chosen by number "had no subtitle stream": it is
    /// dropped with a warning, and refused chosen, saying how to copy it out, and so copied out
    /// it is added as a file.
    func testTTMLSubtitlesAreSaidToBeUnreadable() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "1", "-c:v", "libx264", "in.mp4"], in: folder)
        try "1\n00:00:00,200 --> 00:00:00,800\nHello\n".write(to: folder.appendingPathComponent("subs.srt"), atomically: true, encoding: .utf8)
        try Tool.ffmpeg(["-i", "in.mp4", "-i", "subs.srt", "-map", "0", "-map", "1", "-c:v", "copy", "-c:s", "ttml", "ttml.mp4"], in: folder)
        let r = try Tool.clarity(["transcode", "ttml.mp4", "out.mkv", "--model", "bicubic", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let copyOut = "copied out (ffmpeg -i ttml.mp4 -map 0:1 -c copy -f data subs.ttml), it is burnt or added as a file"
        XCTAssertTrue(r.stderr.contains("dropping subtitle stream #1 (TTML): FFmpeg 5.1 cannot read TTML in MP4; " + copyOut), r.stderr)
        let quiet = try Tool.clarity(["transcode", "ttml.mp4", "quiet.mkv", "--no-subtitles", "--progress", "none"], in: folder)
        XCTAssertFalse(quiet.stderr.contains("TTML"), quiet.stderr)
        for option in ["--burn-subtitles", "--subtitle-stream"] {
            try expectFailure(["transcode", "ttml.mp4", "chosen.mkv", option, "1"], status: 69,
                              mentioning: "stream #1 of ttml.mp4 is ttml, which ffmpeg 5.1 cannot read: " + copyOut.lowercased())
        }
        try Tool.ffmpeg(["-i", "ttml.mp4", "-map", "0:1", "-c", "copy", "-f", "data", "subs.ttml"], in: folder)
        let added = try Tool.clarity(["transcode", "ttml.mp4", "added.mkv", "--add-subtitles", "subs.ttml", "--model", "bicubic", "--progress", "none"],
                                     in: folder)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(try Tool.run("ffmpeg", ["-v", "error", "-i", "added.mkv", "-map", "0:s", "-f", "srt", "-"], in: folder).text,
                       "1\n00:00:00,200 --> 00:00:00,800\nHello\n\n")
    }

    /// A subtitle file that is not UTF-8 (an old .srt in Windows-1252 or CP1251) is read in
    /// the character set --subtitle-charset names, else as Windows-1252 with a warning, for
    /// burning and adding alike; iconv's unknown names are refused.
    func testSubtitleFilesNotInUTF8AreConverted() throws {
        try makeClip(seconds: 2)
        try Data([UInt8]("1\n00:00:00,200 --> 00:00:01,500\nD".utf8) + [0xE9, 0x6A, 0xE0] + Array(" vu, ".utf8) + [0xE7] + Array("a va\n\n".utf8))
            .write(to: URL(fileURLWithPath: path("west.srt")))
        try Data([UInt8]("1\n00:00:00,200 --> 00:00:01,500\n".utf8) + [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2] + Array("\n\n".utf8))
            .write(to: URL(fileURLWithPath: path("east.srt")))
        let warning = "west.srt is not UTF-8: read as Windows-1252"
        /// The text of the output's subtitle stream.
        let text = { (file: String) in
            try Tool.ffmpeg(["-i", file, "-map", "0:s", "-f", "srt", "-"], in: self.folder).text.split(separator: "\n").last.map(String.init)
        }
        var r = try Tool.clarity(["transcode", "in.mp4", "west.mkv", "--add-subtitles", "west.srt", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(warning), r.stderr)
        XCTAssertEqual(try text("west.mkv"), "Déjà vu, ça va")
        r = try Tool.clarity(["transcode", "in.mp4", "east.mp4", "--add-subtitles", "east.srt", "--subtitle-charset", "CP1251", "--progress", "none"],
                             in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("not UTF-8"), r.stderr)
        XCTAssertEqual(try text("east.mp4"), "Привет")
        // Burnt: drawn as libass draws the same lines in UTF-8.
        r = try Tool.clarity(["transcode", "in.mp4", "burnt.mkv", "--burn-subtitles", "west.srt", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(warning), r.stderr)
        try Tool.ffmpeg(["-sub_charenc", "CP1252", "-i", "west.srt", "west.ass"], in: folder)
        try Tool.ffmpeg(["-i", "in.mp4", "-vf", "ass=west.ass", "-c:v", "ffv1", "ass.mkv"], in: folder)
        let difference = try Tool.largestDifference("burnt.mkv", "ass.mkv", in: folder)
        XCTAssertLessThanOrEqual(difference.luma, 2)
        XCTAssertNotEqual(try Tool.frameHashes("burnt.mkv", in: folder)[10], try Tool.frameHashes("in.mp4", in: folder)[10])
        try expectFailure(["transcode", "in.mp4", "none.mkv", "--add-subtitles", "east.srt", "--subtitle-charset", "KLINGON"], status: 64,
                          mentioning: "--subtitle-charset klingon: not a character set iconv knows")
    }

    /// --add-subtitles: a subtitle file becomes a stream of its own, with the language its
    /// name states, in the container's text format where needed, in step with the video and
    /// cut with it by --start.
    func testSubtitleFilesAreAdded() throws {
        try makeClip(seconds: 2)
        try Data("1\n00:00:00,200 --> 00:00:00,600\nHELLO\n\n2\n00:00:01,000 --> 00:00:01,500\nWORLD\n\n".utf8)
            .write(to: URL(fileURLWithPath: path("film.eng.srt")))
        /// Each cue's start and length, from the video's first frame.
        let cues = { (file: String) -> [[Double]] in
            let first = try Tool.probe(file, stream: "v", entries: "packet=pts_time", in: self.folder).compactMap(Double.init).min() ?? 0
            return try Tool.probe(file, stream: "s", entries: "packet=pts_time,duration_time", in: self.folder).map { line in
                let v = line.split(separator: ",").compactMap { Double($0) }
                return [((v[0] - first) * 1000).rounded() / 1000, (v[1] * 1000).rounded() / 1000]
            }
        }
        for (out, codec) in [("added.mkv", "subrip"), ("added.mp4", "mov_text")] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--add-subtitles", "film.eng.srt", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Tool.probe(out, stream: "s", entries: "stream=codec_name:stream_tags=language", in: folder), [codec + ",eng"])
        }
        XCTAssertEqual(try cues("added.mkv"), [[0.2, 0.4], [1.0, 0.5]])
        // MOV text fills the gaps with empty samples.
        XCTAssertEqual(try cues("added.mp4"), [[0, 0.2], [0.2, 0.4], [0.6, 0.4], [1.0, 0.5]])
        let part = try Tool.clarity(["transcode", "in.mp4", "part.mkv", "--add-subtitles", "film.eng.srt", "--start", "0.4", "--progress", "none"],
                                    in: folder)
        XCTAssertEqual(part.status, 0, part.stderr)
        XCTAssertEqual(try cues("part.mkv"), [[0, 0.2], [0.6, 0.5]], "the first cue shortened to the part, the second moved with it")
        try expectFailure(["transcode", "in.mp4", "still.png", "--add-subtitles", "film.eng.srt"], status: 64,
                          mentioning: "the image2 container cannot hold subrip subtitles")
        try expectFailure(["transcode", "in.mp4", "out.mkv", "--add-subtitles", "none.srt"], status: 66, mentioning: "subtitle file not found: none.srt")
        try expectFailure(["transcode", "in.mp4", "out.mkv", "--add-subtitles", "in.mp4"], status: 64, mentioning: "in.mp4 holds no subtitles")
        // TTML, which FFmpeg writes but cannot read (it was refused as such), is read as the SRT
        // it was made from: the same cues added, the same pictures burnt.
        try Tool.ffmpeg(["-i", "film.eng.srt", "film.eng.ttml"], in: folder)
        let ttml = try Tool.clarity(["transcode", "in.mp4", "ttml.mkv", "--add-subtitles", "film.eng.ttml", "--progress", "none"], in: folder)
        XCTAssertEqual(ttml.status, 0, ttml.stderr)
        XCTAssertEqual(try Tool.probe("ttml.mkv", stream: "s", entries: "stream=codec_name:stream_tags=language", in: folder), ["subrip,eng"])
        XCTAssertEqual(try cues("ttml.mkv"), try cues("added.mkv"))
        XCTAssertEqual(try Tool.run("ffmpeg", ["-v", "error", "-i", "ttml.mkv", "-map", "0:s", "-f", "srt", "-"], in: folder).stdout,
                       try Tool.run("ffmpeg", ["-v", "error", "-i", "added.mkv", "-map", "0:s", "-f", "srt", "-"], in: folder).stdout)
        for file in ["film.eng.srt", "film.eng.ttml"] {
            let r = try Tool.clarity(["transcode", "in.mp4", "\(file).png", "--burn-subtitles", file, "--start", "0.3", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("film.eng.ttml.png"))),
                       try Data(contentsOf: URL(fileURLWithPath: path("film.eng.srt.png"))))
        let plain = try firstFrameRGB(["-ss", "0.3", "-i", "in.mp4"])
        XCTAssertNotEqual(try firstFrameRGB(["-i", "film.eng.srt.png"]), plain, "a line burnt in")
        // A region at the top keeps its line there: the picture changes in its top third alone.
        try Data(("<tt xmlns=\"http://www.w3.org/ns/ttml\" xmlns:tts=\"http://www.w3.org/ns/ttml#styling\" xml:lang=\"fr\"><head><layout>"
                  + "<region xml:id=\"top\" tts:origin=\"10% 5%\" tts:extent=\"80% 20%\"/></layout></head>"
                  + "<body><p begin=\"0s\" end=\"1s\" region=\"top\">HELLO</p></body></tt>").utf8).write(to: URL(fileURLWithPath: path("top.ttml")))
        let top = try Tool.clarity(["transcode", "in.mp4", "top.png", "--burn-subtitles", "top.ttml", "--start", "0.3", "--progress", "none"], in: folder)
        XCTAssertEqual(top.status, 0, top.stderr)
        let changedRows = Set(zip(try firstFrameRGB(["-i", "top.png"]), plain).enumerated().filter { $0.element.0 != $0.element.1 }.map { $0.offset / (320 * 3) })
        XCTAssertFalse(changedRows.isEmpty)
        XCTAssertLessThan(changedRows.max() ?? 180, 60, "rows \(changedRows.sorted())")
        // Its language is the document's where the name states none.
        let french = try Tool.clarity(["transcode", "in.mp4", "top.mkv", "--add-subtitles", "top.ttml", "--progress", "none"], in: folder)
        XCTAssertEqual(french.status, 0, french.stderr)
        XCTAssertEqual(try Tool.probe("top.mkv", stream: "s", entries: "stream=codec_name:stream_tags=language", in: folder), ["subrip,fra"])
        // One that cannot be read says where.
        try Data("<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><p begin=\"1s\" end=\"2s\">a</body></tt>".utf8)
            .write(to: URL(fileURLWithPath: path("broken.ttml")))
        try expectFailure(["transcode", "in.mp4", "out.mkv", "--add-subtitles", "broken.ttml"], status: 65,
                          mentioning: "--add-subtitles: broken.ttml is ttml that cannot be read: line 1:")
    }

    /// Subtitle files as people have them: an SRT with a line of credits before its first cue,
    /// or without cue numbers, which FFmpeg's probe refuses ("Invalid data found"), is read as
    /// its extension names it (as `ffmpeg -f srt` reads it), with a warning. An empty file, or
    /// one with no cue that can be read, is refused (it was added as an empty stream, or burnt
    /// as nothing, with exit 0). A .sup damaged after its first line keeps that line, with a
    /// warning (added, it was refused, 66; burnt, it ended there unsaid). A WebVTT cue left without text is dropped, as ffmpeg's
    /// copy drops it (Matroska's writer, given it, wrote none of the cues after it).
    func testSubtitleFilesAsPeopleHaveThem() throws {
        try PGSFile.film(seconds: 2, in: folder) { pgs in
            pgs.line(0.2, 0.6, x: 10, y: 10, w: 40, h: 20)
            pgs.line(1.0, 1.4, x: 10, y: 10, w: 40, h: 20)
        }
        let cues = "00:00:00,200 --> 00:00:00,600\nHELLO\n\n00:00:01,000 --> 00:00:01,500\nWORLD\n"
        try Data(("Subtitles by someone\n\n" + cues).utf8).write(to: URL(fileURLWithPath: path("credits.srt")))
        try Data(cues.utf8).write(to: URL(fileURLWithPath: path("unnumbered.srt")))
        let plain = try Tool.clarity(["transcode", "in.mp4", "plain.mkv", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let unmarked = try Tool.frameHashes("plain.mkv", in: folder)
        for name in ["credits.srt", "unnumbered.srt"] {
            for (option, out) in [("--add-subtitles", "added.mkv"), ("--burn-subtitles", "burnt.mkv")] {
                let r = try Tool.clarity(["transcode", "in.mp4", out, option, name, "--codec", "ffv1", "--overwrite", "--progress", "none"],
                                         in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertTrue(r.stderr.contains("\(name) does not begin as SRT files do"), r.stderr)
            }
            XCTAssertEqual(try Tool.probe("added.mkv", stream: "s", entries: "packet=pts_time", in: folder).count, 2, name)
            let burnt = try Tool.frameHashes("burnt.mkv", in: folder)
            XCTAssertEqual(burnt.count, unmarked.count)
            XCTAssertEqual(zip(burnt, unmarked).filter { $0 != $1 }.count, 27, "the frames of 0.2-0.6 s and 1.0-1.5 s drawn on, \(name)")
        }
        try Data().write(to: URL(fileURLWithPath: path("empty.srt")))
        try Data("1\n00:00:00,200 --> 00:00:00,600\n".utf8).write(to: URL(fileURLWithPath: path("no-text.srt")))
        // A .sup whose one segment is damaged bytes reads as a packet, with no picture in it: it
        // was added as an empty stream.
        try Data("PG".utf8 + [UInt8](repeating: 0, count: 8) + [0x16, 0, 16] + [UInt8](repeating: 0xFF, count: 16))
            .write(to: URL(fileURLWithPath: path("damaged.sup")))
        for option in ["--add-subtitles", "--burn-subtitles"] {
            try expectFailure(["transcode", "in.mp4", "out.mkv", option, "empty.srt"], status: 65, mentioning: "\(option): empty.srt is empty")
            for name in ["no-text.srt", "damaged.sup"] {
                try expectFailure(["transcode", "in.mp4", "out.mkv", option, name], status: 65,
                                  mentioning: "\(option): \(name) holds no subtitles that can be read")
            }
        }
        try Data("WEBVTT\n\n00:00.200 --> 00:00.800\nFirst\n\n00:01.000 --> 00:01.500\n\n00:01.600 --> 00:01.900\nThird\n".utf8)
            .write(to: URL(fileURLWithPath: path("blank.vtt")))
        let blank = try Tool.clarity(["transcode", "in.mp4", "blank.mkv", "--add-subtitles", "blank.vtt", "--progress", "none"], in: folder)
        XCTAssertEqual(blank.status, 0, blank.stderr)
        XCTAssertEqual(try Tool.probe("blank.mkv", stream: "s", entries: "packet=pts_time", in: folder), ["0.200000", "1.600000"])
        // The second line's first segment damaged (each segment: "PG", two times, its type, its size, its bytes).
        var sup = try Data(contentsOf: URL(fileURLWithPath: path("subs.sup")))
        var segment = sup.startIndex
        for _ in 0..<8 { segment += 13 + (Int(sup[segment + 11]) << 8 | Int(sup[segment + 12])) }
        sup[segment] = UInt8(ascii: "X")
        try sup.write(to: URL(fileURLWithPath: path("damaged.sup")))
        let r = try Tool.clarity(["transcode", "in.mp4", "first.mkv", "--add-subtitles", "damaged.sup", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--add-subtitles: damaged.sup is damaged after its first 8 subtitle packet(s) (Invalid data found "
                                        + "when processing input): those are kept, the rest left out"), r.stderr)
        XCTAssertEqual(try Tool.probe("first.mkv", stream: "s", entries: "packet=pts_time", in: folder).compactMap(Double.init).map { $0.rounded() },
                       [0, 1], "the first line shown and cleared")
        // Burnt, its first line is drawn and the damage said (it ended there unsaid).
        let burnt = try Tool.clarity(["transcode", "in.mp4", "first-burnt.mkv", "--burn-subtitles", "damaged.sup", "--progress", "none"], in: folder)
        XCTAssertEqual(burnt.status, 0, burnt.stderr)
        XCTAssertTrue(burnt.stderr.contains("--burn-subtitles: the subtitles are damaged after their first 2 event(s) (Invalid data found "
                                            + "when processing input): those were drawn, the rest left out"), burnt.stderr)
    }

    /// Audio the container cannot hold as it is (PCM, FLAC into MP4) is encoded again as AAC,
    /// in step with the video, and text subtitles (SubRip) become the container's (mov_text),
    /// cue for cue as ffmpeg converts them, instead of dropped.
    func testStreamsTheContainerCannotHoldAreReencoded() throws {
        try makeClip(seconds: 2)
        try Data("1\n00:00:00,500 --> 00:00:01,200\nHello <i>world</i>\n\n2\n00:00:01,500 --> 00:00:01,900\nAgain\n".utf8)
            .write(to: URL(fileURLWithPath: path("cues.srt")))
        try Tool.ffmpeg(["-i", "in.mp4", "-i", "cues.srt", "-map", "0", "-map", "1", "-c", "copy", "-c:s", "srt", "subs.mkv"], in: folder)
        try Tool.ffmpeg(["-i", "subs.mkv", "-c", "copy", "-c:s", "mov_text", "ffmpeg.mp4"], in: folder)
        let r = try Tool.clarity(["transcode", "subs.mkv", "out.mp4", "--progress", "none"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("re-encoding subtitle stream #2 (subrip) as MOV text"), r.stderr)
        let cues = { (f: String) in try Tool.run("ffmpeg", ["-v", "error", "-i", f, "-map", "0:s", "-f", "srt", "-"], in: self.folder).text }
        XCTAssertTrue(try cues("out.mp4").contains("Hello <i>world</i>"))
        XCTAssertEqual(try cues("out.mp4"), try cues("ffmpeg.mp4"))

        // 192 kHz is above what AAC takes: resampled to 96 kHz. 5.1 gets 384 kb/s, not stereo's 192.
        for (codec, channels, rate, encoded) in [("pcm_s16le", "1", 44100, 44100), ("flac", "2", 44100, 44100), ("pcm_s24le", "2", 192_000, 96000),
                                                  ("pcm_s16le", "6", 48000, 48000)] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "anoisesrc=sample_rate=\(rate):color=pink",
                             "-t", "2", "-ac", channels, "-c:v", "libx264", "-c:a", codec, "in-\(codec).mkv"], in: folder)
            let r = try Tool.clarity(["transcode", "in-\(codec).mkv", "out.mp4", "-y", "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("re-encoding audio stream #1 (\(codec)) as AAC"), r.stderr)
            let audio = try Tool.probe("out.mp4", stream: "a", entries: "stream=codec_name,sample_rate,channels,start_time,duration", in: folder)
            XCTAssertEqual(audio.first?.split(separator: ",").prefix(4).joined(separator: ","), "aac,\(encoded),\(channels),0.000000", codec)
            XCTAssertEqual(Double(audio.first?.split(separator: ",").last ?? "") ?? 0, 2, accuracy: 0.05, codec)
            let bitRate = Double(try Tool.probe("out.mp4", stream: "a", entries: "stream=bit_rate", in: folder).first ?? "") ?? 0
            // What the encoder spends (it may spend less than asked, on channels this alike).
            if channels == "6" {
                XCTAssertGreaterThan(bitRate, 240_000, "well above stereo's 192 kb/s")
            } else {
                XCTAssertEqual(bitRate, 192_000, accuracy: 40_000, "\(codec), \(channels) channel(s)")
            }
        }

        // MPEG-PS has audio but takes no AAC (it used to stop: "cannot write the mpeg header"): MP2.
        let ps = try Tool.clarity(["transcode", "in.mp4", "out.mpg", "--codec", "mpeg2video", "--progress", "none"], in: folder)
        XCTAssertEqual(ps.status, 0, ps.stderr)
        XCTAssertTrue(ps.stderr.contains("re-encoding audio stream #1 (aac) as MP2"), ps.stderr)
        XCTAssertEqual(try Tool.probe("out.mpg", stream: "a", entries: "stream=codec_name", in: folder), ["mp2"])

        // MPEG-TS writes codecs it has no stream type for as private data, which nothing reads
        // back: FLAC was copied so (silent), FFV1 video written so; now AAC, and a refusal.
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine", "-t", "1",
                         "-c:v", "libx264", "-c:a", "flac", "flac.mkv"], in: folder)
        let ts = try Tool.clarity(["transcode", "flac.mkv", "out.ts", "--progress", "none"], in: folder)
        XCTAssertEqual(ts.status, 0, ts.stderr)
        XCTAssertTrue(ts.stderr.contains("re-encoding audio stream #1 (flac) as AAC"), ts.stderr)
        XCTAssertEqual(Set(try Tool.probe("out.ts", stream: "a", entries: "stream=codec_name", in: folder)), ["aac"], "(listed again per programme)")
        let ffv1 = try Tool.clarity(["transcode", "flac.mkv", "ffv1.ts", "--codec", "ffv1", "--progress", "none"], in: folder)
        XCTAssertEqual(ffv1.status, 64, ffv1.stderr)
        XCTAssertTrue(ffv1.stderr.contains("the mpegts container cannot hold ffv1 video"), ffv1.stderr)

        // WebM takes no AAC: its own Opus instead, at Opus's 48 kHz, as long as the video.
        try makeClip(seconds: 1)
        let webm = try Tool.clarity(["transcode", "in.mp4", "out.webm", "--progress", "none"], in: folder)
        XCTAssertEqual(webm.status, 0, webm.stderr)
        XCTAssertTrue(webm.stderr.contains("re-encoding audio stream #1 (aac) as"), webm.stderr)
        XCTAssertEqual(try Tool.probe("out.webm", stream: "a", entries: "stream=codec_name,sample_rate,channels", in: folder), ["opus,48000,1"])
        let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", "out.webm", "-map", "0:a", "-f", "s16le", "-"], in: folder).stdout
        XCTAssertEqual(Double(decoded.count) / 2 / 48000, 1, accuracy: 0.05, "a second of sound")
    }

    /// Surround audio goes where the container takes it: 5.1 PCM into MPEG-PS as AC-3 (its MP2
    /// is stereo: exit 1), into FLV as AAC (FLV's PCM is stereo: FFmpeg wrote the six channels
    /// as two, three times as long), 16 channels into WebM as Opus channels of their own
    /// (libopus refused them: exit 1); mixed down where the encoder codes fewer. FLV's PCM at
    /// 32 kHz, a rate its header cannot say, as AAC (FFmpeg refused it once started: 73). At
    /// 22.05 kHz MP2 takes 160 kb/s at most and Vorbis its quality rather than a bitrate, and
    /// AC-3's 5.1(side) goes into Opus in Opus's order: each had failed to open (exit 1).
    func testSurroundAudioGoesWhereTheContainerTakesIt() throws {
        let pan = { (n: Int) in (0..<n).map { "c\($0)=c0" }.joined(separator: "|") }
        for (layout, n) in [("5.1", 6), ("hexadecagonal", 16)] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
                             "-filter_complex", "[1:a]pan=\(layout)|\(pan(n))[a]", "-map", "0:v", "-map", "[a]", "-c:v", "libx264",
                             "-c:a", "pcm_s16le", "-y", "in\(n).mov"], in: folder)
        }
        for (rate, codec, name) in [(32000, "pcm_s16le", "in32k.mkv"), (22050, "pcm_s16le", "in22k.mkv"), (48000, "ac3", "ac3.mkv")] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1:sample_rate=\(rate)",
                             "-c:v", "libx264", "-c:a", codec] + (codec == "ac3" ? ["-ac", "6"] : []) + ["-y", name], in: folder)
        }
        for (input, output, codec) in [("in6.mov", "out.mpg", "ac3,6"), ("in6.mov", "out.flv", "aac,6"), ("in16.mov", "out.webm", "opus,16"),
                                       ("in32k.mkv", "32k.flv", "aac,1"), ("in22k.mkv", "22k.mpg", "mp2,1"), ("in22k.mkv", "22k.ogv", "vorbis,1"),
                                       ("ac3.mkv", "ac3.webm", "opus,6")] {
            let r = try Tool.clarity(["transcode", input, output, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, "\(output): \(r.stderr)")
            XCTAssertEqual(try Tool.probe(output, stream: "a", entries: "stream=codec_name,channels", in: folder).filter { !$0.isEmpty }, [codec])
            let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", output, "-map", "0:a", "-ac", "1", "-ar", "48000", "-f", "s16le", "-"],
                                       in: folder).stdout
            XCTAssertEqual(Double(decoded.count) / 2 / 48000, 1, accuracy: 0.1, "\(output): a second of sound")
        }
        // An encoder that codes fewer channels gets them mixed down, as ffmpeg mixes them (it
        // failed: "Specified channel layout '5.1' is not supported"; FLAC and ALAC, "16 channels
        // not supported (max 8)" with exit 1, and ALAC's 7.1 is 7.1(wide)), with a word. The channels
        // counted are those `--af` makes (the input's were: a pan to 5.1 from mono was not
        // said, a pan to stereo from 5.1 was said to be mixed down).
        let fromMono = "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0"
        for (input, options, codec, words) in [("in6.mov", ["out.mkv", "--audio-codec", "libmp3lame"], "mp3,2", "6 channels are mixed down to 2: MP3"),
                                              ("in16.mov", ["out.mpg"], "ac3,6", "16 channels are mixed down to 6: AC-3"),
                                              ("in32k.mkv", ["pan.mkv", "--audio-codec", "libmp3lame", "--af", fromMono], "mp3,2",
                                               "audio stream #1's 6 channels are mixed down to 2: MP3"),
                                              ("in6.mov", ["stereo.mkv", "--audio-codec", "libmp3lame", "--af", "pan=stereo|c0=c0|c1=c1"], "mp3,2", nil),
                                              ("in6.mov", ["pcm.flv", "--audio-codec", "pcm_s16le"], "pcm_s16le,2",
                                               "6 channels are mixed down to 2: the flv container holds no more"),
                                              ("in16.mov", ["flac.mkv", "--audio-codec", "flac"], "flac,8", "16 channels are mixed down to 8: FLAC codes no more"),
                                              ("in16.mov", ["alac.mov", "--audio-codec", "alac"], "alac,8", "16 channels are mixed down to 8: ALAC codes no more")] {
            let r = try Tool.clarity(["transcode", input, "-y", "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, "\(options): \(r.stderr)")
            XCTAssertTrue(words.map(r.stderr.contains) ?? !r.stderr.contains("mixed down"), r.stderr)
            XCTAssertEqual(try Tool.probe(options[0], stream: "a", entries: "stream=codec_name,channels", in: folder).filter { !$0.isEmpty }, [codec])
        }
        // FLV's header codes stereo at most: 5.1 PCM went in as 6 channels and read back as
        // stereo noise three times as long.
        let pcm = try Tool.run("ffmpeg", ["-v", "error", "-i", "pcm.flv", "-map", "0:a", "-f", "s16le", "-"], in: folder).stdout
        XCTAssertEqual(Double(pcm.count) / 4 / 44100, 1, accuracy: 0.05, "a second of stereo")
        // An encoder asked for codes at a rate the container takes: MP3 at 32 kHz into FLV,
        // whose header codes 44.1, 22.05 and 11.025 kHz (48 for MP3), stopped with 73, "FLV does
        // not support sample rate 32000", also where `--af` made that rate; G.711 in FLV is
        // 8 kHz (at 32 it read back four times as long).
        for (input, options, stream) in [("in32k.mkv", ["--audio-codec", "libmp3lame"], "mp3,44100"),
                                         ("in22k.mkv", ["--audio-codec", "libmp3lame", "--af", "aresample=32000"], "mp3,44100"),
                                         ("in32k.mkv", ["--audio-codec", "pcm_alaw"], "pcm_alaw,8000")] {
            let r = try Tool.clarity(["transcode", input, "rate.flv", "-y", "--progress", "none"] + options, in: folder)
            XCTAssertEqual(r.status, 0, "\(input) \(options): \(r.stderr)")
            XCTAssertEqual(try Tool.probe("rate.flv", stream: "a", entries: "stream=codec_name,sample_rate", in: folder), [stream], input)
            let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", "rate.flv", "-map", "0:a", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"],
                                       in: folder).stdout
            XCTAssertEqual(Double(decoded.count) / 2 / 8000, 1, accuracy: 0.1, "\(options): a second of sound")
        }
    }

    /// Containers whose muxers refuse, once started, what they said they take: QuickTime and
    /// Smooth Streaming took Opus and FLAC ("only supported in MP4"), FLV more than one audio
    /// stream, MXF audio at anything but 48 kHz, MP4 in fragments AC-3; each stopped with 73
    /// after the video was set up. Now: AAC in QuickTime, the first audio stream in FLV (the
    /// others named), 48 kHz PCM in MXF, AC-3 with the index written after its first packets.
    func testContainersThatRefuseOnceStartedAreGivenWhatTheyTake() throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                         "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100", "-t", "1", "-map", "0", "-map", "1", "-map", "2",
                         "-c:v", "libx264", "-c:a:0", "libopus", "-c:a:1", "flac", "two.mkv"], in: folder)
        for (output, audio, said) in [("out.mov", ["aac,48000", "aac,44100"], "re-encoding audio stream #1 (opus) as AAC"),
                                      ("out.ismv", ["aac,48000", "aac,44100"], "re-encoding audio stream #2 (flac) as AAC"),
                                      ("out.flv", ["aac,48000"], "dropping audio stream #2 (flac): the flv container holds one audio stream"),
                                      ("out.mxf", ["pcm_s16le,48000", "pcm_s16le,48000"], "re-encoding audio stream #2 (flac) as PCM")] {
            let r = try Tool.clarity(["transcode", "two.mkv", output, "--progress", "none"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains(said), r.stderr)
            XCTAssertEqual(try Tool.probe(output, stream: "a", entries: "stream=codec_name,sample_rate", in: folder), audio, output)
            let decoded = try Tool.run("ffmpeg", ["-v", "error", "-i", output, "-map", "0:a:\(audio.count - 1)", "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
                                       in: folder).stdout
            XCTAssertEqual(Double(decoded.count) / 2 / 48000, 1, accuracy: 0.05, "\(output): a second of sound")
        }
        let chosen = try Tool.clarity(["transcode", "two.mkv", "chosen.flv", "--audio-stream", "2", "--progress", "none"], in: folder)
        XCTAssertEqual(chosen.status, 0, chosen.stderr)
        XCTAssertEqual(try Tool.probe("chosen.flv", stream: "a", entries: "stream=codec_name,sample_rate", in: folder), ["aac,44100"])
        // AC-3 and E-AC-3 into a first index (MP4 in fragments, for a pipe; Smooth Streaming):
        // FFmpeg waits for their first packets only when told ("Cannot write moov atom before AC3 packets").
        for codec in ["ac3", "eac3"] {
            try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
                             "-c:v", "libx264", "-c:a", codec, "\(codec).mkv"], in: folder)
            for (command, output) in [("transcode \(codec).mkv - --format mp4 > piped.mp4", "piped.mp4"),
                                      ("pipe --output-format mp4 < \(codec).mkv > piped.mp4", "piped.mp4"),
                                      ("transcode \(codec).mkv out.ismv -y", "out.ismv")] {
                let r = try Tool.shell("'\(Tool.clarity)' \(command) --progress none", in: folder)
                XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
                XCTAssertEqual(try Tool.probe(output, stream: "a", entries: "stream=codec_name", in: folder), [codec], command)
            }
        }
        // Video encoders such a muxer refuses are refused before anything is written, with a
        // container that holds them (QuickTime's AV1 had hung SVT-AV1 for ever).
        for (output, codec, holders) in [("out.mov", "libvpx-vp9", ".mp4 or .mkv"), ("out.mov", "libsvtav1", ".mp4 or .mkv"),
                                         ("out.flv", "mpeg4", ".mp4 or .mkv")] {
            let r = try Tool.run("/usr/bin/timeout", ["-s", "KILL", "60", Tool.clarity, "transcode", "two.mkv", output, "-y", "--codec", codec], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains("cannot hold \(codec) video: an \(holders) output holds it"), r.stderr)
        }
        // Matroska refuses RealVideo 1 and 2 once started ("does not yet support muxing rv20",
        // 73), and MP4's refusal of it named .mkv as a container that holds it.
        for output in ["out.mkv", "out.mp4"] {
            let r = try Tool.clarity(["transcode", "two.mkv", output, "-y", "--codec", "rv20"], in: folder)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.hasSuffix("container cannot hold rv20 video\n"), r.stderr)
        }
        // What muxers write where nothing reads it back, or refuse once started: VP9, FFV1 and
        // MJPEG in MPEG-PS (read back as MP3, or as nothing), QuickTime Animation in Matroska
        // (no bit depth) and AVI (untagged), ProRes in MXF (EPERM, 74), VP8 in QuickTime (73).
        for (output, codec) in [("out.mpg", "libvpx-vp9"), ("out.mpg", "ffv1"), ("out.mpg", "mjpeg"), ("out.mkv", "qtrle"), ("out.avi", "qtrle"),
                                ("out.mxf", "prores_ks"), ("out.mov", "libvpx")] {
            let r = try Tool.clarity(["transcode", "two.mkv", output, "-y", "--codec", codec], in: folder)
            XCTAssertEqual(r.status, 64, "\(codec) in \(output): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("container cannot hold \(codec) video"), r.stderr)
        }
        // G.726 in NUT was written without its bits per sample, and read back as nothing.
        let g726 = try Tool.clarity(["transcode", "two.mkv", "g726.nut", "-y", "--audio-codec", "g726"], in: folder)
        XCTAssertEqual(g726.status, 64, g726.stderr)
        XCTAssertTrue(g726.stderr.contains("the nut container cannot hold g726 audio"), g726.stderr)
        // Raw frames in QuickTime take a format it has a tag for (yuv420p went in untagged, and
        // was not read back: "Invalid pixel format").
        let raw = try Tool.clarity(["transcode", "two.mkv", "raw.mov", "-y", "--codec", "rawvideo", "--progress", "none"], in: folder)
        XCTAssertEqual(raw.status, 0, raw.stderr)
        XCTAssertEqual(try Tool.probe("raw.mov", stream: "v", entries: "stream=pix_fmt,nb_read_frames", in: folder, extra: ["-count_frames"]),
                       ["uyvy422,25"])
        // Lossless JPEG takes full-range YUV, as MJPEG does (it was given studio range: "Non
        // full-range YUV is non-standard", 64).
        let lossless = try Tool.clarity(["transcode", "two.mkv", "ljpeg.mkv", "-y", "--codec", "ljpeg", "--progress", "none"], in: folder)
        XCTAssertEqual(lossless.status, 0, lossless.stderr)
        XCTAssertEqual(try Tool.probe("ljpeg.mkv", stream: "v", entries: "stream=pix_fmt", in: folder), ["yuvj420p"])
    }

    /// SVT-AV1 (1.4) hangs when freed before the end of its stream, and on an end of stream
    /// before any frame: a run that stops before its first frame had hung for ever.
    func testAnAV1EncoderThatGotNoFrameIsClosed() throws {
        try makeClip(seconds: 0.2)
        try Tool.ffmpeg(["-i", "in.mp4", "-f", "yuv4mpegpipe", "in.y4m"], in: folder)
        let r = try Tool.shell("head -1 in.y4m | timeout -s KILL 60 '\(Tool.clarity)' transcode - out.mkv --codec libsvtav1", in: folder)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin gave no frame to write"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.mkv")))
    }

    func testJSONProgressReportsTheFinalCount() throws {
        try makeClip()
        // AVI's trailer goes back to mend its header: the count is the file's size all the same.
        for out in ["out.mkv", "out.avi"] {
            let r = try Tool.clarity(["transcode", "in.mp4", out, "--progress", "json"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
            XCTAssertEqual(json?["done"] as? Bool, true)
            XCTAssertEqual(json?["frames"] as? Int, 60)
            let size = try FileManager.default.attributesOfItem(atPath: path(out))[.size] as? Int
            XCTAssertEqual(json?["bytes"] as? Int, size, out)
        }
    }

    /// Ctrl-C, a hang-up (the terminal closed, an ssh session dropped) or SIGTERM finishes
    /// the container with the frames done, and says which stopped it (each was "Ctrl-C"); a
    /// hang-up left a hidden temporary file. The tool then ends by that signal (it exited
    /// with 130, which tells a shell that it took the signal and went on).
    func testInterruptFinishesTheContainer() throws {
        try makeClip("long.mp4", seconds: 20)
        for (signal, name, cause) in [(SIGINT, "cut", "Ctrl-C"), (SIGHUP, "hung-up", "SIGHUP"), (SIGTERM, "ended", "SIGTERM")] {
            let p = try ChildProcess([Tool.clarity, "transcode", "long.mp4", "\(name).mkv", "--scale", "3", "--encoder-preset", "medium",
                                      "--progress", "none", "--threads", "1"], directory: folder.path, stdout: .discard)
            // Interrupt once some frames are in the temporary file, however slow the machine.
            _ = waitForTemporaryFile(of: p, output: "\(name).mkv", bytes: 200_000)
            p.send(signal)
            let r = try p.wait()
            XCTAssertEqual(r.signal, signal, name)
            let frames = try Tool.probe("\(name).mkv", stream: "v", entries: "stream=nb_read_frames", in: folder, extra: ["-count_frames"])
            let n = Int(frames.first ?? "") ?? 0
            XCTAssertGreaterThan(n, 0, name)
            XCTAssertLessThan(n, 600, name)
            XCTAssertTrue(r.stderrText.contains("\(name).mkv holds the \(n) frames written before \(cause)"), r.stderrText)
        }
        XCTAssertEqual(files, ["cut.mkv", "ended.mkv", "hung-up.mkv", "long.mp4"])
    }

    /// Ctrl-C twice while a picture sequence is written: the pictures written so far go too.
    /// Each frame is slow (the deepest artifact-removal exit over 8 views), so the second
    /// Ctrl-C comes while the first is still finishing the frame in hand.
    func testSecondInterruptRemovesAPictureSequence() throws {
        try makeClip("long.mp4", seconds: 5)
        let p = try startWriting(["transcode", "long.mp4", "f%04d.png", "--deartifact", "max", "--deartifact-model", "rbqe-full",
                                  "--deartifact-ensemble", "8", "--progress", "none", "--threads", "1"])
        p.send(SIGINT)
        Thread.sleep(forTimeInterval: 0.3)  // two signals at once would arrive as one
        p.send(SIGINT)
        XCTAssertEqual(try p.wait().signal, SIGINT)
        XCTAssertEqual(files, ["long.mp4"])
    }

    /// Under `nohup` a hang-up (the terminal closed, an ssh session dropped) is ignored and the
    /// run goes on to its end: the tool's own handler had taken it, and stopped a run meant to
    /// outlive its terminal after its first frames.
    func testAHangUpThatNohupIgnoresLetsTheRunGoOn() throws {
        try makeClip("long.mp4", seconds: 5)
        let p = try startWriting(["transcode", "long.mp4", "out.mkv", "--scale", "3", "--progress", "none", "--threads", "1"],
                                 stderr: .capture, under: ["nohup"])
        p.send(SIGHUP)
        let r = try p.wait()
        XCTAssertEqual(r.status, 0, r.stderrText)
        XCTAssertEqual(try decodedFrames("out.mkv"), 150)
    }

    /// Ctrl-C in a shell loop of runs (the terminal sends it to the shell and the tool) stops
    /// the loop, the first output finished. An exit status of 130 told the shell that the tool
    /// took the Ctrl-C and went on, and the loop went on to the next file, one Ctrl-C each.
    func testCtrlCStopsAShellLoopOfRuns() throws {
        try makeClip("long.mp4", seconds: 20)
        // (Its own session, so that the signal goes to the shell and the tool as a terminal's.)
        let loop = try ChildProcess(["setsid", "bash", "-c", "for n in 1 2 3; do '\(Tool.clarity)' transcode long.mp4 out$n.mkv --scale 3 "
                                     + "--progress none --threads 1; done"], directory: folder.path, stdout: .discard)
        _ = waitForTemporaryFile(of: loop, output: "out1.mkv", bytes: 100_000)
        kill(-loop.pid, SIGINT)
        let r = try loop.wait()
        XCTAssertEqual(r.signal, SIGINT, r.stderrText)
        XCTAssertEqual(files, ["long.mp4", "out1.mkv"])
        XCTAssertGreaterThan(try decodedFrames("out1.mkv"), 0)
    }
}
