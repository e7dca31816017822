/// How HDR highlights above SDR's white are brought into range (libavfilter's tonemap).
public enum ToneCurve: String, CaseIterable, Sendable {
    /// Levels below half of white stay as they are; above, a smooth roll-off up to the peak.
    case mobius
    /// Filmic (John Hable's): keeps the most highlight detail, darkens the rest.
    case hable
    /// Reinhard's: compresses every level a little, highlights most.
    case reinhard
    /// Everything above white is white, as an SDR screen cuts it.
    case clip

    /// The tonemap filter's options for this curve.
    var filterOptions: String {
        switch self {
        case .mobius: return "tonemap=mobius:param=0.5"
        case .hable, .reinhard, .clip: return "tonemap=\(rawValue)"
        }
    }

    /// What the curve does to highlights, for the line that reports it.
    public var effect: String {
        switch self {
        case .mobius: return "roll off above half of white"
        case .hable: return "roll off along Hable's filmic curve"
        case .reinhard: return "roll off along Reinhard's curve"
        case .clip: return "are clipped at white"
        }
    }
}
