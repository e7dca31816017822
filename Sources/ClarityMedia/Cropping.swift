import CFFmpeg

/// The part of the picture to keep: in the stored picture's pixels, or where the picture is shown
/// (`shown(in:)`, `stored(in:)` turn it between the two).
public struct CropRect: Equatable, Sendable, CustomStringConvertible {
    public var width: Int, height: Int, x: Int, y: Int

    public init(width: Int, height: Int, x: Int, y: Int) {
        (self.width, self.height, self.x, self.y) = (width, height, x, y)
    }

    /// In ffmpeg's crop syntax, as `--crop` takes it.
    public var description: String { "\(width):\(height):\(x):\(y)" }

    /// This rectangle of a `format` picture as stored, where the picture is shown (turned by
    /// its display matrix, as players and ffmpeg's autorotate show it).
    func shown(in format: VideoFormat) -> CropRect {
        turned(quarters: format.displayQuarterTurns, width: format.width, height: format.height)
    }

    /// The stored picture's rectangle for this one of a `format` picture as it is shown.
    public func stored(in format: VideoFormat) -> CropRect {
        let sideways = format.isShownSideways
        return turned(quarters: 4 - format.displayQuarterTurns,
                      width: sideways ? format.height : format.width, height: sideways ? format.width : format.height)
    }

    /// Where this rectangle of a `width` x `height` picture lands when the picture is turned
    /// `quarters` quarter turns counterclockwise.
    private func turned(quarters: Int, width: Int, height: Int) -> CropRect {
        var (r, w) = (self, width)
        for _ in 0..<(quarters % 4) {
            r = CropRect(width: r.height, height: r.width, x: r.y, y: w - r.x - r.width)
            w = w == width ? height : width
        }
        return r
    }
}

/// What `--crop` asks for: a rectangle in ffmpeg's crop syntax (`W:H[:X:Y]`, centred unless
/// placed), or `auto`: the black bars of a letterboxed or pillarboxed picture, found on frames
/// across the file.
public enum Cropping: Equatable, Sendable {
    case none
    case size(width: Int, height: Int, x: Int?, y: Int?)
    case auto

    /// nil when `text` is neither `auto` nor `W:H` or `W:H:X:Y` in whole pixels.
    public init?(_ text: String) {
        if text == "auto" { self = .auto; return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2 || parts.count == 4, parts.allSatisfy({ $0 != nil }) else { return nil }
        self = .size(width: parts[0]!, height: parts[1]!, x: parts.count == 4 ? parts[2] : nil, y: parts.count == 4 ? parts[3] : nil)
    }

    /// The stored picture's rectangle for a `.size` request, which is given as the picture is
    /// shown (a phone's portrait clip upright, as ffmpeg's crop after its autorotate), checked:
    /// inside the picture, and on whole chroma samples (even sizes and offsets for 4:2:0).
    func rect(in format: VideoFormat) throws -> CropRect {
        guard case .size(let w, let h, let x, let y) = self else { preconditionFailure("only a given size is placed here") }
        let sideways = format.isShownSideways
        let (width, height) = sideways ? (format.height, format.width) : (format.width, format.height)
        let (cx, cy) = (1 << format.chromaShift.x, 1 << format.chromaShift.y)
        let (sx, sy) = sideways ? (cy, cx) : (cx, cy)
        let rect = CropRect(width: w, height: h, x: x ?? (width - w) / 2 / sx * sx, y: y ?? (height - h) / 2 / sy * sy)
        guard w > 0, h > 0, rect.x >= 0, rect.y >= 0, rect.x + w <= width, rect.y + h <= height else {
            throw MediaError(.invalidArgument, "--crop \(rect) does not fit inside the \(width)x\(height) picture"
                             + (sideways ? " (as it is shown, turned by its display matrix)" : ""))
        }
        guard w % sx == 0, h % sy == 0, rect.x % sx == 0, rect.y % sy == 0 else {
            throw MediaError(.invalidArgument, "--crop \(rect): \(format.pixelFormatName) needs sizes and offsets in multiples of "
                             + "\(sx) across and \(sy) down (whole chroma samples)")
        }
        return rect.stored(in: format)
    }
}
