import Foundation

/// How steady the machine's CPU is: one thread repeats a fixed unit of arithmetic (about 5 ms)
/// with pauses between, like a frame's work at 30 fps, and records each unit's wall time and
/// the thread's own CPU time. A unit that takes several times the median while its CPU time
/// grows just as much ran on a slowed or withheld CPU (a virtual machine's host taking the
/// core back, a busy hyperthread sibling), not behind another thread of this machine: time
/// no scheduling inside the process can win back. `clarity bench live` prints it beside its
/// deadline runs so that a late frame can be told from a slow machine.
struct CPUJitterProbe {
    struct Result {
        var units: Int
        var median: Double, p99: Double, max: Double
        /// The slowest unit's CPU time over its wall time (1 = it was never descheduled).
        var cpuShareOfSlowest: Double
        var overTwiceMedian: Int

        var summary: String {
            String(format: "fixed %.1f ms work units: p99 %.1f ms, max %.1f ms (%.0f%% of it on the CPU); %d of %d over twice the median",
                   median * 1000, p99 * 1000, max * 1000, cpuShareOfSlowest * 100, overTwiceMedian, units)
        }
    }

    var units = 200
    var pause = 0.020

    func run() -> Result {
        var iterations = 200_000
        while true {  // size the unit to about 5 ms on this machine
            let t = measure(iterations).wall
            if t >= 0.004 { break }
            iterations = Int(Double(iterations) * min(8, 0.005 / max(t, 1e-5)))
        }
        var samples: [(wall: Double, cpu: Double)] = []
        for _ in 0..<units {
            samples.append(measure(iterations))
            Thread.sleep(forTimeInterval: pause)
        }
        let walls = samples.map(\.wall).sorted()
        let slowest = samples.max { $0.wall < $1.wall }!
        let median = walls[walls.count / 2]
        return Result(units: units, median: median, p99: walls[min(walls.count - 1, walls.count * 99 / 100)],
                      max: slowest.wall, cpuShareOfSlowest: slowest.cpu / slowest.wall,
                      overTwiceMedian: walls.filter { $0 > 2 * median }.count)
    }

    private func measure(_ iterations: Int) -> (wall: Double, cpu: Double) {
        func clock(_ id: clockid_t) -> Double {
            var t = timespec()
            clock_gettime(id, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let w0 = clock(CLOCK_MONOTONIC), c0 = clock(CLOCK_THREAD_CPUTIME_ID)
        var x = 1.0
        for _ in 0..<iterations { x = x * 1.000_000_1 + 1e-9 }  // a dependency chain: no shortcuts
        CPUJitterProbe.sink = x
        return (clock(CLOCK_MONOTONIC) - w0, clock(CLOCK_THREAD_CPUTIME_ID) - c0)
    }

    nonisolated(unsafe) private static var sink = 0.0
}
