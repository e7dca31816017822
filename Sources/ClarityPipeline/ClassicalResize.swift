import CFFmpeg
import ClarityMedia

/// Resizes with a classical swscale filter: the baseline every model is measured against,
/// and the stage that upscales chroma next to the luma models.
public final class ClassicalResize: FrameStage {
    public let target: ResizeTarget?
    public let filter: ScaleFilter
    public let threads: Int
    private var scaler: FrameScaler?

    /// The output's pixel format; nil: the one the next stage accepts that loses least.
    public let pixelFormat: AVPixelFormat?

    /// A nil `target` keeps the size and only converts the pixel format where needed.
    public init(target: ResizeTarget?, filter: ScaleFilter = .bicubic, pixelFormat: AVPixelFormat? = nil, threads: Int = 1) {
        self.target = target
        self.filter = filter
        self.pixelFormat = pixelFormat
        self.threads = threads
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        var output = input.converted(to: pixelFormat ?? input.closestPixelFormat(among: accepted))
        if let target {
            let shift = output.chromaShift
            let size = target.dimensions(of: output)  // the input's size, in the output's pixel format
            guard size.width > 0, size.height > 0, size.width <= 16384, size.height <= 16384 else {
                throw MediaError(.invalidArgument, "output size \(size.width)x\(size.height) is out of range: each side "
                                 + "at most 16384 (8K is 7680x4320)")
            }
            let (mx, my) = (1 << shift.x, 1 << shift.y)
            guard size.width % mx == 0, size.height % my == 0 else {
                // An exact --size the chroma planes cannot split (encoders refuse it, obscurely).
                func near(_ v: Int, _ m: Int) -> Int { max(m, (v + m / 2) / m * m) }
                throw MediaError(.invalidArgument, "output size \(size.width)x\(size.height) does not suit \(output.pixelFormatName), "
                                 + "whose chroma needs a width divisible by \(mx) and a height by \(my): "
                                 + "try \(near(size.width, mx))x\(near(size.height, my))")
            }
            (output.width, output.height) = size
            // A size of another shape (720x480 anamorphic to 1920x1080) keeps the picture's
            // shape on screen: the pixels' aspect changes instead. Rounding to whole chroma
            // samples (under 1%) leaves it as it is.
            let stretch = Double(input.width * size.height) / Double(input.height * size.width)
            if abs(stretch - 1) > 0.01 {
                output.sampleAspectRatio = av_mul_q(input.sampleAspectRatio,
                                                    AVRational(num: Int32(input.width * size.height), den: Int32(input.height * size.width)))
            }
        }
        scaler = output == input ? nil : try FrameScaler(from: input, to: output, filter: filter, threads: threads)
        return output
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        guard let scaler else { return frame }
        return try scaler.scale(frame)
    }
}
