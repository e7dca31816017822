import CFFmpeg
import ClarityMedia

/// Before and after in one picture, to judge an enhancement by eye: the left half of each
/// frame as it is shown is the classical resize of the same input to the same size (what
/// `ffmpeg -vf scale` gives), the right half the enhanced picture. A phone's portrait clip
/// whose frames keep their display matrix (MP4) is split across its stored rows.
public final class SplitComparison: FrameStage {
    private let enhanced: FrameStage
    private let filter: ScaleFilter
    private let threads: Int
    private var reference: ClassicalResize?
    /// The stored frame's part that shows as the left half.
    private var left = CropRect(width: 0, height: 0, x: 0, y: 0)

    public init(_ enhanced: FrameStage, filter: ScaleFilter, threads: Int) {
        self.enhanced = enhanced
        self.filter = filter
        self.threads = threads
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        let output = try enhanced.negotiate(input: input, accepted: accepted)
        let reference = ClassicalResize(target: .size(width: output.width, height: output.height), filter: filter,
                                        pixelFormat: output.pixelFormat, threads: threads)
        let shape = try reference.negotiate(input: input, accepted: [output.pixelFormat])
        guard shape.width == output.width, shape.height == output.height, shape.pixelFormat == output.pixelFormat else {
            throw MediaError(.invalidArgument, "the comparison's halves differ: \(shape) against \(output)")
        }
        self.reference = reference
        // Half the picture as shown, on whole chroma samples.
        let sideways = output.isShownSideways
        let (width, height) = sideways ? (output.height, output.width) : (output.width, output.height)
        let step = 1 << (sideways ? output.chromaShift.y : output.chromaShift.x)
        left = CropRect(width: width / 2 / step * step, height: height, x: 0, y: 0).stored(in: output)
        return output
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        guard let reference else { preconditionFailure("negotiate before process") }
        let before = try reference.process(frame)
        let after = try enhanced.process(frame)
        after.copy(left, from: before)
        return after
    }
}
