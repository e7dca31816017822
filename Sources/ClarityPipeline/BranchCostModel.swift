import Foundation

/// What each branch costs per tile on this machine, and what a frame costs besides the
/// branches (decode-side conversions, the canvas, chroma): measured, then kept current.
///
/// Every frame compares the time its tiles took with what the model predicted and moves all
/// branch costs by that ratio (an exponential average): when the machine slows down (another
/// process, thermal limits) the predictions rise within a few frames and the router plans
/// cheaper frames.
public final class BranchCostModel: @unchecked Sendable {
    public private(set) var secondsPerTile: [Double]
    /// Seconds of a frame's work outside the branches.
    public private(set) var overhead: Double
    /// Weight of the newest frame in the running averages.
    public let smoothing: Double
    private let lock = NSLock()

    /// The costs measured at start-up, which `relax` returns to.
    public let calibrated: [Double]

    public init(secondsPerTile: [Double], overhead: Double = 0, smoothing: Double = 0.3) {
        self.secondsPerTile = secondsPerTile
        calibrated = secondsPerTile
        self.overhead = overhead
        self.smoothing = smoothing
    }

    /// The frame's tiles took `actual` seconds where `predicted` was expected.
    public func observe(predicted: Double, actual: Double) {
        guard predicted > 0, actual > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let ratio = 1 + smoothing * (actual / predicted - 1)
        secondsPerTile = secondsPerTile.map { $0 * ratio }
    }

    /// A frame that ran no branch learns nothing about them: the costs drift 5% back toward
    /// the start-up figures, so one slow spell cannot keep the models out for good.
    public func relax() {
        lock.lock(); defer { lock.unlock() }
        secondsPerTile = zip(secondsPerTile, calibrated).map { $0 + 0.05 * ($1 - $0) }
    }

    /// A frame spent `seconds` outside the branches.
    public func observe(overhead seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        overhead += smoothing * (seconds - overhead)
    }

    public var snapshot: (secondsPerTile: [Double], overhead: Double) {
        lock.lock(); defer { lock.unlock() }
        return (secondsPerTile, overhead)
    }
}
