import CFFmpeg
import ClarityMedia

/// The formats the luma stages take: planar YUV of 8 to 16 bits, any chroma subsampling, or
/// grey (luma alone).
public enum PlanarYUV {
    /// Whether the luma stages take frames of `format` as they are.
    public static func takes(_ format: VideoFormat) -> Bool {
        guard let desc = av_pix_fmt_desc_get(format.pixelFormat)?.pointee, format.bitDepth >= 8,
              (desc.flags & UInt64(AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_BE)) == 0 else {
            return false  // the stages read wide samples little-endian
        }
        // Luma alone, or three components in three planes (NV12's chroma shares one), or four
        // with alpha in the fourth.
        let planes = Int(av_pix_fmt_count_planes(format.pixelFormat))
        return desc.nb_components == 1 || (desc.nb_components == 3 && planes == 3)
            || (desc.nb_components == 4 && planes == 4 && (desc.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA)) != 0)
    }

    /// The format to convert `format` to before the luma stages, nil when they take it: the
    /// planar YUV or grey format that loses least (RGB becomes 4:4:4, NV12 4:2:0, P010
    /// 10-bit 4:2:0, RGBA 4:4:4 with an alpha plane).
    public static func conversion(for format: VideoFormat) -> AVPixelFormat? {
        takes(format) ? nil : format.closestPixelFormat(among: convertible)
    }

    private static let convertible: [AVPixelFormat] = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV440P,
        AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P10LE,
        AV_PIX_FMT_YUV420P12LE, AV_PIX_FMT_YUV422P12LE, AV_PIX_FMT_YUV444P12LE,
        AV_PIX_FMT_YUV420P16LE, AV_PIX_FMT_YUV422P16LE, AV_PIX_FMT_YUV444P16LE,
        AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY10LE, AV_PIX_FMT_GRAY12LE, AV_PIX_FMT_GRAY16LE,
        AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P,
        AV_PIX_FMT_YUVA420P10LE, AV_PIX_FMT_YUVA422P10LE, AV_PIX_FMT_YUVA444P10LE,
        AV_PIX_FMT_YUVA444P12LE, AV_PIX_FMT_YUVA420P16LE, AV_PIX_FMT_YUVA422P16LE, AV_PIX_FMT_YUVA444P16LE,
    ]

    /// Throws a user-facing error naming `user` unless the luma stages take `input` and the
    /// next stage (`accepted`, empty = anything) also takes it.
    static func check(_ input: VideoFormat, accepted: [AVPixelFormat], user: String) throws {
        guard takes(input) else {
            throw MediaError(.unsupported, "\(user) needs planar YUV or grey input, not \(input.pixelFormatName)")
        }
        if !accepted.isEmpty && !accepted.contains(input.pixelFormat) {
            throw MediaError(.invalidArgument, "the encoder cannot take \(input.pixelFormatName); choose another --codec or --pix-fmt")
        }
    }
}
