import ArgumentParser
import ClarityEngine

/// `--precision` of the commands that run models for the user: a precision, or `auto`, which
/// picks bf16 where the CPU runs it natively (AVX512-BF16 or AMX: within 0.002 dB of fp32 on
/// the test split, twice as fast for Bicubic++) and fp32 elsewhere.
enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, fp32, bf16, int8

    var resolved: Precision {
        Precision(rawValue: rawValue) ?? (Engine.hasNativeBF16 ? .bf16 : .fp32)
    }

    /// The precision as `model` runs it here, for summaries: bf16 asked of a CPU that has no
    /// bf16 convolutions (AVX2) runs as fp32, and says so rather than "bf16".
    func described(running model: Model) -> String {
        let asked = resolved, side = 8 * model.graph.align
        let runs = (try? model.planInfo(batch: 1, height: side, width: side, precision: asked).effectivePrecision) ?? asked
        return runs == asked ? asked.rawValue : "\(runs.rawValue): this CPU has no \(asked.rawValue) convolutions"
    }

    static let help = ArgumentHelp(
        "Model arithmetic: auto (bf16 where the CPU has native bf16, else fp32), fp32, bf16 (runs as fp32 without AVX-512 bf16) or int8.")
}
