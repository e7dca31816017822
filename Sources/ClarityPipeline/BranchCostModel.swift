import Foundation

/// What each branch costs per tile on this machine, what a frame costs besides the branches
/// (conversions, the canvas, chroma), and what routing costs (the classifier): measured,
/// then kept current.
///
/// Every frame compares the time its tiles took with what the model predicted and moves all
/// branch costs by that ratio: at once when the tiles were slower (another process, thermal
/// limits), so the next frame is already planned cheaper; as an exponential average when
/// they were faster.
public final class BranchCostModel: @unchecked Sendable {
    public private(set) var secondsPerTile: [Double]
    /// Seconds a frame pays once when any tile leaves the canvas (the padded input, buffers).
    public private(set) var setup: Double
    /// Seconds of a frame's work outside the branches and the routing.
    public private(set) var overhead: Double
    /// Seconds to score a frame's tiles for the router (the classifier, or tile detail).
    public private(set) var routing: Double
    /// Weight of the newest frame in the running averages.
    public let smoothing: Double
    private let lock = NSLock()

    /// The costs measured at start-up, which `relax` returns to.
    public let calibrated: [Double]
    private let calibratedSetup: Double
    private let calibratedRouting: Double

    public init(secondsPerTile: [Double], setup: Double = 0, overhead: Double = 0, routing: Double = 0,
                smoothing: Double = 0.3) {
        self.secondsPerTile = secondsPerTile
        self.setup = setup
        calibratedSetup = setup
        calibrated = secondsPerTile
        self.overhead = overhead
        self.routing = routing
        calibratedRouting = routing
        self.smoothing = smoothing
    }

    /// The frame's tiles took `actual` seconds where `predicted` (set-up included) was expected.
    public func observe(predicted: Double, actual: Double) {
        guard predicted > 0, actual > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        // Slower than predicted: believed at once (a deadline is missed by hoping); faster:
        // believed gradually.
        let measured = actual / predicted
        let ratio = measured > 1 ? measured : 1 + smoothing * (measured - 1)
        secondsPerTile = secondsPerTile.map { $0 * ratio }
        setup *= ratio
    }

    /// A frame that ran no branch learns nothing about them (nor about routing, when it was
    /// skipped): the costs drift 5% back toward the start-up figures, so one slow spell cannot
    /// keep the models out for good.
    public func relax() {
        lock.lock(); defer { lock.unlock() }
        secondsPerTile = zip(secondsPerTile, calibrated).map { $0 + 0.05 * ($1 - $0) }
        setup += 0.05 * (calibratedSetup - setup)
        routing += 0.05 * (calibratedRouting - routing)
    }

    /// A frame spent `seconds` outside the branches.
    public func observe(overhead seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        overhead += smoothing * (seconds - overhead)
    }

    /// A frame spent `seconds` scoring its tiles.
    public func observe(routing seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        routing += smoothing * (seconds - routing)
    }

    public var snapshot: (secondsPerTile: [Double], setup: Double, overhead: Double, routing: Double) {
        lock.lock(); defer { lock.unlock() }
        return (secondsPerTile, setup, overhead, routing)
    }

    /// Seconds the tiles may take within a frame budget, once the frame's own work and the
    /// routing are paid; nil when no tile could leave the canvas in what is left, or when
    /// what is left is less than the routing itself: deciding would take longer than the
    /// model tiles it could place (at 4K on 2 cores, 10 ms of classifier for one tile in 400).
    /// The frame then skips routing altogether.
    public func tileBudget(frame budget: Double) -> Double? {
        let c = snapshot
        let left = budget - c.overhead - c.routing - c.setup
        let cheapestUpgrade = c.secondsPerTile.dropFirst().map { $0 - c.secondsPerTile[0] }.min() ?? .infinity
        return left >= max(cheapestUpgrade, c.routing) ? left : nil
    }
}
