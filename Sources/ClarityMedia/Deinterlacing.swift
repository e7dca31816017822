import CFFmpeg

/// What the reader does with interlaced video: the models see whole frames, and two fields
/// caught 1/50 s apart show as combs on every moving edge, which upscaling makes larger.
public enum Deinterlacing: String, CaseIterable, Sendable {
    /// Deinterlace the frames flagged interlaced when the stream says it is interlaced.
    case auto
    /// Deinterlace every frame (a source interlaced but not flagged so).
    case on
    /// One frame per field: 25i becomes 50p, the motion of the fields kept.
    case double
    /// Inverse telecine: film transferred to 29.97i with 3:2 pulldown (NTSC DVDs, broadcasts)
    /// back to its 23.976 progressive frames, fields matched into whole frames and the
    /// repeated one of each five dropped; frames that match nothing are deinterlaced.
    case film
    /// Frames as decoded.
    case off

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether video at `rate` may carry film by 3:2 pulldown (29.97 or 30 fps), which `film`
    /// undoes; at other rates decimation would drop real frames.
    public static func mayCarryPulldown(_ rate: AVRational) -> Bool { (29.9...30.01).contains(av_q2d(rate)) }

    /// Frames out per frame in.
    public var rateChange: AVRational {
        switch self {
        case .double: AVRational(num: 2, den: 1)
        case .film: AVRational(num: 4, den: 5)
        case .auto, .on, .off: AVRational(num: 1, den: 1)
        }
    }
}
