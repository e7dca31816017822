import Foundation

/// oneDNN's OpenMP workers spin after each parallel region by default. On a small machine the
/// pump's decode, conversion and writer threads then wait behind spinning workers: waiting
/// passively, a 720p -> 4K Bicubic++ transcode ran about 30% faster and live mode's late frames
/// went from 1-5 to 1-2 per 150 (2-core Xeon, docs/benchmarks.md). libgomp reads the policy
/// once, as it loads, before `main`: so the process sets it and restarts itself (same pid,
/// arguments and open files). A policy the user set is kept, and a command that will not run
/// the engine does not restart (`EngineUse`).
enum OpenMPWaitPolicy {
    static func passiveUnlessSet() {
        guard getenv("OMP_WAIT_POLICY") == nil else { return }
        setenv("OMP_WAIT_POLICY", "passive", 1)
        // The binary by its own path, so that ps and top still name the process `clarity`
        // (exec'd as /proc/self/exe it would be called `exe`); the link itself if that fails.
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if readlink("/proc/self/exe", &path, Int(PATH_MAX)) > 0 { execv(path, CommandLine.unsafeArgv) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if exec failed: carry on with the default policy.
    }
}

/// A command that can tell, once parsed, whether it will run the engine, whose OpenMP workers
/// the policy is for. One that will not (a re-encode, a classical resize) skips the restart,
/// which loads the tool's 230 libraries a second time: 0.1-0.3 s of every run on 2 cores.
/// What cannot be told before the input is read counts as running it.
protocol EngineUse {
    var runsEngine: Bool { get }
}

/// A command that enhances frames (transcode, pipe): it runs the engine when its options name
/// a model, a preset or artifact removal; a choice that cannot be told before the input is
/// read counts as running it.
protocol EnhancingCommand: EngineUse {
    var resize: ResizeOptions { get }
    var model: ModelOptions { get }
    var deartifact: DeartifactOptions { get }
}

extension EnhancingCommand {
    var runsEngine: Bool { (try? model.runsEngine(resize, input: nil, deartifacting: deartifact.isOn)) ?? true }
}
