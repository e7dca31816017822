import ClarityEngine
import ClarityMedia
import ClarityPipeline
import ClarityQuality
import Foundation

/// The measurement behind `clarity bench quality`: every method on the same images and the
/// same LR inputs (and, with `deartifact`, on their cleaned copies too), scored by
/// `UpscaleProtocol` (the training toolkit's protocol).
struct QualityBench {
    /// An upscaler under test.
    enum Method {
        /// swscale, as `ffmpeg -vf scale=...:flags=<filter>` on a grey picture.
        case swscale(ScaleFilter)
        /// PIL's resize in float (the toolkit's reference bicubic), rounded to 8 bits.
        case pil(PILFilter)
        /// A model on the engine, whole frame, output rounded to 8 bits; a model of another
        /// scale is followed by swscale's bicubic to the bench's size, as `--model` does.
        case model(Model, name: String)

        var name: String {
            switch self {
            case .swscale(let f): return "\(f.rawValue) (swscale)"
            case .pil(let f): return "\(f.rawValue) (PIL)"
            case .model(_, let name): return name
            }
        }
    }

    struct Row: Codable {
        var method: String
        var psnr: Double
        var ssim: Double
        /// Y-PSNR minus that of swscale bicubic, same images, same run.
        var gainOverBicubic: Double
        /// One 1280x720 luma plane through the method; nil when not measured.
        var msPer720pFrame: Double?
        /// Multiply-accumulates per output pixel of a model's convolutions.
        var macsPerOutputPixel: Double?
    }

    var scale: Int
    var degradation: Degradation
    var precision: Precision
    /// Artifact removal on the LR before upscaling: every method is then scored twice, on the
    /// degraded LR and on its cleaned copy (rows named "<method> after <stage>").
    var deartifact: (stage: EarlyExitEnhancer, label: String)?

    /// Scores every method on every image (paths), in order; `log` hears about each image.
    func run(images: [String], methods: [Method], timing: Bool, log: (String) -> Void) throws -> [Row] {
        let passes = deartifact == nil ? 1 : 2
        var psnrSum = [Double](repeating: 0, count: methods.count * passes), ssimSum = psnrSum
        var calibrated = precision != .int8
        for path in images {
            let image = try ImageLoader.load(path)
            // Modcropped to a multiple of twice the scale, with the scale left out at each border.
            guard min(image.width, image.height) >= 4 * scale else {
                throw MediaError(.notMedia, "\(path) is \(image.width)x\(image.height): too small to score at x\(scale) "
                                 + "(at least \(4 * scale)x\(4 * scale))")
            }
            let hr = UpscaleProtocol.reference(rgb: image.pixels, width: image.width, height: image.height, scale: scale)
            let lw = hr.width / scale, lh = hr.height / scale
            let clean = UpscaleProtocol.lowResolution(hr.luma, width: hr.width, height: hr.height, scale: scale)
            let lr = try degradation.apply(clean, width: lw, height: lh)
            if !calibrated {
                // int8 scales come from the first image, as a deployment would calibrate once.
                for case .model(let m, _) in methods where m.lacksInt8Ranges { try m.calibrate(samples: [modelInput(lr, lw, lh).tensor]) }
                calibrated = true
            }
            var line = "\(URL(fileURLWithPath: path).lastPathComponent) \(hr.width)x\(hr.height):"
            var inputs = [lr]
            if let deartifact {
                let cleaned = try deartifact.stage.enhance(modelInput(lr, lw, lh)).plane
                inputs.append(UpscaleProtocol.quantized(cleaned.data, multiplier: 255))
            }
            for (pass, input) in inputs.enumerated() {
                for (i, method) in methods.enumerated() {
                    let out = try upscale(input, width: lw, height: lh, with: method)
                    let s = UpscaleProtocol.score(out, reference: hr.luma, width: hr.width, height: hr.height, border: scale)
                    psnrSum[pass * methods.count + i] += s.psnr
                    ssimSum[pass * methods.count + i] += s.ssim
                    line += String(format: " %.2f", s.psnr)
                }
            }
            log(line)
        }
        let n = Double(images.count)
        let base = methods.firstIndex { if case .swscale(.bicubic) = $0 { return true } else { return false } }
            .map { psnrSum[$0] / n }
        var rows = try methods.enumerated().map { i, method in
            var row = Row(method: method.name, psnr: psnrSum[i] / n, ssim: ssimSum[i] / n,
                          gainOverBicubic: psnrSum[i] / n - (base ?? .nan))
            switch method {
            case .swscale(let f):
                if timing { row.msPer720pFrame = try LumaTiming.swscale(f, scale: scale) }
            case .pil:
                break  // a reference implementation, not a candidate: its speed means nothing
            case .model(let m, _):
                if timing { row.msPer720pFrame = try LumaTiming.model(m, precision: precision) }
                let macs = EngineBenchmark.macs(m.graph, height: LumaTiming.height, width: LumaTiming.width)
                row.macsPerOutputPixel = Double(macs) / Double(LumaTiming.width * LumaTiming.height * scale * scale)
            }
            return row
        }
        if let deartifact {
            // The same methods on the cleaned LR; their speed is the method's plus the stage's
            // (`clarity bench deartifact` times that), so none is shown here.
            rows += methods.enumerated().map { i, method in
                let k = methods.count + i
                return Row(method: "\(method.name) after \(deartifact.label)", psnr: psnrSum[k] / n, ssim: ssimSum[k] / n,
                           gainOverBicubic: psnrSum[k] / n - (base ?? .nan))
            }
        }
        return rows
    }

    private func modelInput(_ lr: [UInt8], _ w: Int, _ h: Int) -> Plane {
        Plane(width: w, height: h, data: lr.map { Float($0) / 255 })
    }

    private func upscale(_ lr: [UInt8], width lw: Int, height lh: Int, with method: Method) throws -> [UInt8] {
        let w = lw * scale, h = lh * scale
        switch method {
        case .swscale(let f):
            return try FrameScaler(planeFrom: (lw, lh), to: (w, h), bitDepth: 8, filter: f).scale(packedPlane: lr)
        case .pil(let f):
            return UpscaleProtocol.quantized(pilResize(lr.map(Float.init), width: lw, height: lh, toWidth: w, height: h, filter: f))
        case .model(let m, _):
            let out = UpscaleProtocol.quantized(try Tiler(tile: 0, precision: precision).run(modelInput(lr, lw, lh), model: m).data,
                                                multiplier: 255)
            let ms = m.graph.scale
            guard ms != scale else { return out }
            return try FrameScaler(planeFrom: (lw * ms, lh * ms), to: (w, h), bitDepth: 8, filter: .bicubic).scale(packedPlane: out)
        }
    }
}
