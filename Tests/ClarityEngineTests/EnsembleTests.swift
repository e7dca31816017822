import ClarityEngine
import XCTest

/// Self-ensembles: each view turns back exactly, and a tiled early-exit run of N views gives
/// at every exit the mean of N whole-frame runs on the turned planes.
final class EnsembleTests: XCTestCase {
    func testEveryViewTurnsBack() {
        let (w, h) = (6, 6)
        let x = (0..<(w * h)).map(Float.init)
        let views = EnsembleView.first(8)
        XCTAssertEqual(views.count, 8)
        var turnedWays: Set<[Float]> = []
        for v in views {
            var turned = [Float](repeating: 0, count: w * h), back = [Float](repeating: 0, count: w * h)
            v.apply(x, width: w, height: h, into: &turned)
            v.addUndone(turned, width: w, height: h, onto: &back)
            XCTAssertEqual(back, x, "\(v)")
            turnedWays.insert(turned)
        }
        XCTAssertEqual(turnedWays.count, 8, "the eight views are eight different pictures")
        // A flip of a non-square window turns back too.
        let rect = (0..<(4 * 6)).map(Float.init)
        var t = [Float](repeating: 0, count: 24), b = [Float](repeating: 0, count: 24)
        EnsembleView.first(4)[3].apply(rect, width: 4, height: 6, into: &t)
        EnsembleView.first(4)[3].addUndone(t, width: 4, height: 6, onto: &b)
        XCTAssertEqual(b, rect)
        XCTAssertEqual(t.first, 23)
    }

    func testTiledEnsembleIsTheMeanOfTurnedWholeFrameRuns() throws {
        let model = try RandomModels.rbqe(channels: 8, levels: 3, seed: 11)
        let n = 64
        let x = RandomModels.input(n: 1, h: n, w: n, seed: 12).data
        for count in [2, 8] {
            let views = EnsembleView.first(count)
            var want = [[Float]](repeating: [Float](repeating: 0, count: n * n), count: 2)
            for v in views {
                var turned = [Float](repeating: 0, count: n * n)
                v.apply(x, width: n, height: n, into: &turned)
                let outs = try model.run(Tensor(n: 1, h: n, w: n, c: 1, data: turned))
                for k in 0..<2 { v.addUndone(outs[k].data, width: n, height: n, onto: &want[k]) }
            }
            for k in 0..<2 {
                let (got, exits) = try Tiler(tile: 0).runEarlyExit(Plane(width: n, height: n, data: x), model: model,
                                                                   ensemble: count) { _, exit, _ in exit == k }
                XCTAssertEqual(exits, [k])
                let worst = zip(got.data, want[k]).map { abs($0 - $1 / Float(count)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "\(count) views, exit \(k)")
            }
        }
        XCTAssertThrowsError(try Tiler(tile: 0).runEarlyExit(Plane(width: n, height: n, data: x), model: model, ensemble: 3) { _, _, _ in true })
    }
}
