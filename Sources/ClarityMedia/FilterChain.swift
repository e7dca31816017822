import CFFmpeg

/// A libavfilter graph between a buffer source and a buffer sink, set up once for one frame
/// shape: frames pushed in, frames pulled out (filters that look ahead let theirs out later,
/// and the last after `push(nil)`).
final class FilterChain {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    /// The sink has said that no frame follows.
    private(set) var ended = false
    /// Where the last frame pushed ends, in the frames' time base.
    private var end: Int64?
    /// What the frames pulled are timed in.
    var timeBase: AVRational { av_buffersink_get_time_base(sink) }
    /// The rate the frames pulled come at, as the filters state it; 0/1 where unknown.
    var frameRate: AVRational { av_buffersink_get_frame_rate(sink) }
    /// The size and pixel format of the frames pulled.
    var outputShape: (width: Int, height: Int, pixelFormat: AVPixelFormat) {
        (Int(av_buffersink_get_w(sink)), Int(av_buffersink_get_h(sink)), AVPixelFormat(rawValue: av_buffersink_get_format(sink)))
    }

    /// `filters` by name, with their options (FFmpeg's `key=value:...`), one after another.
    convenience init(format: VideoFormat, filters: [(name: String, options: String?)], purpose: String) throws {
        let chain = Self.description(of: filters)
        try self.init(format: format, graph: chain.isEmpty ? "null" : chain, purpose: purpose)
    }

    /// `filters`, then filters a user gave with `option` (`--vf`, in FFmpeg's graph syntax),
    /// which must keep the size of the frames `filters` give (`shown`; `format`'s when nil):
    /// what follows was set up for it. Their frames are
    /// converted back to the pixel format that came in (a filter of YUV, eq, on RGB frames),
    /// as ffmpeg converts to what follows. Their mistakes are the user's to mend (exit 64).
    /// They see frames on the input's clock, `clockStart` seconds (`--start`'s) ahead of the
    /// output's, so that a subtitle file or `enable='gte(t,90)'` means the film's time.
    static func ending(with userGraph: String?, option: String, after filters: [(name: String, options: String?)] = [],
                       format: VideoFormat, keeping shown: VideoFormat? = nil, clockStart: Double = 0,
                       purpose: String) throws -> FilterChain {
        // Whole ticks of each setpts's own time base, so that the way back is exact.
        let shift = String(format: "round(%.6f/TB)", clockStart)
        let clocked = { (graph: String) in clockStart > 0 ? ["setpts=PTS+\(shift)", graph, "setpts=PTS-\(shift)"] : [graph] }
        let user = userGraph.map { clocked($0) + ["format=pix_fmts=\(format.pixelFormatName)"] } ?? []
        let graph = ([description(of: filters)].filter { !$0.isEmpty } + user).joined(separator: ",")
        let chain: FilterChain
        do {
            chain = try FilterChain(format: format, graph: graph.isEmpty ? "null" : graph, purpose: purpose)
        } catch let error as MediaError {
            guard let userGraph else { throw error }
            throw MediaError(.invalidArgument, "\(option) '\(userGraph)': \(error.message)")
        }
        let shape = chain.outputShape, size = shown ?? format
        if let userGraph, shape.width != size.width || shape.height != size.height {
            throw MediaError(.invalidArgument, "\(option) '\(userGraph)' turns \(size.width)x\(size.height) frames into "
                             + "\(shape.width)x\(shape.height): its filters must keep the size (--crop and --size change it)")
        }
        return chain
    }

    private static func description(of filters: [(name: String, options: String?)]) -> String {
        filters.map { f in f.options.map { "\(f.name)=\($0)" } ?? f.name }.joined(separator: ",")
    }

    /// A graph in FFmpeg's `-filter_complex` syntax whose one open input takes the frames and
    /// whose one open output gives them (`split[a][b];[a]...[p];[b][p]...`); `purpose` names it
    /// in errors.
    init(format: VideoFormat, graph description: String, purpose: String) throws {
        var graph = avfilter_graph_alloc()
        guard let g = graph else { throw MediaError(.codec, "cannot create a filter graph") }
        g.pointee.nb_threads = 1
        var ready = false
        defer { if !ready { avfilter_graph_free(&graph) } }
        /// FFmpeg's reasons where it gave them, else the graph or step that failed.
        func fail(_ r: Int32, _ what: String, _ reasons: String? = nil) -> MediaError {
            MediaError.ffmpeg(r, "cannot set up the \(purpose)\(reasons == nil ? " (\(what))" : "") for \(format)", kind: .unsupported, reasons: reasons)
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
        let sink = try filter("buffersink", nil)
        // The graph's open input is fed by the source, its open output feeds the sink.
        // (The parser takes what it links off these lists; what is left is freed here.)
        var fromSource = avfilter_inout_alloc(), toSink = avfilter_inout_alloc()
        defer { avfilter_inout_free(&fromSource); avfilter_inout_free(&toSink) }
        guard let a = fromSource, let b = toSink else { throw MediaError(.codec, "cannot create a filter graph") }
        (a.pointee.name, a.pointee.filter_ctx, a.pointee.pad_idx) = (av_strdup("in"), source, 0)
        (b.pointee.name, b.pointee.filter_ctx, b.pointee.pad_idx) = (av_strdup("out"), sink, 0)
        var (r, reasons) = FFmpegLog.reasons { avfilter_graph_parse_ptr(g, "[in]\(description)[out]", &toSink, &fromSource, nil) }
        guard r >= 0 else { throw fail(r, description, reasons) }
        (r, reasons) = FFmpegLog.reasons { avfilter_graph_config(g, nil) }
        guard r >= 0 else { throw fail(r, "formats", reasons) }
        ready = true
        self.graph = g
        self.source = source
        self.sink = sink
    }

    deinit { avfilter_graph_free(&graph) }

    /// Hands a frame to the chain, or nil at the end of the stream to let the rest out.
    func push(_ frame: VideoFrame?) throws {
        guard let frame else {
            // The end where the last frame ends, as ffmpeg closes its graphs: a filter that
            // fills time (fps) fills the last frame's too.
            let r = end.map { av_buffersrc_close(source, $0, 0) } ?? av_buffersrc_add_frame_flags(source, nil, 0)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "a filter refused the end of the stream", kind: .codec) }
            return
        }
        let f = frame.avFrame.pointee
        if f.pts != clarity_nopts_value() { end = f.pts + max(0, f.pkt_duration) }
        let r = av_buffersrc_add_frame_flags(source, frame.avFrame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
        guard r >= 0 else { throw MediaError.ffmpeg(r, "a filter refused a frame", kind: .codec) }
    }

    /// The frames ready after `frame` is pushed (nil at the end: the rest).
    func convert(_ frame: VideoFrame?) throws -> [VideoFrame] {
        try push(frame)
        var out: [VideoFrame] = []
        while let f = try pull() { out.append(f) }
        return out
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
