/// The upscaling measurement of DESIGN.md, step for step as the training toolkit runs it
/// (`training/common.py`, `training/data.py`, `training/evaluate.py`), so a figure from
/// `clarity bench quality` and one from `evaluate.py` describe the same experiment.
///
/// 1. HR: the BT.601 luma of the 8-bit RGB photo, kept as a float (not rounded), cropped at
///    the bottom and right to multiples of 2 * scale (even LR sides, which H.264 4:2:0 needs).
/// 2. LR: PIL's antialiased bicubic (a = -0.5) downscale of the HR luma in float
///    (`pilResize`), rounded half to even to 8 bits (numpy's `rint`).
/// 3. Each method maps the 8-bit LR luma to an 8-bit output of the HR size.
/// 4. Y-PSNR (peak 255) and SSIM (11x11 Gaussian, data range 255) of output against the
///    float HR luma, `scale` pixels removed at each border; averaged over images by the caller.
public enum UpscaleProtocol {
    /// The HR luma plane (8-bit units, float) of an interleaved RGB image, modcropped.
    public static func reference(rgb: [UInt8], width: Int, height: Int, channels: Int = 3,
                                 scale: Int) -> (luma: [Float], width: Int, height: Int) {
        let w = width - width % (2 * scale), h = height - height % (2 * scale)
        precondition(w > 0 && h > 0, "a \(width)x\(height) image is smaller than 2 x scale \(scale)")
        precondition(rgb.count == width * height * channels, "RGB array is not \(width)x\(height)x\(channels)")
        let luma = rgb.withUnsafeBufferPointer {
            bt601LumaPlane(rgb: $0, width: w, height: h, channels: channels, rowStride: width * channels)
        }
        return (luma, w, h)
    }

    /// The 8-bit LR luma of a modcropped HR plane (sides multiples of `scale`).
    public static func lowResolution(_ hr: [Float], width: Int, height: Int, scale: Int) -> [UInt8] {
        precondition(width % scale == 0 && height % scale == 0, "HR \(width)x\(height) is not a multiple of \(scale)")
        return quantized(pilResize(hr, width: width, height: height, toWidth: width / scale, height: height / scale,
                                   filter: .bicubic))
    }

    /// Samples times `multiplier` (255 for a model's [0, 1] output), rounded half to even
    /// (numpy's `rint`) and clipped to 0...255: what an 8-bit frame would hold.
    public static func quantized(_ values: [Float], multiplier: Double = 1) -> [UInt8] {
        values.map { v in
            let r = (Double(v) * multiplier).rounded(.toNearestOrEven)
            return r.isNaN ? 0 : UInt8(min(255, max(0, r)))
        }
    }

    /// Y-PSNR and SSIM of an 8-bit output against the float HR luma, `border` removed.
    public static func score(_ output: [UInt8], reference: [Float], width: Int, height: Int,
                             border: Int) -> (psnr: Double, ssim: Double) {
        let out = output.map(Float.init)
        return (psnr(out, reference, width: width, height: height, peak: 255, border: border),
                ssim(out, reference, width: width, height: height, dataRange: 255, border: border))
    }
}
