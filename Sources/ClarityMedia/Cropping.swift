import CFFmpeg

/// The part of the picture to keep, in the stored picture's pixels.
public struct CropRect: Equatable, Sendable, CustomStringConvertible {
    public var width: Int, height: Int, x: Int, y: Int

    public init(width: Int, height: Int, x: Int, y: Int) {
        (self.width, self.height, self.x, self.y) = (width, height, x, y)
    }

    public var description: String { "\(width)x\(height) from (\(x), \(y))" }

    /// Keeps only this part of `frame`, in place and without copying: its planes start
    /// further in and it reports the smaller size.
    func apply(to frame: VideoFrame) throws {
        let f = frame.avFrame
        f.pointee.crop_left = x
        f.pointee.crop_top = y
        f.pointee.crop_right = Int(f.pointee.width) - x - width
        f.pointee.crop_bottom = Int(f.pointee.height) - y - height
        let r = av_frame_apply_cropping(f, Int32(AV_FRAME_CROP_UNALIGNED))
        guard r >= 0 else { throw MediaError.ffmpeg(r, "cannot crop a \(frame.width)x\(frame.height) frame to \(self)", kind: .invalidArgument) }
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

    /// The rectangle of a `.size` request inside a picture of `format`, checked: inside it, and
    /// on whole chroma samples (even sizes and offsets for 4:2:0).
    func rect(in format: VideoFormat) throws -> CropRect {
        guard case .size(let w, let h, let x, let y) = self else { preconditionFailure("only a given size is placed here") }
        let (sx, sy) = (1 << format.chromaShift.x, 1 << format.chromaShift.y)
        let rect = CropRect(width: w, height: h, x: x ?? (format.width - w) / 2 / sx * sx, y: y ?? (format.height - h) / 2 / sy * sy)
        guard w > 0, h > 0, rect.x >= 0, rect.y >= 0, rect.x + w <= format.width, rect.y + h <= format.height else {
            throw MediaError(.invalidArgument, "--crop \(rect) does not fit inside the \(format.width)x\(format.height) picture")
        }
        guard w % sx == 0, h % sy == 0, rect.x % sx == 0, rect.y % sy == 0 else {
            throw MediaError(.invalidArgument, "--crop \(rect): \(format.pixelFormatName) needs sizes and offsets in multiples of "
                             + "\(sx) across and \(sy) down (whole chroma samples)")
        }
        return rect
    }
}
