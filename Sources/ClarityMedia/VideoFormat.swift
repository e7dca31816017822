import CFFmpeg

/// What a stream of frames looks like: negotiated once between stages, never per frame.
public struct VideoFormat: Equatable, CustomStringConvertible, @unchecked Sendable {
    public var width: Int
    public var height: Int
    public var pixelFormat: AVPixelFormat
    /// The unit of the frames' timestamps (the input stream's, so VFR timing survives).
    public var timeBase: AVRational
    /// Nominal rate (for containers that need one, like y4m); 0/1 when unknown.
    public var frameRate: AVRational
    /// The rate of the closest frames of a variable rate (FFmpeg's r_frame_rate: every
    /// timestamp falls on its ticks), `frameRate` where no faster: what a container that
    /// counts frames needs to drop none.
    public var peakFrameRate: AVRational
    public var sampleAspectRatio: AVRational
    public var colour: ColourProperties
    /// Degrees the picture is turned when shown (the stream's display matrix: 90 for a phone's
    /// portrait video stored landscape); the pixels are not turned, the matrix is carried over.
    public var displayRotation = 0

    /// Shown turned a quarter: a size given as the picture is seen swaps its sides here.
    public var isShownSideways: Bool { abs(displayRotation) % 180 == 90 }

    /// Quarter turns counterclockwise (0-3) from the stored picture to the shown one; 0 for a
    /// rotation that is not a whole number of quarters (players leave it unturned too).
    var displayQuarterTurns: Int { displayRotation % 90 == 0 ? (displayRotation / 90 % 4 + 4) % 4 : 0 }

    public init(width: Int, height: Int, pixelFormat: AVPixelFormat, timeBase: AVRational,
                frameRate: AVRational, sampleAspectRatio: AVRational = AVRational(num: 1, den: 1),
                colour: ColourProperties = ColourProperties()) {
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.timeBase = timeBase
        self.frameRate = frameRate
        self.peakFrameRate = frameRate
        self.sampleAspectRatio = sampleAspectRatio
        self.colour = colour
    }

    public var pixelFormatName: String { Self.name(of: pixelFormat) }

    public var description: String {
        "\(width)x\(height) \(pixelFormatName) \(frameRate.num)/\(frameRate.den) fps"
    }

    /// Bits per sample of the first component (8 for yuv420p, 10 for yuv420p10le).
    public var bitDepth: Int { Self.bitDepth(of: pixelFormat) }

    public static func bitDepth(of format: AVPixelFormat) -> Int {
        guard let d = av_pix_fmt_desc_get(format) else { return 8 }
        return Int(d.pointee.comp.0.depth)
    }

    public static func name(of format: AVPixelFormat) -> String {
        av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
    }

    /// A pixel format by FFmpeg name ("yuv420p10le"), nil if FFmpeg does not know it.
    public static func pixelFormat(named name: String) -> AVPixelFormat? {
        let f = av_get_pix_fmt(name)
        return f == AV_PIX_FMT_NONE ? nil : f
    }

    public static func == (a: VideoFormat, b: VideoFormat) -> Bool {
        a.width == b.width && a.height == b.height && a.pixelFormat == b.pixelFormat
            && av_cmp_q(a.timeBase, b.timeBase) == 0 && av_cmp_q(a.frameRate, b.frameRate) == 0
            && av_cmp_q(a.sampleAspectRatio, b.sampleAspectRatio) == 0 && a.colour == b.colour
            && a.displayRotation == b.displayRotation
    }
}

/// Colour signalling that must survive processing untouched.
public struct ColourProperties: Equatable, Sendable {
    public var range: AVColorRange = AVCOL_RANGE_UNSPECIFIED
    public var primaries: AVColorPrimaries = AVCOL_PRI_UNSPECIFIED
    public var transfer: AVColorTransferCharacteristic = AVCOL_TRC_UNSPECIFIED
    public var matrix: AVColorSpace = AVCOL_SPC_UNSPECIFIED
    public var chromaLocation: AVChromaLocation = AVCHROMA_LOC_UNSPECIFIED

    public init() {}

    init(_ p: AVCodecParameters) {
        range = p.color_range
        primaries = p.color_primaries
        transfer = p.color_trc
        matrix = p.color_space
        chromaLocation = p.chroma_location
    }

    /// These properties with an unstated matrix and primaries stated as players guess them
    /// from the size of a `width` x `height` YUV picture (mpv's and VLC's rule: BT.709 from 1280
    /// wide or above 576 lines; below, BT.601, with 625-line primaries at 576 and 288 lines and
    /// 525-line ones at 480, 486 and 240). Stated at the source, the guess survives resizing:
    /// an untagged DVD upscaled to 4K would otherwise be shown through BT.709's matrix, its
    /// greens 15% darker. Stated properties are kept.
    public func statingGuess(forWidth width: Int, height: Int) -> ColourProperties {
        var out = self
        let hd = width >= 1280 || height > 576
        let lines625 = !hd && (height == 576 || height == 288)
        if matrix == AVCOL_SPC_UNSPECIFIED {
            out.matrix = hd ? AVCOL_SPC_BT709 : lines625 ? AVCOL_SPC_BT470BG : AVCOL_SPC_SMPTE170M
        }
        if primaries == AVCOL_PRI_UNSPECIFIED {
            out.primaries = lines625 ? AVCOL_PRI_BT470BG : !hd && [480, 486, 240].contains(height) ? AVCOL_PRI_SMPTE170M : AVCOL_PRI_BT709
        }
        return out
    }

    /// Whether the transfer is HDR's: PQ (HDR10) or HLG.
    public var isHDR: Bool { [AVCOL_TRC_SMPTE2084, AVCOL_TRC_ARIB_STD_B67].contains(transfer) }

    func apply(to c: UnsafeMutablePointer<AVCodecContext>) {
        c.pointee.color_range = range
        c.pointee.color_primaries = primaries
        c.pointee.color_trc = transfer
        c.pointee.colorspace = matrix
        c.pointee.chroma_sample_location = chromaLocation
    }
}

extension VideoFormat {
    /// The format among `accepted` that loses least from this one (this one if accepted),
    /// alpha included: transparency is kept wherever a format can hold it.
    public func closestPixelFormat(among accepted: [AVPixelFormat]) -> AVPixelFormat {
        if accepted.isEmpty || accepted.contains(pixelFormat) { return pixelFormat }
        var list = accepted + [AV_PIX_FMT_NONE]
        return avcodec_find_best_pix_fmt_of_list(&list, pixelFormat, hasAlpha ? 1 : 0, nil)
    }

    /// Whether the format has alpha (pal8 counts: its palette may).
    public var hasAlpha: Bool { (av_pix_fmt_desc_get(pixelFormat)?.pointee.flags ?? 0) & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 }

    /// Whether samples are RGB (packed or planar GBR) rather than luma and chroma.
    public var isRGB: Bool {
        guard let d = av_pix_fmt_desc_get(pixelFormat) else { return false }
        return (d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB)) != 0
    }

    /// This format with its samples in `pixelFormat`, carrying the colour signalling of what a
    /// `FrameScaler` makes of them. Between RGB and YUV the matrix changes: YUV made from RGB
    /// is studio-range BT.601 (the luma the models were trained on); RGB made from YUV is
    /// full-range RGB. Primaries and transfer never change. The yuvj formats are JPEG's: full
    /// range, BT.601.
    public func converted(to pixelFormat: AVPixelFormat) -> VideoFormat {
        var out = self
        out.pixelFormat = pixelFormat
        if isRGB && !out.isRGB {
            out.colour.matrix = AVCOL_SPC_SMPTE170M
            out.colour.range = AVCOL_RANGE_MPEG
        } else if !isRGB && out.isRGB {
            out.colour.matrix = AVCOL_SPC_RGB
            out.colour.range = AVCOL_RANGE_JPEG
        }
        if out.isFullRangeYUV {
            out.colour.range = AVCOL_RANGE_JPEG
            // JFIF's YUV is BT.601 whatever the source's: JPEG decoders read no other.
            if ![AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M].contains(out.colour.matrix) { out.colour.matrix = AVCOL_SPC_BT470BG }
        }
        return out
    }

    /// This format with the colour players would guess for it stated, where its samples are
    /// YUV (see `ColourProperties.statingGuess`); RGB and grey need no matrix.
    public var withGuessedColourStated: VideoFormat {
        guard isColourYUV else { return self }
        var out = self
        out.colour = colour.statingGuess(forWidth: width, height: height)
        return out
    }

    /// Luma and chroma (not RGB, not grey): samples that a matrix made.
    public var isColourYUV: Bool { !isRGB && (av_pix_fmt_desc_get(pixelFormat)?.pointee.nb_components ?? 0) >= 3 }

    /// The deprecated yuvj formats: YUV whose range the format itself fixes to full.
    public var isFullRangeYUV: Bool {
        [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P].contains(pixelFormat)
    }

    /// Chroma subsampling as (log2 horizontal, log2 vertical): (1, 1) for 4:2:0.
    public var chromaShift: (x: Int, y: Int) {
        guard let d = av_pix_fmt_desc_get(pixelFormat) else { return (0, 0) }
        return (Int(d.pointee.log2_chroma_w), Int(d.pointee.log2_chroma_h))
    }

    /// The size without a last half chroma sample: sides cut down to whole multiples of the
    /// chroma subsampling (320x180 for 4:2:0 at 321x181).
    public var evenSides: (width: Int, height: Int) {
        let shift = chromaShift
        return (max(1 << shift.x, (width >> shift.x) << shift.x), max(1 << shift.y, (height >> shift.y) << shift.y))
    }
}
