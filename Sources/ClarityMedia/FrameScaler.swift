import CFFmpeg

/// Resizes and converts frames with swscale, set up once for one input and one output format.
public final class FrameScaler {
    public let input: VideoFormat
    public let output: VideoFormat
    private var context: OpaquePointer?
    private let pool: FramePool

    /// `threads` > 1 lets swscale cut each frame into slices scaled in parallel.
    public init(from input: VideoFormat, to output: VideoFormat, filter: ScaleFilter, threads: Int = 1) throws {
        self.input = input
        self.output = output
        pool = try FramePool(format: output)
        guard let ctx = sws_alloc_context() else { throw MediaError(.codec, "cannot create a scaler") }
        context = ctx
        let raw = UnsafeMutableRawPointer(ctx)
        av_opt_set_int(raw, "srcw", Int64(input.width), 0)
        av_opt_set_int(raw, "srch", Int64(input.height), 0)
        av_opt_set_int(raw, "src_format", Int64(input.pixelFormat.rawValue), 0)
        av_opt_set_int(raw, "dstw", Int64(output.width), 0)
        av_opt_set_int(raw, "dsth", Int64(output.height), 0)
        av_opt_set_int(raw, "dst_format", Int64(output.pixelFormat.rawValue), 0)
        av_opt_set_int(raw, "sws_flags", Int64(filter.swsFlag), 0)
        av_opt_set_int(raw, "threads", Int64(max(1, threads)), 0)
        let full = input.colour.range == AVCOL_RANGE_JPEG ? Int64(1) : 0
        av_opt_set_int(raw, "src_range", full, 0)
        av_opt_set_int(raw, "dst_range", output.colour.range == AVCOL_RANGE_JPEG ? 1 : full, 0)
        let r = sws_init_context(ctx, nil, nil)
        guard r >= 0 else {
            sws_freeContext(ctx)
            context = nil
            throw MediaError(.unsupported, "swscale cannot convert \(input) to \(output)")
        }
    }

    deinit { sws_freeContext(context) }

    /// A new frame in the output format carrying `frame`'s timestamp and properties.
    public func scale(_ frame: VideoFrame) throws -> VideoFrame {
        let out = try pool.makeFrame()
        out.copyProperties(from: frame)
        output.colour.apply(to: out.avFrame)
        out.avFrame.pointee.sample_aspect_ratio = output.sampleAspectRatio
        let r = sws_scale_frame(context, out.avFrame, frame.avFrame)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "scaling a frame") }
        return out
    }
}
