import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityQuality

/// Removes compression artifacts from luma with an early-exit network (RBQE): each tile
/// leaves at the first exit whose output IQAM scores as good enough, so lightly compressed
/// regions cost a shallow pass and heavily compressed ones get the whole network. Blind: the
/// bitstream's QP is never read. Chroma passes through unchanged; the size stays.
public final class EarlyExitEnhancer: FrameStage {
    /// How a tile's exit is chosen.
    public enum Policy: Sendable, Equatable {
        /// The first exit with IQAM quality >= threshold (the model's calibrated one by default).
        case iqam(threshold: Double)
        /// Always the deepest exit.
        case deepest
    }

    public let model: Model
    public let tiler: Tiler
    public let policy: Policy
    private let iqam: IQAM
    private var pool: FramePool!
    private var maxValue: Float = 255
    /// How many tiles left at each exit, over every frame so far.
    public private(set) var exitCounts: [Int]
    /// The exit of each tile of the last frame, row by row.
    public private(set) var lastExits: [Int] = []

    /// - Parameters: `tiler`'s tile and overlap default to the model's calibration tile and
    ///   a quarter of it.
    public init(model: Model, tiler: Tiler, policy: Policy) throws {
        guard model.graph.task == "deartifact", model.graph.scale == 1 else {
            throw MediaError(.invalidArgument, "\(model.graph.name) is not an artifact-removal model")
        }
        self.model = model
        self.tiler = tiler
        self.policy = policy
        iqam = IQAM(blockSize: model.graph.earlyExit?.iqamBlock ?? 4)
        exitCounts = [Int](repeating: 0, count: model.graph.outputs.count)
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        try PlanarYUV.check(input, accepted: accepted, user: "artifact removal")
        pool = try FramePool(format: input)
        maxValue = Float((1 << input.bitDepth) - 1)
        return input
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        guard av_frame_copy(out.avFrame, frame.avFrame) >= 0 else {
            throw MediaError(.codec, "cannot copy a \(frame.width)x\(frame.height) frame")
        }
        let luma = SampleConversion.plane(from: frame.plane(0), width: frame.width, height: frame.height,
                                          wide: maxValue > 255, scale: 1 / maxValue)
        let (enhanced, exits) = try enhance(luma)
        let (data, stride) = out.plane(0)
        IntegerSamples.store(enhanced, into: data, stride: stride, wide: maxValue > 255, maxValue: maxValue)
        lastExits = exits
        for e in exits { exitCounts[e] += 1 }
        return out
    }

    /// Enhances one luma plane (values in [0, 1]); returns it with each tile's exit.
    public func enhance(_ luma: Plane) throws -> (plane: Plane, exits: [Int]) {
        switch policy {
        case .deepest:
            return try tiler.runEarlyExit(luma, model: model) { _, _ in false }
        case .iqam(let threshold):
            return try tiler.runEarlyExit(luma, model: model) { _, output in
                iqam.score(output.data, width: output.width, height: output.height).quality >= threshold
            }
        }
    }
}
