import CFFmpeg

/// A straight chain of libavfilter filters between a buffer source and a buffer sink, set up
/// once for one frame shape: frames pushed in, frames pulled out (filters that look ahead let
/// theirs out later, and the last after `push(nil)`).
final class FilterChain {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    /// The sink has said that no frame follows.
    private(set) var ended = false
    /// What the frames pulled are timed in.
    var timeBase: AVRational { av_buffersink_get_time_base(sink) }

    /// `filters` by name, with their options (FFmpeg's `key=value:...`); `purpose` names the
    /// chain in errors.
    init(format: VideoFormat, filters: [(name: String, options: String?)], purpose: String) throws {
        var graph = avfilter_graph_alloc()
        guard let g = graph else { throw MediaError(.codec, "cannot create a filter graph") }
        g.pointee.nb_threads = 1
        var ready = false
        defer { if !ready { avfilter_graph_free(&graph) } }
        func fail(_ r: Int32, _ what: String) -> MediaError {
            MediaError.ffmpeg(r, "cannot set up the \(purpose) (\(what)) for \(format)", kind: .unsupported)
        }
        func filter(_ name: String, _ options: String?) throws -> UnsafeMutablePointer<AVFilterContext> {
            var ctx: UnsafeMutablePointer<AVFilterContext>?
            let r = avfilter_graph_create_filter(&ctx, avfilter_get_by_name(name), name, options, nil, g)
            guard r >= 0, let ctx else { throw fail(r, name) }
            return ctx
        }
        let tb = format.timeBase, sar = format.sampleAspectRatio
        let source = try filter("buffer", "video_size=\(format.width)x\(format.height):pix_fmt=\(format.pixelFormat.rawValue)"
                                + ":time_base=\(tb.num)/\(tb.den):pixel_aspect=\(max(1, sar.num))/\(max(1, sar.den))"
                                + (format.frameRate.num > 0 ? ":frame_rate=\(format.frameRate.num)/\(format.frameRate.den)" : ""))
        let chain = [source] + (try filters.map { try filter($0.name, $0.options) }) + [try filter("buffersink", nil)]
        for (a, b) in zip(chain, chain.dropFirst()) {
            let r = avfilter_link(a, 0, b, 0)
            guard r >= 0 else { throw fail(r, "links") }
        }
        let r = avfilter_graph_config(g, nil)
        guard r >= 0 else { throw fail(r, "formats") }
        ready = true
        self.graph = g
        self.source = source
        sink = chain[chain.count - 1]
    }

    deinit { avfilter_graph_free(&graph) }

    /// Hands a frame to the chain, or nil at the end of the stream to let the rest out.
    func push(_ frame: VideoFrame?) throws {
        let r = av_buffersrc_add_frame_flags(source, frame?.avFrame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
        guard r >= 0 else { throw MediaError.ffmpeg(r, "a filter refused a frame", kind: .codec) }
    }

    /// The next frame out, or nil until more is pushed (`ended` after the last).
    func pull() throws -> VideoFrame? {
        guard !ended, let frame = av_frame_alloc() else { return nil }
        let out = VideoFrame(owning: frame)
        let r = av_buffersink_get_frame(sink, frame)
        if r == clarity_averror_eof() { ended = true }
        guard r >= 0 else {
            if r == clarity_averror_eof() || r == clarity_averror_eagain() { return nil }
            throw MediaError.ffmpeg(r, "a filter failed", kind: .codec)
        }
        return out
    }
}
