import CFFmpeg
import ClarityMedia

/// Before and after in one picture, to judge an enhancement by eye: the left half of each
/// frame is the classical resize of the same input to the same size (what `ffmpeg -vf scale`
/// gives), the right half the enhanced picture.
public final class SplitComparison: FrameStage {
    private let enhanced: FrameStage
    private let filter: ScaleFilter
    private let threads: Int
    private var reference: ClassicalResize?
    private var split = 0

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
        // On whole chroma samples.
        let step = 1 << output.chromaShift.x
        split = output.width / 2 / step * step
        return output
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        guard let reference else { preconditionFailure("negotiate before process") }
        let before = try reference.process(frame)
        let after = try enhanced.process(frame)
        after.copyColumns(split, from: before)
        return after
    }
}
