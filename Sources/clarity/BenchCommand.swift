import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and quality against baselines, in one run.",
        discussion: "Machines are shared and noisy: every figure comes with a baseline measured in the same run.",
        subcommands: [BenchSpeed.self, BenchEngine.self, BenchQuality.self, BenchDeartifact.self, BenchLive.self])
}
