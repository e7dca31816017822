import ClarityMedia

/// The output size a user asks for: a factor of the input's, or a size.
public enum ResizeTarget: Equatable, Sendable {
    case factor(Double)
    /// A size; a nil side follows from the other, keeping the input's aspect (ffmpeg's
    /// `scale=3840:-2`).
    case size(width: Int?, height: Int?)
    /// The picture's shorter side as shown, the other following from the aspect: what "4K"
    /// and "1080p" mean, for a landscape film (3840x2160) and a phone's portrait clip
    /// (2160x3840) alike.
    case shorterSide(Int)

    /// The target in `format`'s stored pixels, for a size given as the picture is shown: its
    /// sides swap for a video shown turned a quarter (a phone's portrait clip).
    public func inStoredPixels(of format: VideoFormat) -> ResizeTarget {
        guard format.isShownSideways, case .size(let w, let h) = self else { return self }
        return .size(width: h, height: w)
    }

    /// Output dimensions for an input; what is computed is rounded to whole chroma samples
    /// (`multiple` is 2 for 4:2:0 output, 1 for 4:4:4). A side that follows from the other
    /// keeps the picture's shape as shown, its pixels' aspect `sampleAspect` included (an
    /// anamorphic 1440x1080 broadcast at 3840x-1 is 3840x2160, of square pixels).
    public func dimensions(forWidth width: Int, height: Int, multiple: (x: Int, y: Int) = (1, 1),
                           sampleAspect: Double = 1) -> (width: Int, height: Int) {
        func fit(_ v: Double, _ m: Int) -> Int { max(m, Int((v / Double(m)).rounded()) * m) }
        let shown = Double(width) * sampleAspect
        switch self {
        case .size(let w?, let h?):
            return (w, h)
        case .size(let w?, nil):
            return (w, fit(Double(height * w) / shown, multiple.y))
        case .size(nil, let h?):
            return (fit(shown * Double(h) / Double(height), multiple.x), h)
        case .size(nil, nil):
            return (width, height)
        case .factor(let k):
            return (fit(Double(width) * k, multiple.x), fit(Double(height) * k, multiple.y))
        case .shorterSide(let side):
            let follow: ResizeTarget = shown >= Double(height) ? .size(width: nil, height: side) : .size(width: side, height: nil)
            return follow.dimensions(forWidth: width, height: height, multiple: multiple, sampleAspect: sampleAspect)
        }
    }

    /// Output dimensions for frames of `format`: whole chroma samples of its pixel format, and
    /// the shape it is shown in.
    public func dimensions(of format: VideoFormat) -> (width: Int, height: Int) {
        let shift = format.chromaShift, sar = format.sampleAspectRatio
        return dimensions(forWidth: format.width, height: format.height, multiple: (1 << shift.x, 1 << shift.y),
                          sampleAspect: sar.num > 0 && sar.den > 0 ? Double(sar.num) / Double(sar.den) : 1)
    }
}
