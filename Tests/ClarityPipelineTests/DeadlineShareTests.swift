import Foundation
import XCTest
import ClarityPipeline

final class DeadlineShareTests: XCTestCase {
    /// Frames written well within their time raise the share a step per frame, after the
    /// settling frames and up to the range's top; none written, nothing moves.
    func testRoomGrowsTheShareUpToItsTop() {
        let share = DeadlineShare(frameTime: 0.040, range: 0.35...0.8)
        var latencies: [Double] = []
        for frame in 1...9 {
            latencies.append(0.010)
            XCTAssertEqual(share.update(frames: frame, recent: latencies), 0.35, "frame \(frame) is still settling")
        }
        latencies.append(0.010)
        XCTAssertEqual(share.update(frames: 10, recent: latencies), 0.36, accuracy: 1e-12)
        XCTAssertEqual(share.update(frames: 10, recent: latencies), 0.36, accuracy: 1e-12, "no frame written since")
        // Three frames written at once count three steps.
        latencies += [0.010, 0.010, 0.010]
        XCTAssertEqual(share.update(frames: 13, recent: Array(latencies.suffix(30))), 0.39, accuracy: 1e-12)
        for frame in 14...200 {
            latencies.append(0.010)
            share.update(frames: frame, recent: Array(latencies.suffix(30)))
        }
        XCTAssertEqual(share.value, 0.8, accuracy: 1e-12)
        XCTAssertEqual(share.largestBudget, 0.032, accuracy: 1e-12)
    }

    /// A frame written after 85% of its time takes the share down 0.05 at once, to no less
    /// than the range's bottom; and while it is among the recent frames (its latency over 70%
    /// of the frame time), the share holds rather than growing back.
    func testAFrameNearItsTimeTakesTheShareDownAndHoldsIt() {
        let share = DeadlineShare(frameTime: 0.040, range: 0.4...0.8)
        var latencies = [Double](repeating: 0.010, count: 20)
        XCTAssertEqual(share.update(frames: 20, recent: latencies), 0.51, accuracy: 1e-12, "the tenth to the twentieth frame")
        latencies.append(0.035)  // 87.5% of 40 ms
        XCTAssertEqual(share.update(frames: 21, recent: latencies), 0.46, accuracy: 1e-12)
        for frame in 22...50 {  // the slow frame is among the last 30 until frame 50
            latencies.append(0.010)
            XCTAssertEqual(share.update(frames: frame, recent: Array(latencies.suffix(30))), 0.46, accuracy: 1e-12, "frame \(frame)")
        }
        latencies.append(0.010)
        XCTAssertEqual(share.update(frames: 51, recent: Array(latencies.suffix(30))), 0.47, accuracy: 1e-12)
        // Frame after frame near its time: down to the bottom and no further.
        for frame in 52...60 {  // 0.47 - 9 x 0.05 < 0.4
            latencies.append(0.039)
            share.update(frames: frame, recent: Array(latencies.suffix(30)))
        }
        XCTAssertEqual(share.value, 0.4, accuracy: 1e-12)
        // Between 70% and 85% of the frame time: held where it is.
        latencies += [Double](repeating: 0.030, count: 30)
        XCTAssertEqual(share.update(frames: 90, recent: Array(latencies.suffix(30))), 0.4, accuracy: 1e-12)
        XCTAssertTrue(share.summary.contains("0.40-0.51 (of 0.40-0.80: up while"), share.summary)
    }

    /// The share follows what a live clock measures: frames written, and dropped ones, which
    /// were late.
    func testTheShareReadsTheClocksLatencies() {
        let clock = FrameDeadline(seconds: 0.050, dropLate: true, paced: false)
        let share = DeadlineShare(frameTime: 0.050, range: 0.2...0.8, start: 0.2)
        for _ in 0..<12 {
            clock.release(at: nil)
            clock.written()
        }
        // Twelve frames well within their time, read at once: the three from the tenth on count.
        XCTAssertEqual(share.budget(after: clock), 0.050 * 0.23, accuracy: 1e-9)
        clock.release(at: nil)
        Thread.sleep(forTimeInterval: 0.060)
        XCTAssertFalse(clock.admit())
        XCTAssertEqual(share.budget(after: clock), 0.050 * 0.2, accuracy: 1e-9)
        XCTAssertEqual(clock.recentLatencies.frames, 13)
    }

    /// By default the share starts at 0.35, what was safe as a fixed share, and where frames
    /// keep coming near their time for work outside the stage (a slow writer, subtitles drawn
    /// every frame) it falls below that, to 0.1 and no further.
    func testWorkOutsideTheStageTakesTheShareBelowItsStart() {
        let share = DeadlineShare(frameTime: 0.040)
        XCTAssertEqual(share.value, 0.35)
        var latencies: [Double] = []
        for frame in 1...10 {
            latencies.append(0.036)  // 90% of 40 ms
            share.update(frames: frame, recent: latencies)
        }
        XCTAssertEqual(share.value, 0.1, accuracy: 1e-12)
        XCTAssertTrue(share.summary.contains("0.10-0.35 (of 0.10-0.80"), share.summary)
    }
}
