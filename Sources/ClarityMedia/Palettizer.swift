import CFFmpeg

/// Pictures for encoders that take only a palette or a few bits a pixel (GIF): each frame is
/// given the 256 colours that suit it best (libavfilter's palettegen and paletteuse), with
/// ordered dithering, which stays put from frame to frame where error diffusion crawls. The
/// fixed 3-3-2 palette such encoders otherwise get bands every gradient: a 640x360 GIF of a
/// pan scores 20 dB (RGB PSNR) through it, 34.5 through its own palettes.
enum Palettizer {
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

    /// A chain from frames of `format` (in `inputFormat`) to PAL8 frames with their palettes.
    static func chain(for format: VideoFormat) throws -> FilterChain {
        try FilterChain(format: format, graph: "split[frame][stats];[stats]palettegen=stats_mode=single[palette];"
                        + "[frame][palette]paletteuse=new=1:dither=bayer:bayer_scale=3", purpose: "palettes")
    }
}
