import CFFmpeg

/// What a decoder's exported quantizer counts: each codec has its own scale, and a VP9
/// q-index of 120 is not an H.264 QP of 120.
public enum QuantizerScale: String, Sendable {
    case h264
    case vp9
    case mpeg2

    init?(_ type: AVVideoEncParamsType) {
        switch type {
        case AV_VIDEO_ENC_PARAMS_H264: self = .h264
        case AV_VIDEO_ENC_PARAMS_VP9: self = .vp9
        case AV_VIDEO_ENC_PARAMS_MPEG2: self = .mpeg2
        default: return nil
        }
    }

    /// The scale in words, with its range.
    public var description: String {
        switch self {
        case .h264: return "H.264 QP, 0-51"
        case .vp9: return "VP9 q-index, 0-255"
        case .mpeg2: return "MPEG-2 quantiser scale, 1-112"
        }
    }
}
