/// Start-up timings: a stall of the machine during one run would otherwise stay in the
/// figures (idle frames drift back toward them, and `CostCache` keeps them for later runs)
/// and keep the models out of the whole stream.
enum StartUpTiming {
    /// The fastest of `runs` runs of `body` (one figure per element of what it returns),
    /// after one untimed warm-up run that compiles and allocates.
    static func fastest(of runs: Int, _ body: () throws -> [Double]) rethrows -> [Double] {
        _ = try body()
        let timings = try (0..<runs).map { _ in try body() }
        return timings[0].indices.map { k in timings.map { $0[k] }.min()! }
    }

    /// A cost a frame that ran nothing learnt nothing about, moved 5% back toward its
    /// start-up figure: one slow spell must not keep a model out for good.
    static func drift(_ cost: Double, toward startUp: Double) -> Double {
        cost + 0.05 * (startUp - cost)
    }
}
