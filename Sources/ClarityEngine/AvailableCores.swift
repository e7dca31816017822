import CKernels
import Foundation

/// The cores this process may use: those its CPU affinity allows (`taskset`, a container's
/// cpuset), or fewer where its cgroup's CPU quota allows less (`docker run --cpus 2`).
/// Foundation's `activeProcessorCount` counts the machine's, so on 2 cores of a 64-core host
/// every stage would start 64 threads to share them.
public enum AvailableCores {
    public static let count: Int = {
        let machine = ProcessInfo.processInfo.activeProcessorCount
        return max(1, min(machine, affinity ?? machine, quota ?? machine))
    }()

    /// "2 of the machine's 64 cores", for reports.
    public static var described: String {
        let machine = ProcessInfo.processInfo.activeProcessorCount
        return "\(count) of the machine's \(machine) core\(machine == 1 ? "" : "s")"
    }

    /// The CPUs the affinity mask allows.
    private static var affinity: Int? {
        let n = Int(clarity_affinity_cpus())
        return n > 0 ? n : nil
    }

    /// The cores the CPU quota of the process's cgroup amounts to, rounded up: cgroup v2's
    /// cpu.max ("200000 100000"; "max" is none), else v1's cfs_quota_us over cfs_period_us
    /// (-1 is none); nil without a quota.
    private static var quota: Int? {
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        func cores(_ quota: String?, _ period: String?) -> Int? {
            guard let q = quota.flatMap(Double.init), let p = period.flatMap(Double.init), q > 0, p > 0 else { return nil }
            return Int((q / p).rounded(.up))
        }
        // /proc/self/cgroup: "0::/path" (v2), "4:cpu,cpuacct:/path" (v1's CPU controller).
        let lines = read("/proc/self/cgroup")?.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false) } ?? []
        let v2 = lines.first { $0.count == 3 && $0[0] == "0" && $0[1].isEmpty }.map { String($0[2]) }
        if let v2, let fields = read("/sys/fs/cgroup\(v2)/cpu.max")?.split(separator: " ").map(String.init), fields.count == 2 {
            return cores(fields[0], fields[1])
        }
        let v1 = lines.first { $0.count == 3 && $0[1].split(separator: ",").contains("cpu") }.map { String($0[2]) } ?? ""
        let folder = "/sys/fs/cgroup/cpu" + (v1 == "/" ? "" : v1)
        return cores(read(folder + "/cpu.cfs_quota_us"), read(folder + "/cpu.cfs_period_us"))
    }
}
