import Foundation

/// Live timing for a pump: frames are released at the pace of their timestamps (as a camera
/// or a broadcast would deliver them), and each frame's latency, from its release to its
/// write, is held against the deadline.
public final class FrameDeadline: @unchecked Sendable {
    /// Seconds a frame may take from release to written.
    public let seconds: Double
    /// Drop a frame that is already late when it reaches the writer (else it is written late).
    public let dropLate: Bool
    /// Release frames at their timestamps' pace (false for pipes, which deliver at their own):
    /// set by the run from what its input turned out to be, before the first frame.
    public var paced: Bool

    private let lock = NSLock()
    private var released: [UInt64] = []      // release times of frames in flight, oldest first
    private var stageEnds: [UInt64: UInt64] = [:]  // release time -> when the stage handed it on
    private var recentTails: [Double] = []   // the last frames' stage-to-written seconds
    private var origin: (wall: UInt64, pts: Double)?
    private var latencies: [Double] = []
    private var late = 0
    private var dropped = 0
    /// Seconds the writer spent on the frames written.
    private var writingTime = 0.0

    public init(seconds: Double, dropLate: Bool = false, paced: Bool = true) {
        self.seconds = seconds
        self.dropLate = dropLate
        self.paced = paced
    }

    private var nanoseconds: UInt64 { UInt64(seconds * 1e9) }

    /// Called by the reader with a decoded frame's time in seconds: waits until the frame is
    /// released (due to start). Its clock starts then, not when it was decoded: a decode that
    /// falls behind the stream's pace counts against the deadline. Returns when the frame
    /// must be written (`VideoFrame.due`).
    @discardableResult
    public func release(at time: Double?) -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        var start = now
        if paced, let time {
            lock.lock()
            if origin == nil { origin = (now, time) }
            let due = origin!.wall &+ UInt64(max(0, (time - origin!.pts) * 1e9))
            lock.unlock()
            if due > now { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
            start = due
        }
        lock.lock()
        released.append(start)
        lock.unlock()
        return start &+ nanoseconds
    }

    /// Called when the stage hands on the frame due at `due`: from here to its write is the
    /// frame's tail, which `tail` learns.
    public func stageFinished(due: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        stageEnds[due &- nanoseconds] = now
    }

    /// Seconds a frame has recently needed from its stage's end to written (the queue to the
    /// writer and the write; the 90th percentile of the last 30 frames): the part of a
    /// frame's time a stage must leave.
    public var tail: Double {
        lock.lock(); defer { lock.unlock() }
        let sorted = recentTails.sorted()
        return sorted.isEmpty ? 0 : sorted[Int((0.9 * Double(sorted.count)).rounded(.up)) - 1]
    }

    /// Called by the writer for the oldest frame in flight, before writing it: false when it
    /// is already late and late frames are dropped (the frame is then done with).
    public func admit() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        guard dropLate, let first = released.first, Double(now - first) / 1e9 > seconds else { return true }
        released.removeFirst()
        stageEnds[first] = nil
        latencies.append(Double(now - first) / 1e9)
        late += 1
        dropped += 1
        return false
    }

    /// Frames done with so far (written or dropped), and the latencies of the last 30 of them,
    /// oldest first.
    public var recentLatencies: (frames: Int, latencies: [Double]) {
        lock.lock(); defer { lock.unlock() }
        return (latencies.count, Array(latencies.suffix(30)))
    }

    /// The share of the last 30 frames that were late (before 30 are written, the missing
    /// ones count as on time): near 1 when the stream cannot keep pace, not after one stall,
    /// even at the start.
    public var recentLateShare: Double {
        lock.lock(); defer { lock.unlock() }
        return Double(latencies.suffix(30).filter { $0 > seconds }.count) / 30
    }

    /// Called by the writer once the oldest frame in flight is written, `writing` seconds
    /// after it started to (the encoder's share): its latency ends here.
    public func written(after writing: Double = 0) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        guard !released.isEmpty else { return }
        writingTime += writing
        let start = released.removeFirst()
        let latency = Double(now - start) / 1e9
        latencies.append(latency)
        if let end = stageEnds.removeValue(forKey: start) {
            recentTails.append(Double(now - end) / 1e9)
            if recentTails.count > 30 { recentTails.removeFirst() }
        }
        if latency > seconds { late += 1 }
    }

    /// Latency so far: percentiles, worst case, frames over the deadline.
    public var report: LatencyReport {
        lock.lock(); defer { lock.unlock() }
        return LatencyReport(latencies: latencies, deadline: seconds, late: late, dropped: dropped,
                             meanWriting: latencies.isEmpty ? 0 : writingTime / Double(latencies.count))
    }
}

/// What a live run's latencies were.
public struct LatencyReport: Sendable, Codable {
    public var frames: Int
    public var deadline: Double
    public var p50: Double
    public var p99: Double
    public var max: Double
    public var late: Int
    public var dropped: Int
    /// Frames per 5 ms bucket of latency (bucket i holds [5i, 5i+5) ms; the last takes the rest).
    public var histogram: [Int]
    /// The writer's mean time a frame (encoding, muxing): over the deadline, frames fall
    /// behind whatever the enhancer does.
    public var meanWriting: Double

    init(latencies: [Double], deadline: Double, late: Int, dropped: Int, meanWriting: Double) {
        self.meanWriting = meanWriting
        let sorted = latencies.sorted()
        func quantile(_ q: Double) -> Double {  // nearest rank
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[Swift.min(sorted.count, Swift.max(1, rank)) - 1]
        }
        frames = sorted.count
        self.deadline = deadline
        p50 = quantile(0.5)
        p99 = quantile(0.99)
        max = sorted.last ?? 0
        self.late = late
        self.dropped = dropped
        var buckets = [Int](repeating: 0, count: 21)
        for l in sorted { buckets[Swift.min(20, Int(l * 1000 / 5))] += 1 }
        histogram = buckets
    }

    public var onTime: Double { frames > 0 ? Double(frames - late) / Double(frames) : 1 }

    /// Whether the writer is why frames fall behind at `frameTime` a frame: it alone takes about
    /// a frame interval, or half of one while a tenth of the frames or more were late (on a few
    /// cores the encoder's threads take the time the rest of a frame's work needs: 4K x264 on 2
    /// cores, 17-24 ms of 33, left a third of the frames on time with the upscaling at its least).
    public func writerHoldsFramesBack(frameTime: Double) -> Bool {
        meanWriting > 0.9 * frameTime || (meanWriting > 0.5 * frameTime && onTime < 0.9)
    }
}
