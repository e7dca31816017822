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

    static let help = ArgumentHelp(
        "Model arithmetic: auto (bf16 where the CPU has native bf16, else fp32), fp32, bf16 (runs as fp32 without AVX-512 bf16) or int8.")
}
