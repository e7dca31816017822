/// The output size a user asks for: a factor of the input's, or an exact size.
public enum ResizeTarget: Equatable, Sendable {
    case factor(Double)
    case size(width: Int, height: Int)

    /// Output dimensions for an input, rounded to whole chroma samples
    /// (`multiple` is 2 for 4:2:0 output, 1 for 4:4:4).
    public func dimensions(forWidth width: Int, height: Int, multiple: (x: Int, y: Int) = (1, 1)) -> (width: Int, height: Int) {
        switch self {
        case .size(let w, let h):
            return (w, h)
        case .factor(let k):
            func fit(_ v: Int, _ m: Int) -> Int { max(m, Int((Double(v) * k / Double(m)).rounded()) * m) }
            return (fit(width, multiple.x), fit(height, multiple.y))
        }
    }
}
