import ClarityEngine
import ClarityPipeline
import XCTest

/// The router plans within the budget its cost model gives, upgrades the tiles that gain
/// most per second first, and degrades when the measured costs rise.
final class TileRouterTests: XCTestCase {
    func testWithoutADeadlineEveryTileTakesItsBestBranch() {
        let gains: [[Double]] = [[0, 0.2, 0.5], [0, 0.3, 0.1], [0, 0, 0]]
        XCTAssertEqual(TileRouter.assign(gains: gains, costs: [0, 1, 5], budget: nil), [2, 1, 0])
    }

    func testThePlanNeverExceedsTheBudget() {
        var rng = SeededRandom(seed: 8)
        for _ in 0..<200 {
            let tiles = 1 + Int(rng.next() % 40)
            let costs = [0.0, Double(rng.uniform(0.1, 1)), Double(rng.uniform(1, 3)), Double(rng.uniform(3, 6))]
            let gains = (0..<tiles).map { _ in [0.0] + (1...3).map { Double(rng.uniform(0, 1)) * Double($0) } }
            let budget = Double(rng.uniform(0, 1)) * Double(tiles) * 4
            let plan = TileRouter.assign(gains: gains, costs: costs, budget: budget)
            XCTAssertLessThanOrEqual(TileRouter.cost(of: plan, costs: costs), budget + 1e-9)
            // An unlimited budget reaches the no-deadline plan.
            XCTAssertEqual(TileRouter.assign(gains: gains, costs: costs, budget: 1e9),
                           TileRouter.assign(gains: gains, costs: costs, budget: nil))
        }
    }

    func testTheMostDetailedTilesAreUpgradedFirst() {
        // One upgrade fits: it goes to the tile that gains most.
        let gains: [[Double]] = [[0, 0.1], [0, 0.9], [0, 0.4]]
        XCTAssertEqual(TileRouter.assign(gains: gains, costs: [0, 1], budget: 1.5), [0, 1, 0])
        XCTAssertEqual(TileRouter.assign(gains: gains, costs: [0, 1], budget: 0), [0, 0, 0])
    }

    /// A budget jittering by less than the margin moves the plan's edge once, then not at
    /// all; without the hold the edge tile switches on every frame.
    func testAHeldPlanRidesOutTheBudgetsJitter() {
        let gains = (0..<10).map { t in [0, 1 - 0.05 * Double(t)] }
        let budgets = [4.2, 3.5, 4.6, 3.8, 4.4, 3.6, 4.5, 3.9]
        func plans(margin: Double) -> [[Int]] {
            var held: [Int]? = nil
            return budgets.map { budget in
                let plan = TileRouter.assign(gains: gains, costs: [0, 1], budget: budget, held: held, margin: margin)
                XCTAssertLessThanOrEqual(TileRouter.cost(of: plan, costs: [0, 1]), budget)
                held = plan
                return plan
            }
        }
        func changes(_ plans: [[Int]]) -> Int { zip(plans, plans.dropFirst()).map { a, b in zip(a, b).filter { $0 != $1 }.count }.reduce(0, +) }
        let free = plans(margin: 0), held = plans(margin: 0.3)
        XCTAssertEqual(free.map { $0.reduce(0, +) }, [4, 3, 4, 3, 4, 3, 4, 3])
        XCTAssertEqual(changes(free), 7)
        // The first frame joins 4 tiles; 3.5 keeps 3 of them, and no later budget has room
        // for a fourth within 70% of it (at most 3.22), nor too little for the three held.
        XCTAssertEqual(held.map { $0.reduce(0, +) }, [4, 3, 3, 3, 3, 3, 3, 3])
        XCTAssertEqual(changes(held), 1)
        XCTAssertEqual(held[1], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], "the tiles that gain most stay")
        // A plan for another grid holds nothing.
        XCTAssertEqual(TileRouter.assign(gains: gains, costs: [0, 1], budget: 4.2, held: [1], margin: 0.3), free[0])
    }

    func testASlowerMachineGetsCheaperPlansThatStillFit() {
        let costs = BranchCostModel(secondsPerTile: [0, 0.001, 0.004], smoothing: 0.5)
        let gains = (0..<60).map { t in [0, 0.3 * Double(t % 7), 1.0 * Double(t % 7)] }
        let budget = 0.1
        let before = TileRouter.assign(gains: gains, costs: costs.snapshot.secondsPerTile, budget: budget)
        // The tiles keep taking three times longer than predicted (a loaded or throttled CPU).
        for _ in 0..<6 {
            let predicted = TileRouter.cost(of: before, costs: costs.snapshot.secondsPerTile)
            costs.observe(predicted: predicted, actual: 3 * predicted)
        }
        let slowCosts = costs.snapshot.secondsPerTile
        let after = TileRouter.assign(gains: gains, costs: slowCosts, budget: budget)
        XCTAssertLessThanOrEqual(TileRouter.cost(of: after, costs: slowCosts), budget)
        XCTAssertLessThan(after.filter { $0 == 2 }.count, before.filter { $0 == 2 }.count, "fewer expensive tiles")
        XCTAssertGreaterThan(slowCosts[2], 0.004 * 2.5)
    }

    func testASlowFrameIsBelievedAtOnceAFastOneGradually() {
        let costs = BranchCostModel(secondsPerTile: [0, 0.002], setup: 0.001, smoothing: 0.3)
        costs.observe(predicted: 0.01, actual: 0.03)
        XCTAssertEqual(costs.snapshot.secondsPerTile[1], 0.006, accuracy: 1e-12)
        XCTAssertEqual(costs.snapshot.setup, 0.003, accuracy: 1e-12)
        costs.observe(predicted: 0.03, actual: 0.015)
        XCTAssertEqual(costs.snapshot.secondsPerTile[1], 0.006 * 0.85, accuracy: 1e-12)
    }

    func testWholeFrameRunsFitTheBudgetLeftAfterTheFramesOwnWork() {
        // Canvas 4 ms, then three models on the whole frame: 10, 25 and never (freed).
        let costs = BranchCostModel(secondsPerTile: [0, 0.001, 0.002, 0.003], wholeFrame: [0.004, 0.010, 0.025, .infinity],
                                    overhead: 0.002, routing: 0.005)
        XCTAssertEqual(costs.wholeFrameFits(frame: 0.030), [1, 2])
        XCTAssertEqual(costs.wholeFrameFits(frame: 0.030, reserve: 0.005), [1])
        XCTAssertEqual(costs.wholeFrameFits(frame: 0.011), [])
        XCTAssertEqual(costs.wholeFrameFits(frame: 0.033, share: 1.0 / 3), [1])  // 10 ms fits in 11, 25 does not
        // The canvas counts against the tiles, not against whole-frame runs.
        XCTAssertEqual(costs.tileBudget(frame: 0.030)!, 0.019, accuracy: 1e-12)
        // Slower model work moves the whole-frame costs too; the canvas keeps its own measure.
        costs.observe(predicted: 0.010, actual: 0.020)
        XCTAssertEqual(costs.snapshot.wholeFrame[1], 0.020, accuracy: 1e-12)
        XCTAssertEqual(costs.snapshot.wholeFrame[0], 0.004, accuracy: 1e-12)
        XCTAssertEqual(costs.wholeFrameFits(frame: 0.030), [1])
        costs.relax()
        XCTAssertEqual(costs.snapshot.wholeFrame[1], 0.0195, accuracy: 1e-12)
        XCTAssertEqual(costs.snapshot.wholeFrame[3], .infinity)
    }

    /// "Finally bicubic": a frame whose canvas would not fit what it has left paints the
    /// cheaper fallback when that saves it, or when the stream is behind; the two canvases'
    /// costs move together, whichever ran.
    func testTheFallbackCanvasTakesAFrameTheCanvasDoesNotFit() {
        let costs = BranchCostModel(secondsPerTile: [0, 0.001], wholeFrame: [0.004, 0.010], fallbackCanvas: 0.002, smoothing: 0.3)
        XCTAssertFalse(costs.fallsBack(within: 0.005))
        XCTAssertTrue(costs.fallsBack(within: 0.003))
        XCTAssertFalse(costs.fallsBack(within: 0.001), "late either way (one stall): the better picture")
        XCTAssertTrue(costs.fallsBack(within: -0.001, behind: true), "the stream cannot keep pace: only cheaper frames catch up")
        // The fallback ran twice as slow as predicted: both canvases are believed 30% slower.
        costs.observe(canvas: 0.004, fallback: true)
        XCTAssertEqual(costs.snapshot.wholeFrame[0], 0.0052, accuracy: 1e-12)
        XCTAssertEqual(costs.snapshot.fallbackCanvas, 0.0026, accuracy: 1e-12)
        XCTAssertTrue(costs.fallsBack(within: 0.005))
        // The canvas ran at its start-up speed: both move back by the same share.
        costs.observe(canvas: 0.004)
        XCTAssertEqual(costs.snapshot.fallbackCanvas, 0.0026 * (1 + 0.3 * (0.004 / 0.0052 - 1)), accuracy: 1e-12)
        XCTAssertEqual(costs.snapshot.wholeFrame[1], 0.010, "the models keep their own measure")
        // No fallback (the canvas is bicubic already): never.
        let bicubic = BranchCostModel(secondsPerTile: [0, 0.001], wholeFrame: [0.004, 0.010])
        XCTAssertFalse(bicubic.fallsBack(within: 0))
        bicubic.observe(canvas: 0.008)
        XCTAssertEqual(bicubic.snapshot.wholeFrame[0], 0.0052, accuracy: 1e-12)
    }

    func testNoRoutingWhenNotEvenOneTileFits() {
        // 20 ms frame budget: 12 ms of canvas and chroma, 3 ms of routing, 1 ms of set-up.
        let costs = BranchCostModel(secondsPerTile: [0, 0.005, 0.003], setup: 0.001, overhead: 0.012, routing: 0.003)
        XCTAssertEqual(costs.tileBudget(frame: 0.020)!, 0.004, accuracy: 1e-12)  // one 3 ms tile fits
        XCTAssertNil(costs.tileBudget(frame: 0.018))  // 2 ms left: none does
        // 10 ms of routing to place 3 ms of tiles: not worth deciding.
        let slowRouting = BranchCostModel(secondsPerTile: [0, 0.001], setup: 0, overhead: 0.004, routing: 0.010)
        XCTAssertNil(slowRouting.tileBudget(frame: 0.017))
        XCTAssertEqual(slowRouting.tileBudget(frame: 0.030)!, 0.016, accuracy: 1e-12)
        // Scoring a third of the tiles costs a third of the routing: worth it, and 9.67 ms left.
        XCTAssertEqual(slowRouting.tileBudget(frame: 0.017, routing: 0.010 / 3)!, 0.013 - 0.010 / 3, accuracy: 1e-12)
    }
}
