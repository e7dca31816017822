import CFFmpeg

/// What a constant rate factor (`--crf`) becomes for each encoder, so that it chooses a
/// picture quality everywhere. Encoders without x264's CRF otherwise fall back on a bitrate
/// default made for small video: VP8's 256 kb/s, MPEG-2's 200 kb/s, Theora's and Xvid's
/// (docs/benchmarks.md: 24 to 37 dB on the bundled clip, where x264 gives 46 at CRF 18).
struct ConstantQuality {
    /// Options to open the encoder with.
    let options: [(key: String, value: String)]
    /// The quantizer to set on each frame, in lambda units, for encoders that read it there.
    let frameQuality: Int32?

    /// A quality scale of an encoder's own, linear in the CRF between two anchors: at CRF 18,
    /// the value that gives about x264's PSNR at CRF 18 on the bundled 720p clip; at CRF 51
    /// (x264's worst), the scale's worst useful end.
    private struct Scale {
        let at18: Double
        let at51: Double
        let range: ClosedRange<Double>

        func value(_ crf: Double) -> Double {
            min(range.upperBound, max(range.lowerBound, at18 + (crf - 18) * (at51 - at18) / 33))
        }
    }

    /// MPEG-1/2/4, H.263, MJPEG, Xvid: ffmpeg's -q:v, crf/6 (3 at CRF 18).
    private static let quantizer = Scale(at18: 3, at51: 8.5, range: 1...31)
    /// VP8's quantizer: its CRF only caps the quality of a bitrate (256 kb/s unless given).
    private static let vp8 = Scale(at18: 8, at51: 63, range: 0...63)
    /// Theora's -q:v, best at 10.
    private static let theora = Scale(at18: 9, at51: 0, range: 0...10)
    /// WebP's quality, best at 100; its worst is better than x264's CRF 30.
    private static let webp = Scale(at18: 80, at51: 0, range: 0...100)
    /// rav1e's quantizer index (AV1's, 0-255).
    private static let rav1e = Scale(at18: 44, at51: 255, range: 0...255)

    /// The setting for the encoder `name` at `crf`; nil for encoders that have no quality to
    /// choose (lossless, or a profile that fixes the rate, as ProRes and DNxHD).
    init?(crf: Double, encoder name: String, hasOption: (String) -> Bool) {
        switch name {
        case "libvpx":
            // A fixed quantizer under a target too high to bind.
            let q = String(Int(Self.vp8.value(crf).rounded()))
            self.init(options: [("qmin", q), ("qmax", q), ("b", "1000M")], frameQuality: nil)
        case "libtheora":
            self.init(options: Self.qscale(Int32((Self.theora.value(crf) * Double(FF_QP2LAMBDA)).rounded())), frameQuality: nil)
        case "libwebp", "libwebp_anim":
            self.init(options: [("quality", String(Self.webp.value(crf).rounded()))], frameQuality: nil)
        case "librav1e":
            self.init(options: [("qp", String(Int(Self.rav1e.value(crf).rounded())))], frameQuality: nil)
        case _ where hasOption("crf"):
            self.init(options: [("crf", String(crf))], frameQuality: nil)
        case "libxvid":
            fallthrough
        case _ where hasOption("mpv_flags"):
            // These read the quantizer from each frame, where ffmpeg sets it.
            let quality = Int32(Self.quantizer.value(crf).rounded()) * FF_QP2LAMBDA
            self.init(options: Self.qscale(quality), frameQuality: quality)
        default:
            return nil
        }
    }

    private init(options: [(key: String, value: String)], frameQuality: Int32?) {
        self.options = options
        self.frameQuality = frameQuality
    }

    private static func qscale(_ quality: Int32) -> [(key: String, value: String)] {
        [("flags", "+qscale"), ("global_quality", String(quality))]
    }
}
