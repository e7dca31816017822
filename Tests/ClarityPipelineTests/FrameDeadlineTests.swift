import Foundation
import XCTest
import ClarityPipeline

final class FrameDeadlineTests: XCTestCase {
    /// A frame decoded after it was due starts its clock when it was due: the decode's delay
    /// is latency, not hidden before the release.
    func testLateDecodeCountsAgainstTheDeadline() {
        let deadline = FrameDeadline(seconds: 0.100)
        deadline.release(at: 0)        // frame 0 sets the origin
        deadline.written()
        Thread.sleep(forTimeInterval: 0.300)  // frame 1, due 10 ms after frame 0, decodes 290 ms late
        deadline.release(at: 0.010)
        deadline.written()
        let report = deadline.report
        XCTAssertEqual(report.frames, 2)
        XCTAssertEqual(report.late, 1)
        XCTAssertGreaterThanOrEqual(report.max, 0.285)
    }

    /// The writer's time a frame is reported apart: when it alone fills the deadline, no
    /// routing can help.
    func testTheWritersTimeIsAveraged() {
        let deadline = FrameDeadline(seconds: 1, paced: false)
        for writing in [0.010, 0.030] {
            deadline.release(at: nil)
            deadline.written(after: writing)
        }
        XCTAssertEqual(deadline.report.meanWriting, 0.020, accuracy: 1e-12)
    }

    /// The writer is why frames fall behind where it alone takes about a frame interval, or
    /// half of one while frames were late; not where it takes little, late or not.
    func testTheWriterIsNamedWhereItHoldsFramesBack() {
        func report(writing: Double, late: Bool) -> LatencyReport {
            let deadline = FrameDeadline(seconds: late ? 0.0005 : 10, paced: false)
            for _ in 0..<4 {
                deadline.release(at: nil)
                if late { Thread.sleep(forTimeInterval: 0.002) }
                deadline.written(after: writing)
            }
            return deadline.report
        }
        let frame = 1.0 / 30
        XCTAssertTrue(report(writing: 0.031, late: false).writerHoldsFramesBack(frameTime: frame))
        XCTAssertFalse(report(writing: 0.024, late: false).writerHoldsFramesBack(frameTime: frame))
        XCTAssertTrue(report(writing: 0.024, late: true).writerHoldsFramesBack(frameTime: frame))
        XCTAssertFalse(report(writing: 0.010, late: true).writerHoldsFramesBack(frameTime: frame))
    }

    /// A frame decoded early waits for its time; its clock starts then, so it is on time.
    func testEarlyFrameWaitsAndIsOnTime() {
        let deadline = FrameDeadline(seconds: 1)
        deadline.release(at: 0)
        deadline.written()
        let start = DispatchTime.now().uptimeNanoseconds
        deadline.release(at: 0.030)
        XCTAssertGreaterThanOrEqual(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 0.025)
        deadline.written()
        XCTAssertEqual(deadline.report.late, 0)
    }

    /// Unpaced input (a pipe) starts the clock on arrival, whatever the timestamp says.
    func testUnpacedClockStartsOnArrival() {
        let deadline = FrameDeadline(seconds: 1, paced: false)
        deadline.release(at: 0)
        deadline.written()
        deadline.release(at: 5)
        Thread.sleep(forTimeInterval: 0.030)
        deadline.written()
        XCTAssertEqual(deadline.report.late, 0)
        XCTAssertGreaterThanOrEqual(deadline.report.max, 0.029)
        XCTAssertLessThan(deadline.report.max, 1)
    }

    /// The tail runs from the stage's hand-over to the write; it is the 90th percentile of the
    /// last 30 frames, so one slow write is forgotten once 30 frames have passed it.
    func testTailIsTheRecentStageToWrittenTime() {
        let deadline = FrameDeadline(seconds: 1, paced: false)
        XCTAssertEqual(deadline.tail, 0)
        func frame(tail: Double) {
            let due = deadline.release(at: nil)
            Thread.sleep(forTimeInterval: 0.005)  // the stage's time: not part of the tail
            deadline.stageFinished(due: due)
            Thread.sleep(forTimeInterval: tail)
            deadline.written()
        }
        frame(tail: 0.060)
        XCTAssertGreaterThanOrEqual(deadline.tail, 0.059)
        XCTAssertLessThan(deadline.tail, 0.064 + 0.050)
        for _ in 0..<30 { frame(tail: 0) }
        XCTAssertLessThan(deadline.tail, 0.010)
    }
}
