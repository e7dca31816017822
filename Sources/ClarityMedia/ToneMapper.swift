import CFFmpeg

/// HDR (PQ or HLG) made SDR: for outputs that cannot say HDR (pictures, GIF), which viewers
/// would otherwise show washed out (PQ's code values read as sRGB's), and on request for
/// video that SDR screens and sites show. As BT.2408 maps HDR to
/// SDR, the grade's reference white (203 cd/m2) becomes SDR's white and the gamut BT.709's;
/// highlights up to the stream's peak (its MaxCLL, else its mastering display's peak, else
/// 1000 cd/m2) roll off along a `ToneCurve` (libavfilter's zscale and tonemap; by default
/// Möbius's above half of white, so that what lies below keeps its level and colour).
public enum ToneMapper {
    /// BT.2408's HDR reference white, in cd/m2: what SDR's white stands for.
    public static let referenceWhite = 203.0

    /// The brightest the stream says it gets, in cd/m2.
    static func peak(of metadata: HDRStaticMetadata) -> Double {
        if let level = metadata.lightLevel, level.MaxCLL > 0 { return Double(level.MaxCLL) }
        if let display = metadata.mastering, display.has_luminance != 0, av_q2d(display.max_luminance) > referenceWhite {
            return av_q2d(display.max_luminance)
        }
        return 1000
    }

    /// `format` as SDR: BT.709 primaries, sRGB's transfer for pictures (viewed as sRGB) and
    /// BT.709's for video, and for YUV BT.601's matrix at full range where the format is
    /// JPEG's, BT.709's otherwise.
    static func sdr(_ format: VideoFormat, pictures: Bool) -> VideoFormat {
        var out = format
        out.colour.primaries = AVCOL_PRI_BT709
        out.colour.transfer = pictures ? AVCOL_TRC_IEC61966_2_1 : AVCOL_TRC_BT709
        if !format.isRGB { out.colour.matrix = format.isFullRangeYUV ? AVCOL_SPC_BT470BG : AVCOL_SPC_BT709 }
        return out
    }

    /// The 8-bit format among an encoder's `own` (any, where it takes every format: raw
    /// frames) nearest to `format`, for SDR video made from HDR: SDR screens and sites take 8
    /// bits (H.264 in 10, High 10, plays in no browser and on few devices). Nil where `format`
    /// has 8 bits already or the encoder takes none.
    static func eightBit(_ format: VideoFormat, among own: [AVPixelFormat]) -> AVPixelFormat? {
        let any = [AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA444P,
                   AV_PIX_FMT_NV12, AV_PIX_FMT_GBRP, AV_PIX_FMT_GBRAP, AV_PIX_FMT_GRAY8]
        let eight = (own.isEmpty ? any : own).filter { VideoFormat.bitDepth(of: $0) == 8 }
        guard format.bitDepth > 8, !eight.isEmpty else { return nil }
        return format.closestPixelFormat(among: eight)
    }

    /// A chain from frames of `format` to the samples `sdr` describes (zscale takes FFmpeg's
    /// numbers for transfer, primaries and matrix), dithered where `sdr` has fewer bits, so
    /// that the roll-off's gradients do not band.
    static func chain(from format: VideoFormat, to sdr: VideoFormat, peak: Double, curve: ToneCurve) throws -> FilterChain {
        let c = format.colour, out = sdr.colour
        let matrix = (format.isRGB ? AVCOL_SPC_RGB : c.matrix).rawValue, outMatrix = (format.isRGB ? AVCOL_SPC_RGB : out.matrix).rawValue
        let range = format.isRGB || format.isFullRangeYUV || c.range == AVCOL_RANGE_JPEG ? "pc" : "tv"
        let graph = [
            "zscale=tin=\(c.transfer.rawValue):pin=\(c.primaries.rawValue):min=\(matrix):rin=\(range):t=linear:npl=\(referenceWhite)",
            "format=gbrpf32le",
            "zscale=p=\(out.primaries.rawValue)",
            "tonemap=\(curve.filterOptions):desat=0:peak=\(max(1, peak / referenceWhite))",
            "zscale=t=\(out.transfer.rawValue):m=\(outMatrix):r=\(range)\(sdr.bitDepth < format.bitDepth ? ":d=error_diffusion" : "")",
            "format=\(sdr.pixelFormatName)",
        ].joined(separator: ",")
        return try FilterChain(format: format, graph: graph, purpose: "tone mapping")
    }
}
