import Foundation

/// What each branch costs per tile and over a whole frame on this machine, what a frame
/// costs besides the branches (chroma, conversions), and what routing costs (the classifier):
/// measured, then kept current.
///
/// Every frame compares the time its model work took with what the model predicted and moves
/// all model costs by that ratio: at once when the work was slower (another process, thermal
/// limits), so the next frame is already planned cheaper; as an exponential average when
/// it was faster.
public final class BranchCostModel: @unchecked Sendable {
    public private(set) var secondsPerTile: [Double]
    /// Seconds of each branch run on the whole frame, in router order: [0] is the
    /// canvas (which a routed frame paints first), then each model without tiles (no window
    /// copies, no blending); empty when whole-frame runs were not measured, infinite for a
    /// model that may not run whole.
    public private(set) var wholeFrame: [Double]
    /// Seconds of the cheaper canvas a frame falls back to when the canvas does not fit the
    /// time it has left (bicubic under a Lanczos canvas); infinite when there is none.
    public private(set) var fallbackCanvas: Double
    /// Seconds a frame pays once when any tile leaves the canvas (the padded input, buffers).
    public private(set) var setup: Double
    /// Seconds of a frame's work outside the branches and the routing (chroma, for one).
    public private(set) var overhead: Double
    /// Seconds to score a frame's tiles for the router (the classifier, or tile detail).
    public private(set) var routing: Double
    /// Weight of the newest frame in the running averages.
    public let smoothing: Double
    private let lock = NSLock()

    /// The costs measured at start-up, which `relax` returns to.
    public let calibrated: [Double]
    private let calibratedWholeFrame: [Double]
    private let calibratedFallbackCanvas: Double
    private let calibratedSetup: Double
    private let calibratedOverhead: Double
    private let calibratedRouting: Double

    public init(secondsPerTile: [Double], wholeFrame: [Double] = [], fallbackCanvas: Double = .infinity, setup: Double = 0,
                overhead: Double = 0, routing: Double = 0, smoothing: Double = 0.3) {
        self.secondsPerTile = secondsPerTile
        self.wholeFrame = wholeFrame
        calibratedWholeFrame = wholeFrame
        self.fallbackCanvas = fallbackCanvas
        calibratedFallbackCanvas = fallbackCanvas
        self.setup = setup
        calibratedSetup = setup
        calibrated = secondsPerTile
        self.overhead = overhead
        calibratedOverhead = overhead
        self.routing = routing
        calibratedRouting = routing
        self.smoothing = smoothing
    }

    /// The start-up figures, as `CostCache` keeps them.
    public struct Figures: Codable, Equatable, Sendable {
        public var secondsPerTile: [Double]
        public var wholeFrame: [Double]
        public var fallbackCanvas: Double
        public var setup: Double
        public var overhead: Double
        public var routing: Double
    }

    public convenience init(_ f: Figures, smoothing: Double = 0.3) {
        self.init(secondsPerTile: f.secondsPerTile, wholeFrame: f.wholeFrame, fallbackCanvas: f.fallbackCanvas, setup: f.setup,
                  overhead: f.overhead, routing: f.routing, smoothing: smoothing)
    }

    /// The figures this model started from.
    public var startUp: Figures {
        Figures(secondsPerTile: calibrated, wholeFrame: calibratedWholeFrame, fallbackCanvas: calibratedFallbackCanvas,
                setup: calibratedSetup, overhead: calibratedOverhead, routing: calibratedRouting)
    }

    /// The frame's model work (its tiles with their set-up, or a whole-frame run) took
    /// `actual` seconds where `predicted` was expected.
    public func observe(predicted: Double, actual: Double) {
        guard predicted > 0, actual > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        // Slower than predicted: believed at once (a deadline is missed by hoping); faster:
        // believed gradually.
        let measured = actual / predicted
        let ratio = measured > 1 ? measured : 1 + smoothing * (measured - 1)
        secondsPerTile = secondsPerTile.map { $0 * ratio }
        wholeFrame = wholeFrame.indices.map { $0 == 0 ? wholeFrame[0] : wholeFrame[$0] * ratio }
        setup *= ratio
    }

    /// A frame spent `seconds` painting the canvas (or, with `fallback`, the fallback canvas).
    /// Both are one scaler's work at different filter lengths: they move together, by the
    /// running average of the observed one's ratio to its prediction.
    public func observe(canvas seconds: Double, fallback: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        guard !wholeFrame.isEmpty else { return }
        let predicted = fallback ? fallbackCanvas : wholeFrame[0]
        guard predicted > 0, predicted.isFinite else { return }
        let factor = 1 + smoothing * (seconds / predicted - 1)
        wholeFrame[0] *= factor
        fallbackCanvas *= factor
    }

    /// Whether a frame with no model work and `left` seconds should paint the fallback canvas
    /// ("finally bicubic"): there is one and the canvas would not fit, and either the fallback
    /// fits (a cheaper picture rather than a late one) or the stream is `behind` (most recent
    /// frames late: only cheaper frames catch up). A frame late whatever it paints, after one
    /// stall, keeps the better canvas.
    public func fallsBack(within left: Double, behind: Bool = false) -> Bool {
        let c = snapshot
        return c.fallbackCanvas.isFinite && (c.wholeFrame.first ?? 0) > left && (c.fallbackCanvas <= left || behind)
    }

    /// A frame that ran no branch learns nothing about them (nor about routing, when it was
    /// skipped): the costs drift 5% back toward the start-up figures, so one slow spell cannot
    /// keep the models out for good.
    public func relax() {
        lock.lock(); defer { lock.unlock() }
        secondsPerTile = zip(secondsPerTile, calibrated).map(StartUpTiming.drift)
        wholeFrame = zip(wholeFrame, calibratedWholeFrame).map { $0.isFinite ? StartUpTiming.drift($0, toward: $1) : $0 }
        if fallbackCanvas.isFinite { fallbackCanvas = StartUpTiming.drift(fallbackCanvas, toward: calibratedFallbackCanvas) }
        setup = StartUpTiming.drift(setup, toward: calibratedSetup)
        routing = StartUpTiming.drift(routing, toward: calibratedRouting)
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

    public var snapshot: (secondsPerTile: [Double], wholeFrame: [Double], fallbackCanvas: Double, setup: Double, overhead: Double,
                          routing: Double) {
        lock.lock(); defer { lock.unlock() }
        return (secondsPerTile, wholeFrame, fallbackCanvas, setup, overhead, routing)
    }

    /// The model branches (router indices, 1...) that fit a frame budget run on the whole
    /// frame, with `reserve` seconds kept for other work (the routing, to compare first), and
    /// taking at most `share` of the budget.
    public func wholeFrameFits(frame budget: Double, reserve: Double = 0, share: Double = 1) -> [Int] {
        let c = snapshot
        let limit = min(share * budget, budget - c.overhead - reserve)
        return c.wholeFrame.indices.dropFirst().filter { c.wholeFrame[$0] <= limit }
    }

    /// Seconds the tiles may take within a frame budget, once the frame's own work, the
    /// canvas and the routing are paid; nil when no tile could leave the canvas in what is left, or when
    /// what is left is less than the routing itself: deciding would take longer than the
    /// model tiles it could place (at 4K on 2 cores, 10 ms of classifier for one tile in 400).
    /// The frame then skips routing altogether.
    /// `routing` is what this frame's routing costs, when it scores only part of its tiles
    /// (default: the measured figure for all of them).
    public func tileBudget(frame budget: Double, routing: Double? = nil) -> Double? {
        let c = snapshot
        let routing = routing ?? c.routing
        let left = budget - c.overhead - (c.wholeFrame.first ?? 0) - routing - c.setup
        let cheapestUpgrade = c.secondsPerTile.dropFirst().map { $0 - c.secondsPerTile[0] }.min() ?? .infinity
        return left >= max(cheapestUpgrade, routing) ? left : nil
    }
}
