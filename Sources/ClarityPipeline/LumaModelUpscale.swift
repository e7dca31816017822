import CFFmpeg
import ClarityEngine
import ClarityMedia

/// Upscales luma with a learned model on the engine and chroma with a classical filter, as
/// the edge-SR authors advise (4:2:0 chroma carries little detail).
///
/// Accepts planar YUV of 8 to 16 bits (4:2:0, 4:2:2, 4:4:4) or grey and produces the same
/// layout at the model's scale. int8 uses the activation ranges shipped in the model file, or else
/// calibrates on the first frame's luma.
public final class LumaModelUpscale: FrameStage {
    public let model: Model
    public let tiler: Tiler
    public let chromaFilter: ScaleFilter
    private var output: VideoFormat!
    private var pool: FramePool!
    private var chroma: ChromaPlanes!
    private var maxValue: Float = 255
    private var calibrated = false

    public init(model: Model, tiler: Tiler, chromaFilter: ScaleFilter = .bicubic) {
        self.model = model
        self.tiler = tiler
        self.chromaFilter = chromaFilter
    }

    public func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat {
        try PlanarYUV.check(input, accepted: accepted, user: "the \(model.graph.name) model")
        let s = model.graph.scale
        var out = input
        out.width = input.width * s
        out.height = input.height * s
        output = out
        pool = try FramePool(format: out)
        maxValue = Float((1 << input.bitDepth) - 1)
        chroma = try ChromaPlanes(from: input, to: out, filter: chromaFilter, threads: Engine.threads)
        return out
    }

    public func process(_ frame: VideoFrame) throws -> VideoFrame {
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        let luma = SampleConversion.plane(from: frame.plane(0), width: frame.width, height: frame.height,
                                          wide: maxValue > 255, scale: 1 / maxValue)
        if tiler.precision == .int8 && !calibrated && model.lacksInt8Ranges {
            try model.calibrate(samples: [luma.tensor])
            calibrated = true
        }
        let (data, stride) = out.plane(0)
        try tiler.run(luma, model: model, into: data, stride: stride, wide: maxValue > 255, maxValue: maxValue)
        chroma.scale(frame, into: out)
        return out
    }
}
