import CFFmpeg

/// Resizes and converts pictures with swscale, set up once for one input and one output shape.
///
/// Two uses share it: whole frames (`scale(_:)`, the classical stage), and single planes
/// (`scale(plane:into:)`, chroma next to a luma model, with a grey format of the plane's depth).
public final class FrameScaler {
    public let input: VideoFormat
    public let output: VideoFormat
    private var context: OpaquePointer?
    private var pool: FramePool?

    /// `threads` > 1 lets swscale cut each picture into slices scaled in parallel. `exact`
    /// asks for accurate rounding and full-resolution chroma in colour conversions (slower;
    /// for measurements, e.g. a JPEG's RGB as libjpeg would give it, not for the pump).
    public init(from input: VideoFormat, to output: VideoFormat, filter: ScaleFilter, threads: Int = 1,
                exact: Bool = false) throws {
        self.input = input
        self.output = output
        // Between two YUV matrices (BT.709 into a JPEG's BT.601): swscale changes matrices
        // only to and from RGB, so through 16-bit RGB at the output's size.
        var step = output
        if Self.matricesDiffer(input, output) {
            step = VideoFormat(width: output.width, height: output.height, pixelFormat: AV_PIX_FMT_GBRP16LE,
                               timeBase: output.timeBase, frameRate: output.frameRate, sampleAspectRatio: output.sampleAspectRatio,
                               colour: output.colour)
            (step.colour.matrix, step.colour.range) = (AVCOL_SPC_RGB, AVCOL_RANGE_JPEG)
            fromRGB = try FrameScaler(from: step, to: output, filter: filter, threads: threads, exact: exact)
        }
        self.step = step
        let output = step
        guard let ctx = sws_alloc_context() else { throw MediaError(.codec, "cannot create a scaler") }
        context = ctx
        let raw = UnsafeMutableRawPointer(ctx)
        av_opt_set_int(raw, "srcw", Int64(input.width), 0)
        av_opt_set_int(raw, "srch", Int64(input.height), 0)
        av_opt_set_int(raw, "src_format", Int64(input.pixelFormat.rawValue), 0)
        av_opt_set_int(raw, "dstw", Int64(output.width), 0)
        av_opt_set_int(raw, "dsth", Int64(output.height), 0)
        av_opt_set_int(raw, "dst_format", Int64(output.pixelFormat.rawValue), 0)
        let precise = exact ? SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP : 0
        av_opt_set_int(raw, "sws_flags", Int64(filter.swsFlag | Int32(precise)), 0)
        av_opt_set_int(raw, "threads", Int64(max(1, threads)), 0)
        let full = input.colour.range == AVCOL_RANGE_JPEG ? Int64(1) : 0
        av_opt_set_int(raw, "src_range", full, 0)
        av_opt_set_int(raw, "dst_range", output.colour.range == AVCOL_RANGE_JPEG ? 1 : full, 0)
        let r = sws_init_context(ctx, nil, nil)
        guard r >= 0 else {
            sws_freeContext(ctx)
            context = nil
            if r == clarity_averror(ENOMEM) { throw MediaError.outOfMemory("scaling \(input) to \(output)") }
            throw MediaError(.unsupported, "swscale cannot convert \(input) to \(output)")
        }
        if input.isRGB != output.isRGB {
            // Between RGB and YUV: the YUV side's own matrix and range (swscale would assume
            // BT.601 and take the range of the YUV side from the other), RGB at full range.
            let yuv = input.isRGB ? output : input
            let coefficients = sws_getCoefficients(Int32(yuv.colour.matrix.rawValue))
            let yuvFull: Int32 = yuv.colour.range == AVCOL_RANGE_JPEG || yuv.isFullRangeYUV ? 1 : 0
            sws_setColorspaceDetails(ctx, coefficients, input.isRGB ? 1 : yuvFull, coefficients, output.isRGB ? 1 : yuvFull,
                                     0, 1 << 16, 1 << 16)
        }
    }

    /// A scaler for one plane of `bitDepth` bits (8, or up to 16 stored in 16-bit words).
    /// `threads` > 1 scales bands of output rows in parallel (the same result as one thread).
    public convenience init(planeFrom source: (width: Int, height: Int), to target: (width: Int, height: Int),
                            bitDepth: Int, filter: ScaleFilter, threads: Int = 1) throws {
        let grey: AVPixelFormat = bitDepth <= 8 ? AV_PIX_FMT_GRAY8 : bitDepth <= 10 ? AV_PIX_FMT_GRAY10LE
            : bitDepth <= 12 ? AV_PIX_FMT_GRAY12LE : AV_PIX_FMT_GRAY16LE
        let rate = AVRational(num: 0, den: 1)
        try self.init(from: VideoFormat(width: source.width, height: source.height, pixelFormat: grey, timeBase: rate, frameRate: rate),
                      to: VideoFormat(width: target.width, height: target.height, pixelFormat: grey, timeBase: rate, frameRate: rate),
                      filter: filter, threads: threads)
        if threads > 1 { shells = (try PlaneShell(), try PlaneShell()) }
    }

    deinit { sws_freeContext(context) }

    /// What this scaler's swscale context writes: `output`, or RGB on the way to it.
    private let step: VideoFormat
    /// From `step` to `output`, where they differ.
    private var fromRGB: FrameScaler?

    /// Whether both formats are YUV with colour and their matrices, both stated, have other
    /// coefficients (BT.601's 470BG and 170M are one).
    private static func matricesDiffer(_ a: VideoFormat, _ b: VideoFormat) -> Bool {
        guard a.isColourYUV, b.isColourYUV, a.colour.matrix != AVCOL_SPC_UNSPECIFIED, b.colour.matrix != AVCOL_SPC_UNSPECIFIED,
              let p = sws_getCoefficients(Int32(a.colour.matrix.rawValue)), let q = sws_getCoefficients(Int32(b.colour.matrix.rawValue))
        else { return false }
        return (0..<4).contains { p[$0] != q[$0] }
    }

    /// A new frame in the output format carrying `frame`'s timestamp and properties.
    public func scale(_ frame: VideoFrame) throws -> VideoFrame {
        if pool == nil { pool = try FramePool(format: step) }
        let out = try pool!.makeFrame()
        out.copyProperties(from: frame)
        step.colour.apply(to: out.avFrame)
        out.avFrame.pointee.sample_aspect_ratio = step.sampleAspectRatio
        let r = sws_scale_frame(context, out.avFrame, frame.avFrame)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "scaling a frame") }
        return try fromRGB?.scale(out) ?? out
    }

    /// Scales a packed 8-bit plane (for a plane scaler), through aligned pooled frames so the
    /// result is what `ffmpeg -vf scale` gives for the same grey picture.
    public func scale(packedPlane bytes: [UInt8]) throws -> [UInt8] {
        let source = try FramePool(format: input).makeFrame()
        source.copyPlane(0, from: bytes, rowBytes: input.width, rows: input.height)
        return try scale(source).planeBytes(0, rowBytes: output.width, rows: output.height)
    }

    /// Scales one plane into another (for a plane scaler).
    public func scale(plane source: (data: UnsafeMutablePointer<UInt8>, stride: Int),
                      into target: (data: UnsafeMutablePointer<UInt8>, stride: Int)) {
        if let (src, dst) = shells {
            // Only swscale's frame API cuts the work into slices for its threads.
            src.wrap(source, format: input)
            dst.wrap(target, format: output)
            defer { src.release(); dst.release() }
            let r = sws_scale_frame(context, dst.frame, src.frame)
            precondition(r >= 0, "swscale failed on a plane it was set up for (\(r))")
            return
        }
        var src: [UnsafePointer<UInt8>?] = [UnsafePointer(source.data), nil, nil, nil]
        var dst: [UnsafeMutablePointer<UInt8>?] = [target.data, nil, nil, nil]
        var srcStride: [Int32] = [Int32(source.stride), 0, 0, 0]
        var dstStride: [Int32] = [Int32(target.stride), 0, 0, 0]
        sws_scale(context, &src, &srcStride, 0, Int32(input.height), &dst, &dstStride)
    }

    private var shells: (PlaneShell, PlaneShell)?
}

/// An AVFrame around a plane the caller owns, with a buffer reference that frees nothing, so
/// swscale's frame API reads and writes the plane in place.
private final class PlaneShell {
    let frame: UnsafeMutablePointer<AVFrame>

    init() throws {
        guard let f = av_frame_alloc() else { throw MediaError(.codec, "cannot allocate a frame") }
        frame = f
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    func wrap(_ plane: (data: UnsafeMutablePointer<UInt8>, stride: Int), format: VideoFormat) {
        frame.pointee.format = format.pixelFormat.rawValue
        frame.pointee.width = Int32(format.width)
        frame.pointee.height = Int32(format.height)
        frame.pointee.data.0 = plane.data
        frame.pointee.linesize.0 = Int32(plane.stride)
        frame.pointee.buf.0 = av_buffer_create(plane.data, plane.stride * format.height, { _, _ in }, nil, 0)
    }

    func release() { av_buffer_unref(&frame.pointee.buf.0) }
}
