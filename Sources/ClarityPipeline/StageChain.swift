import CFFmpeg
import ClarityMedia

/// Stages run one after another as one stage: each negotiates with the next one's input.
/// Only the last stage is bound by what the encoder accepts.
public final class StageChain: FrameStage {
    public let stages: [FrameStage]

    public init(_ stages: [FrameStage]) {
        precondition(!stages.isEmpty, "a chain needs a stage")
        self.stages = stages
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        var format = input
        for (i, stage) in stages.enumerated() {
            format = try stage.negotiate(input: format, accepted: i == stages.count - 1 ? accepted : [])
        }
        return format
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        try stages.reduce(frame) { try $1.process($0) }
    }
}
