import CFFmpeg
import ClarityMedia
import XCTest

/// The clock of MPEG-TS and MPEG-PS inputs, mended where it jumps, as ffmpeg mends it.
final class TimestampStitcherTests: XCTestCase {
    /// 90 kHz, MPEG-TS's clock.
    let tick = AVRational(num: 1, den: 90_000)
    var stitcher = TimestampStitcher()

    /// A packet of `stream` at `seconds` (dts = pts), `duration` long, through the stitcher:
    /// where it lands, and whether it is in step.
    func mend(stream: Int32, at seconds: Double, duration: Double, tellsJumps: Bool = true) -> (time: Double, inStep: Bool) {
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()!
        defer { av_packet_free(&packet) }
        let p = packet!
        p.pointee.stream_index = stream
        p.pointee.pts = Int64((seconds * 90_000).rounded())
        p.pointee.dts = p.pointee.pts
        p.pointee.duration = Int64((duration * 90_000).rounded())
        let inStep = stitcher.mend(p, timeBase: tick, tellsJumps: tellsJumps)
        XCTAssertEqual(p.pointee.pts, p.pointee.dts, "pts and dts move together")
        return (Double(p.pointee.pts) / 90_000, inStep)
    }

    /// Two recordings joined: the second starts where the first left off, audio beside
    /// video in step, and the one audio packet the first already covers is marked.
    func testABackwardJumpContinuesEveryStreamWhereItWas() {
        var video: [Double] = [], audio: [(time: Double, inStep: Bool)] = []
        for part in 0..<2 {
            for i in 0..<25 {
                video.append(mend(stream: 0, at: 3600 + Double(i) * 0.04, duration: 0.04).time)
                audio.append(mend(stream: 1, at: 3600.01 + Double(i) * 0.0427, duration: 0.0427))
            }
            XCTAssertEqual(stitcher.jumps, part)
        }
        XCTAssertEqual(video[25], 3601, accuracy: 1e-4, "the second part's first frame follows the first's last")
        XCTAssertEqual(zip(video, video.dropFirst()).filter { $0 >= $1 }.count, 0)
        // The clock moved by video's jump; audio's first packet after it lands before the
        // first part's last one: marked, to be dropped.
        let kept = audio.filter(\.inStep).map(\.time)
        XCTAssertEqual(zip(kept, kept.dropFirst()).filter { $0 >= $1 }.count, 0, "audio stays in order")
        XCTAssertEqual(audio.count - kept.count, 1)
        XCTAssertFalse(audio[25].inStep)
        XCTAssertEqual(kept.last ?? 0, video.last ?? 0, accuracy: 0.1, "audio ends with the pictures")
    }

    /// A multiplex carries one stream's tail after another's seam: the first recording's last
    /// sound comes after the second's first pictures. The tail keeps its clock and the sound
    /// takes the moved one at its own seam: one jump, no gap. (Moved with the pictures, the
    /// tail made the sound's seam a second jump, and every seam of joined recordings a gap as
    /// long as the jump.)
    func testAStreamsTailAfterAnothersSeamKeepsItsClock() {
        var video: [Double] = [], audio: [(time: Double, inStep: Bool)] = []
        let picture = { (i: Int) in 3600 + Double(i) * 0.04 }, sound = { (i: Int) in 3600.01 + Double(i) * 0.0427 }
        for i in 0..<25 {
            video.append(mend(stream: 0, at: picture(i), duration: 0.04).time)
            if i < 20 { audio.append(mend(stream: 1, at: sound(i), duration: 0.0427)) }
        }
        for i in 0..<5 { video.append(mend(stream: 0, at: picture(i), duration: 0.04).time) }
        for i in 20..<25 { audio.append(mend(stream: 1, at: sound(i), duration: 0.0427)) }
        for i in 0..<25 {
            audio.append(mend(stream: 1, at: sound(i), duration: 0.0427))
            if i + 5 < 25 { video.append(mend(stream: 0, at: picture(i + 5), duration: 0.04).time) }
        }
        XCTAssertEqual(stitcher.jumps, 1)
        XCTAssertEqual(video[25], 3601, accuracy: 1e-4)
        XCTAssertEqual(zip(video, video.dropFirst()).filter { $0 >= $1 }.count, 0)
        for i in 20..<25 { XCTAssertEqual(audio[i].time, sound(i), accuracy: 1e-4, "the first recording's tail where it was") }
        let kept = audio.filter(\.inStep).map(\.time)
        XCTAssertEqual(zip(kept, kept.dropFirst()).filter { $0 >= $1 }.count, 0, "audio stays in order")
        XCTAssertEqual(zip(kept, kept.dropFirst()).map { $1 - $0 }.max() ?? 1, 0.0427, accuracy: 0.02, "no gap at the seam")
        XCTAssertEqual(kept.last ?? 0, video.last ?? 0, accuracy: 0.1, "audio ends with the pictures")
    }

    /// A jump forward beyond 10 s is closed up; a gap below it (a dropped second) is kept.
    func testForwardJumpsOverTenSecondsAreClosed() {
        _ = mend(stream: 0, at: 10, duration: 0.04)
        XCTAssertEqual(mend(stream: 0, at: 11, duration: 0.04).time, 11, accuracy: 1e-4)
        XCTAssertEqual(stitcher.jumps, 0)
        XCTAssertEqual(mend(stream: 0, at: 500, duration: 0.04).time, 11.04, accuracy: 1e-4)
        XCTAssertEqual(stitcher.jumps, 1)
        XCTAssertEqual(mend(stream: 0, at: 500.04, duration: 0.04).time, 11.08, accuracy: 1e-4)
    }

    /// Video that pauses for 15 s while the sound goes on has a gap of its own, no jump of
    /// the clock: it was closed up, which threw the sound back and made the clock swing.
    /// Where both stop and resume 15 s on, that is a jump.
    func testAGapInOneStreamIsNoJump() {
        for i in 0..<25 { _ = mend(stream: 0, at: Double(i) * 0.04, duration: 0.04); _ = mend(stream: 1, at: Double(i) * 0.04, duration: 0.04) }
        for i in 25..<400 { XCTAssertEqual(mend(stream: 1, at: Double(i) * 0.04, duration: 0.04).time, Double(i) * 0.04, accuracy: 1e-4) }
        XCTAssertEqual(mend(stream: 0, at: 16, duration: 0.04).time, 16, accuracy: 1e-4)
        XCTAssertEqual(mend(stream: 1, at: 16, duration: 0.04).time, 16, accuracy: 1e-4)
        XCTAssertEqual(stitcher.jumps, 0)
        XCTAssertEqual(mend(stream: 0, at: 31, duration: 0.04).time, 16.04, accuracy: 1e-4)
        XCTAssertEqual(mend(stream: 1, at: 31, duration: 0.04).time, 16.04, accuracy: 1e-4)
        XCTAssertEqual(stitcher.jumps, 1)
    }

    /// Subtitles are quiet for long spells: a 30 s gap between two of them is no jump, and
    /// they move with the clock the pictures set.
    func testASparseStreamTellsNoJump() {
        _ = mend(stream: 0, at: 0, duration: 0.04)
        _ = mend(stream: 2, at: 0.5, duration: 2, tellsJumps: false)
        for i in 1..<1000 { _ = mend(stream: 0, at: Double(i) * 0.04, duration: 0.04) }
        XCTAssertEqual(mend(stream: 2, at: 35, duration: 2, tellsJumps: false).time, 35, accuracy: 1e-4)
        XCTAssertEqual(stitcher.jumps, 0)
        // Pictures jump back by 40 s: the next subtitle moves with them.
        _ = mend(stream: 0, at: 0, duration: 0.04)
        XCTAssertEqual(stitcher.jumps, 1)
        XCTAssertEqual(mend(stream: 2, at: 1, duration: 2, tellsJumps: false).time, 41, accuracy: 1e-4)
    }
}
