import CFFmpeg
import Foundation

/// Graphics made for SDR (subtitles stored as pictures, whose palettes are taken as SDR
/// colours) laid over HDR video: BT.2408 puts their white at the graphics white, 203 cd/m2,
/// rather than at the top of PQ's or HLG's range, which would blind.
enum HDRGraphicsWhite {
    /// The colour in the output's terms (non-linear, 0...1) of an SDR BT.709 colour; nil
    /// where the output is SDR and takes it as it is.
    static func mapping(into colour: ColourProperties) -> ((SIMD3<Float>) -> SIMD3<Float>)? {
        guard colour.isHDR else { return nil }
        let wide = colour.primaries == AVCOL_PRI_BT2020
        let pq = colour.transfer == AVCOL_TRC_SMPTE2084
        return { sdr in
            // BT.1886's display light, 1 at SDR white, in the output's primaries.
            var light = SIMD3(powf(sdr.x, 2.4), powf(sdr.y, 2.4), powf(sdr.z, 2.4))
            if wide {
                light = SIMD3(0.6274 * light.x + 0.3293 * light.y + 0.0433 * light.z,
                              0.0691 * light.x + 0.9195 * light.y + 0.0114 * light.z,
                              0.0164 * light.x + 0.0880 * light.y + 0.9556 * light.z)
            }
            let nits = light * Float(ToneMapper.referenceWhite)
            return pq ? SIMD3(perceptualQuantizer(nits.x), perceptualQuantizer(nits.y), perceptualQuantizer(nits.z))
                      : SIMD3(hybridLogGamma(nits.x), hybridLogGamma(nits.y), hybridLogGamma(nits.z))
        }
    }

    /// SMPTE ST 2084's signal for `nits`.
    private static func perceptualQuantizer(_ nits: Float) -> Float {
        let (m1, m2, c1, c2, c3): (Float, Float, Float, Float, Float) = (0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875)
        let y = powf(max(0, nits) / 10000, m1)
        return powf((c1 + c2 * y) / (1 + c3 * y), m2)
    }

    /// BT.2100 HLG's signal for `nits` on its nominal 1000 cd/m2 display (the display's
    /// gamma 1.2 undone per component): graphics white at 75%.
    private static func hybridLogGamma(_ nits: Float) -> Float {
        let scene = powf(max(0, nits) / 1000, 1 / 1.2)
        let (a, b, c): (Float, Float, Float) = (0.17883277, 0.28466892, 0.55991073)
        return scene <= 1.0 / 12 ? sqrtf(3 * scene) : a * logf(12 * scene - b) + c
    }
}
