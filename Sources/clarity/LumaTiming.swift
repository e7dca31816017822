import ClarityEngine
import ClarityMedia

/// How long one 1280x720 luma plane takes through a model: the per-frame cost it adds to a
/// 720p video (chroma and conversions are extra, and the same for every method).
/// Shared by `clarity models` and `clarity bench quality` so their figures compare.
enum LumaTiming {
    static let width = 1280, height = 720

    /// Milliseconds per plane through `model` (whole frame, no tiles): one warm-up run (plan
    /// compilation, weight packing), then the mean of `runs`. An int8 model must be calibrated.
    static func model(_ model: Model, precision: Precision = .fp32, runs: Int = 3) throws -> Double {
        let plane = Plane(width: width, height: height,
                          data: RandomModels.input(n: 1, h: height, w: width, seed: 720).data)
        let tiler = Tiler(tile: 0, precision: precision)
        _ = try tiler.run(plane, model: model)
        let t = try BenchProcess.time { for _ in 0..<runs { _ = try tiler.run(plane, model: model) } }
        return t / Double(runs) * 1000
    }

    /// Milliseconds per plane through an artifact-removal model as `--deartifact max` runs it
    /// (tiles side by side, every tile to the deepest exit): the most it adds to a 720p frame.
    /// Warmed up on one tile's worth of plane (the tiles' plans), then one run: rbqe-full takes
    /// seconds.
    static func deartifact(_ model: Model, precision: Precision = .fp32) throws -> Double {
        let stage = try DeartifactOptions.enhancer(model, deepest: true, threshold: nil, precision: precision)
        func plane(_ w: Int, _ h: Int) -> Plane {
            Plane(width: w, height: h, data: RandomModels.input(n: 1, h: h, w: w, seed: 720).data)
        }
        _ = try stage.enhance(plane(stage.tiler.tile, stage.tiler.tile))
        let frame = plane(width, height)
        return try BenchProcess.time { _ = try stage.enhance(frame) } * 1000
    }

    /// Milliseconds per plane through swscale to `scale` times the size (8-bit grey).
    static func swscale(_ filter: ScaleFilter, scale: Int, runs: Int = 5) throws -> Double {
        let scaler = try FrameScaler(planeFrom: (width, height), to: (width * scale, height * scale), bitDepth: 8,
                                     filter: filter)
        let source = try FramePool(format: scaler.input).makeFrame()
        let target = try FramePool(format: scaler.output).makeFrame()
        let noise = RandomModels.input(n: 1, h: height, w: width, seed: 720).data.map { UInt8($0 * 255) }
        source.copyPlane(0, from: noise, rowBytes: width, rows: height)
        scaler.scale(plane: source.plane(0), into: target.plane(0))
        let t = BenchProcess.time { for _ in 0..<runs { scaler.scale(plane: source.plane(0), into: target.plane(0)) } }
        return t / Double(runs) * 1000
    }
}
