import CFFmpeg

/// An 8-bit RGB picture, rows packed (3 bytes a pixel, no padding).
public struct RGBImage: Sendable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "\(pixels.count) bytes is not \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Still images (PNG, JPEG, BMP, TIFF, ... anything FFmpeg decodes) as 8-bit RGB, the way the
/// training toolkit's `load_rgb` (PIL) sees them, so quality figures can be compared.
///
/// - Grey pictures are replicated into R, G and B (no range conversion).
/// - Pictures with alpha (RGBA, grey + alpha, palettes with transparency) are composited on
///   white with PIL's integer `alpha_composite` arithmetic.
/// - YCbCr pictures (JPEG) go to RGB through swscale with accurate rounding and bilinear
///   full-resolution chroma, the closest swscale gets to libjpeg's fancy upsampling; the
///   RGB still differs from PIL's by a code or so here and there (FFmpeg's IDCT is not
///   libjpeg's), which moves a photo's Y-PSNR by about 0.002 dB.
public enum ImageLoader {
    public static func load(_ path: String) throws -> RGBImage {
        let reader = try MediaReader(url: path)
        var decoded: VideoFrame?
        while decoded == nil, let item = try reader.read() {
            if case .frame(let f) = item { decoded = f }
        }
        guard let frame = decoded else { throw MediaError(.notMedia, "\(path): no picture could be decoded") }
        let w = frame.width, h = frame.height
        if frame.pixelFormat == AV_PIX_FMT_GRAY8 {
            let grey = frame.planeBytes(0, rowBytes: w, rows: h)
            var rgb = [UInt8](repeating: 0, count: w * h * 3)
            for i in 0..<(w * h) { rgb[3 * i] = grey[i]; rgb[3 * i + 1] = grey[i]; rgb[3 * i + 2] = grey[i] }
            return RGBImage(width: w, height: h, pixels: rgb)
        }
        var input = reader.videoFormat
        input.width = w
        input.height = h
        input.pixelFormat = Self.withoutJ[frame.pixelFormat] ?? frame.pixelFormat
        // Image samples are full range unless the file says otherwise (grey + alpha included).
        if input.colour.range != AVCOL_RANGE_MPEG { input.colour.range = AVCOL_RANGE_JPEG }
        let flags = av_pix_fmt_desc_get(frame.pixelFormat)?.pointee.flags ?? 0
        let alpha = flags & UInt64(AV_PIX_FMT_FLAG_ALPHA | AV_PIX_FMT_FLAG_PAL) != 0
        var output = input
        output.pixelFormat = alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24
        let scaler = try FrameScaler(from: input, to: output, filter: .bilinear, exact: true)
        let converted = try scaler.scale(frame)
        let bytes = converted.planeBytes(0, rowBytes: w * (alpha ? 4 : 3), rows: h)
        return RGBImage(width: w, height: h, pixels: alpha ? compositeOnWhite(rgba: bytes) : bytes)
    }

    /// JPEG's full-range YCbCr formats by their plain names (the range is set separately;
    /// swscale warns about the deprecated names).
    static let withoutJ: [AVPixelFormat: AVPixelFormat] = [
        AV_PIX_FMT_YUVJ420P: AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ422P: AV_PIX_FMT_YUV422P,
        AV_PIX_FMT_YUVJ444P: AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ440P: AV_PIX_FMT_YUV440P,
        AV_PIX_FMT_YUVJ411P: AV_PIX_FMT_YUV411P,
    ]

    /// PIL's `Image.alpha_composite(white, image)` then RGB: 7 extra bits of precision and
    /// rounded divisions by 255, so results match PIL's to the code.
    static func compositeOnWhite(rgba: [UInt8]) -> [UInt8] {
        let n = rgba.count / 4
        var out = [UInt8](repeating: 255, count: n * 3)
        for i in 0..<n {
            let a = UInt32(rgba[4 * i + 3])
            if a == 0 { continue }
            // With an opaque white background, PIL's general formula reduces to these weights.
            let coef1 = a * 255 * 255 * 128 / (255 * 255)
            let coef2 = 255 * 128 - coef1
            for c in 0..<3 {
                let t = UInt32(rgba[4 * i + c]) * coef1 + 255 * coef2 + (0x80 << 7)
                out[3 * i + c] = UInt8(truncatingIfNeeded: (((t >> 8) + t) >> 8) >> 7)
            }
        }
        return out
    }
}
