import CFFmpeg

/// What the reader does with interlaced video: the models see whole frames, and two fields
/// caught 1/50 s apart show as combs on every moving edge, which upscaling makes larger.
public enum Deinterlacing: String, CaseIterable, Sendable {
    /// Deinterlace the frames flagged interlaced when the stream says it is interlaced.
    case auto
    /// Deinterlace every frame (a source interlaced but not flagged so).
    case on
    /// One frame per field: 25i becomes 50p, the motion of the fields kept.
    case double
    /// Inverse telecine: film transferred to 29.97i with 3:2 pulldown (NTSC DVDs, broadcasts)
    /// back to its 23.976 progressive frames, fields matched into whole frames and the
    /// repeated one of each five dropped; frames that match nothing are deinterlaced.
    case film
    /// Frames as decoded.
    case off

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Frames out per frame in.
    public var rateChange: AVRational {
        switch self {
        case .double: AVRational(num: 2, den: 1)
        case .film: AVRational(num: 4, den: 5)
        case .auto, .on, .off: AVRational(num: 1, den: 1)
        }
    }
}

/// FFmpeg's bwdif (motion-adaptive, w3fdif- and yadif-derived) on a libavfilter graph, set up
/// once for one frame shape: frames in, progressive frames out in the same pixel format. For
/// `film`, fieldmatch and decimate come first (the order ffmpeg's documentation gives, but
/// with bwdif last: before decimate, its doubled frame rate would make decimate time frames
/// at twice the film's rate).
///
/// It looks ahead (one frame; five for `film`), so frames come out after later ones go in,
/// and the last after `push(nil)`. Timestamps stay in the input's time base; with `double`
/// the fields' frames are timed in `timeBase`, half the input's.
final class Deinterlacer {
    let timeBase: AVRational
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    private var ended = false

    init(format: VideoFormat, mode: Deinterlacing) throws {
        precondition(mode != .off, "no deinterlacer for frames as decoded")
        let fps = av_q2d(format.frameRate)
        if mode == .film && !(29.9...30.01).contains(fps) {
            throw MediaError(.invalidArgument, String(format: "--deinterlace film undoes the 3:2 pulldown of film in 29.97 or 30 fps video; "
                                                      + "this input runs at %.3g fps: use auto or on", fps))
        }
        var graph = avfilter_graph_alloc()
        guard let g = graph else { throw MediaError(.codec, "cannot create a filter graph") }
        g.pointee.nb_threads = 1
        var ready = false
        defer { if !ready { avfilter_graph_free(&graph) } }
        func fail(_ r: Int32, _ what: String) -> MediaError {
            MediaError.ffmpeg(r, "cannot set up the deinterlacer (\(what)) for \(format)", kind: .unsupported)
        }
        func filter(_ name: String, _ args: String?) throws -> UnsafeMutablePointer<AVFilterContext> {
            var ctx: UnsafeMutablePointer<AVFilterContext>?
            let r = avfilter_graph_create_filter(&ctx, avfilter_get_by_name(name), name, args, nil, g)
            guard r >= 0, let ctx else { throw fail(r, name) }
            return ctx
        }
        let tb = format.timeBase, sar = format.sampleAspectRatio
        let source = try filter("buffer", "video_size=\(format.width)x\(format.height):pix_fmt=\(format.pixelFormat.rawValue)"
                                + ":time_base=\(tb.num)/\(tb.den):pixel_aspect=\(max(1, sar.num))/\(max(1, sar.den))"
                                + (format.frameRate.num > 0 ? ":frame_rate=\(format.frameRate.num)/\(format.frameRate.den)" : ""))
        let telecine = mode == .film ? [try filter("fieldmatch", nil), try filter("decimate", nil)] : []
        let bwdif = try filter("bwdif", "mode=\(mode == .double ? "send_field" : "send_frame"):parity=auto"
                               + ":deint=\(mode == .auto || mode == .film ? "interlaced" : "all")")
        // bwdif takes planar formats only; others are converted there and back, losslessly.
        let back = try filter("format", "pix_fmts=\(format.pixelFormatName)")
        let sink = try filter("buffersink", nil)
        let chain = [source] + telecine + [bwdif, back, sink]
        for (a, b) in zip(chain, chain.dropFirst()) {
            let r = avfilter_link(a, 0, b, 0)
            guard r >= 0 else { throw fail(r, "links") }
        }
        let r = avfilter_graph_config(g, nil)
        guard r >= 0 else { throw fail(r, "formats") }
        ready = true
        self.graph = g
        self.source = source
        self.sink = sink
        // bwdif times its output in half the input's unit whatever the mode.
        timeBase = mode == .double ? av_buffersink_get_time_base(sink) : tb
    }

    deinit { avfilter_graph_free(&graph) }

    /// Hands a frame to the filter, or nil at the end of the stream to let the last one out.
    func push(_ frame: VideoFrame?) throws {
        let r = av_buffersrc_add_frame_flags(source, frame?.avFrame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
        guard r >= 0 else { throw MediaError.ffmpeg(r, "the deinterlacer refused a frame", kind: .codec) }
    }

    /// The next progressive frame, or nil until more input is pushed (`ended` after the last).
    func pull() throws -> VideoFrame? {
        guard !ended, let frame = av_frame_alloc() else { return nil }
        let out = VideoFrame(owning: frame)
        let r = av_buffersink_get_frame(sink, frame)
        if r == clarity_averror_eof() { ended = true }
        guard r >= 0 else {
            if r == clarity_averror_eof() || r == clarity_averror_eagain() { return nil }
            throw MediaError.ffmpeg(r, "the deinterlacer failed", kind: .codec)
        }
        let sinkBase = av_buffersink_get_time_base(sink)
        if frame.pointee.pts != clarity_nopts_value() && av_cmp_q(sinkBase, timeBase) != 0 {
            frame.pointee.pts = av_rescale_q(frame.pointee.pts, sinkBase, timeBase)
        }
        return out
    }
}
