import CFFmpeg

/// The instruction sets x264 may use. With its AVX-512 routines, x264's frame threads make
/// its output differ from run to run (a 2 s 320x180 clip on 2 Zen 4 cores: 5 different
/// files in 20 runs of Clarity), where with its AVX2 set it writes the same file every time,
/// at the same speed at 4K. Where FFmpeg sees AVX-512 (x264 tests the same CPU bits), x264 is
/// given its AVX2 set, unless the user names `asm` in `x264-params`.
enum X264Instructions {
    /// The `x264-params` entry to add, if any: x264's names, each taking those below it.
    static let parameter: (key: String, value: String)? =
        (av_get_cpu_flags() & AV_CPU_FLAG_AVX512) != 0 ? (key: "asm", value: "SSE2Fast,AVX2,Cache64") : nil
}
