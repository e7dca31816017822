import CFFmpeg

/// The classical resampling filters of swscale, by the names ffmpeg's `scale` filter uses.
public enum ScaleFilter: String, CaseIterable, Sendable {
    case neighbor, fastBilinear = "fast_bilinear", bilinear, bicubic, area, gauss, sinc, lanczos, spline

    /// Every filter's name, for help texts and errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    var swsFlag: Int32 {
        switch self {
        case .neighbor: return SWS_POINT
        case .fastBilinear: return SWS_FAST_BILINEAR
        case .bilinear: return SWS_BILINEAR
        case .bicubic: return SWS_BICUBIC
        case .area: return SWS_AREA
        case .gauss: return SWS_GAUSS
        case .sinc: return SWS_SINC
        case .lanczos: return SWS_LANCZOS
        case .spline: return SWS_SPLINE
        }
    }
}
