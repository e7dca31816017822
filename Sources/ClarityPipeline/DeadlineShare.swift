import Foundation

/// The share of a live frame's time the upscaling stage may plan for, moved by what the
/// frames' latencies leave: it grows while the last 30 frames (a second at 30 fps) were all
/// written well within the frame time, and falls back at once when one comes near it.
///
/// A fixed share has to be safe on the unsteadiest machine: 0.35 of 33 ms left frames of
/// 720p to 4K written after 13 ms (p50; 18 ms at worst) with 95% of the tiles on the canvas,
/// where a larger share bought model tiles on time (`docs/benchmarks.md`); so the share
/// starts there. Decode, encode, burnt subtitles and stalls are outside the stage's own
/// timing; the latency the clock measures takes them all, and where they leave less than
/// 0.35 (subtitles redrawn every frame at 4K), the share falls further, down to the canvas.
public final class DeadlineShare: @unchecked Sendable {
    /// Seconds a frame has: the deadline, or the frame interval where that is shorter.
    public let frameTime: Double
    /// The shares it may take.
    public let range: ClosedRange<Double>
    /// Where the share starts: what was safe as a fixed share.
    public static let start = 0.35
    /// Below this share of the frame time, the worst of the recent frames leaves room to grow.
    public static let roomBelow = 0.7
    /// A frame written after this share of the frame time takes the share down at once.
    public static let nearAbove = 0.85
    /// Growth per frame written (0.01: from 0.35 to 0.6 in under a second at 30 fps) and the
    /// fall per frame near its deadline.
    public static let step = (up: 0.01, down: 0.05)
    /// Frames the clock must have written before the share grows: the first frames carry
    /// start-up costs and say little.
    public static let settling = 10

    private let lock = NSLock()
    private var current: Double
    private var seen = 0
    private var summed = 0.0, updates = 0
    private var lowest: Double, highest: Double

    /// - Parameters: `start`, within `range` (default `DeadlineShare.start`).
    public init(frameTime: Double, range: ClosedRange<Double> = 0.1...0.8, start: Double = DeadlineShare.start) {
        self.frameTime = frameTime
        self.range = range
        current = min(max(start, range.lowerBound), range.upperBound)
        lowest = current
        highest = current
    }

    /// The share now.
    public var value: Double { lock.withLock { current } }

    /// The most a frame may plan for: what start-up timing prepares.
    public var largestBudget: Double { frameTime * range.upperBound }

    /// Moves the share by the frames done since the last call: `frames` in all, the latencies
    /// of the most recent in `recent` (oldest first, seconds). Returns the share to plan with.
    @discardableResult
    public func update(frames: Int, recent: [Double]) -> Double {
        lock.withLock {
            let new = min(max(0, frames - seen), recent.count)
            seen = frames
            if new > 0, recent.suffix(new).contains(where: { $0 > Self.nearAbove * frameTime }) {
                current = max(range.lowerBound, current - Self.step.down)
            } else if let worst = recent.max(), worst < Self.roomBelow * frameTime {
                let settled = min(new, frames - Self.settling + 1)
                if settled > 0 { current = min(range.upperBound, current + Self.step.up * Double(settled)) }
            }
            lowest = min(lowest, current)
            highest = max(highest, current)
            summed += current
            updates += 1
            return current
        }
    }

    /// The seconds the next frame's stage may plan for, after what `clock` has written.
    public func budget(after clock: FrameDeadline) -> Double {
        let (frames, recent) = clock.recentLatencies
        return frameTime * update(frames: frames, recent: recent)
    }

    /// What the share was over the run, for the summary.
    public var summary: String {
        lock.withLock {
            String(format: "stage share: %.2f on average, %.2f-%.2f (of %.2f-%.2f: up while the last 30 frames were all written within %.0f%% of the frame time)",
                   updates > 0 ? summed / Double(updates) : current, lowest, highest, range.lowerBound, range.upperBound, Self.roomBelow * 100)
        }
    }
}
