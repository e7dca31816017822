import CFFmpeg

/// A libavfilter graph between a buffer source and a buffer sink, set up once for one frame
/// shape (of video, or of audio: `AudioReencoder`'s `--af`): frames pushed in, frames pulled
/// out (filters that look ahead let theirs out later, and the last after `push(nil)`).
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
    /// The shape of the pixels pulled.
    var sampleAspectRatio: AVRational { av_buffersink_get_sample_aspect_ratio(sink) }
    /// The rate and channel layout of the audio pulled (the caller uninits the layout).
    var outputAudio: (rate: Int32, layout: AVChannelLayout) {
        var layout = AVChannelLayout()
        av_buffersink_get_ch_layout(sink, &layout)
        return (av_buffersink_get_sample_rate(sink), layout)
    }

    /// `filters` by name, with their options (FFmpeg's `key=value:...`), one after another.
    convenience init(format: VideoFormat, filters: [(name: String, options: String?)], purpose: String) throws {
        let chain = Self.description(of: filters)
        try self.init(format: format, graph: chain.isEmpty ? "null" : chain, purpose: purpose)
    }

    /// `filters`, then filters a user gave with `option` (`--vf`, in FFmpeg's graph syntax),
    /// then `last`. The user's must keep the size `size` where one is given: what follows was set up for it
    /// (`--post-vf`, before an encoder). Their frames are converted back to the pixel format
    /// that came in (a filter of YUV, eq, on RGB frames), as ffmpeg converts to what follows.
    /// Their mistakes are the user's to mend (exit 64). They see frames on the output's clock,
    /// as ffmpeg's filters after its `-ss` do.
    static func ending(with userGraph: String?, option: String, after filters: [(name: String, options: String?)] = [],
                       then last: [(name: String, options: String?)] = [],
                       format: VideoFormat, keeping size: VideoFormat?, purpose: String) throws -> FilterChain {
        let user = userGraph.map { [$0, "format=pix_fmts=\(format.pixelFormatName)"] } ?? []
        let graph = ([description(of: filters)] + user + [description(of: last)]).filter { !$0.isEmpty }.joined(separator: ",")
        let chain: FilterChain
        do {
            chain = try FilterChain(format: format, graph: graph.isEmpty ? "null" : graph, purpose: purpose)
        } catch let error as MediaError {
            guard let userGraph else { throw error }
            throw MediaError(.invalidArgument, "\(option) '\(userGraph)': \(error.message)")
        }
        let shape = chain.outputShape
        if let userGraph, let size, shape.width != size.width || shape.height != size.height {
            throw MediaError(.invalidArgument, "\(option) '\(userGraph)' turns \(size.width)x\(size.height) frames into "
                             + "\(shape.width)x\(shape.height): its filters must keep the size (--vf may change it)")
        }
        return chain
    }

    private static func description(of filters: [(name: String, options: String?)]) -> String {
        filters.map { f in f.options.map { "\(f.name)=\($0)" } ?? f.name }.joined(separator: ",")
    }

    /// A graph in FFmpeg's `-filter_complex` syntax whose one open input takes the frames and
    /// whose one open output gives them (`split[a][b];[a]...[p];[b][p]...`); `purpose` names it
    /// in errors.
    convenience init(format: VideoFormat, graph description: String, purpose: String) throws {
        let tb = format.timeBase, sar = format.sampleAspectRatio
        let source = "video_size=\(format.width)x\(format.height):pix_fmt=\(format.pixelFormat.rawValue)"
            + ":time_base=\(tb.num)/\(tb.den):pixel_aspect=\(max(1, sar.num))/\(max(1, sar.den))"
            + (format.frameRate.num > 0 ? ":frame_rate=\(format.frameRate.num)/\(format.frameRate.den)" : "")
        try self.init(media: "", source: source, graph: description, purpose: purpose, subject: "\(format)")
    }

    /// Audio frames of `rate` samples a second, in `sampleFormat` and `layout`, timed in
    /// `timeBase`, through `description`.
    convenience init(sampleFormat: AVSampleFormat, rate: Int32, layout: UnsafePointer<AVChannelLayout>, timeBase: AVRational,
                     graph description: String, purpose: String) throws {
        var name = [CChar](repeating: 0, count: 128)
        av_channel_layout_describe(layout, &name, name.count)
        let format = av_get_sample_fmt_name(sampleFormat).map { String(cString: $0) } ?? "\(sampleFormat.rawValue)"
        let subject = "\(rate) Hz \(String(cString: name)) \(format)"
        try self.init(media: "a", source: "time_base=\(timeBase.num)/\(timeBase.den):sample_rate=\(rate):sample_fmt=\(format)"
                      + ":channel_layout=\(String(cString: name))", graph: description, purpose: purpose, subject: subject)
    }

    /// `media`: "" for video, "a" for audio (FFmpeg's buffer and abuffer); `source`: the buffer's
    /// options; `subject`: what the frames are, for errors.
    private init(media: String, source arguments: String, graph description: String, purpose: String, subject: String) throws {
        var graph = avfilter_graph_alloc()
        guard let g = graph else { throw MediaError(.codec, "cannot create a filter graph") }
        g.pointee.nb_threads = 1
        var ready = false
        defer { if !ready { avfilter_graph_free(&graph) } }
        /// FFmpeg's reasons where it gave them, else the graph or step that failed.
        func fail(_ r: Int32, _ what: String, _ reasons: String? = nil) -> MediaError {
            MediaError.ffmpeg(r, "cannot set up the \(purpose)\(reasons == nil ? " (\(what))" : "") for \(subject)", kind: .unsupported, reasons: reasons)
        }
        func filter(_ name: String, _ options: String?) throws -> UnsafeMutablePointer<AVFilterContext> {
            var ctx: UnsafeMutablePointer<AVFilterContext>?
            let r = avfilter_graph_create_filter(&ctx, avfilter_get_by_name(name), name, options, nil, g)
            guard r >= 0, let ctx else { throw fail(r, name) }
            return ctx
        }
        let source = try filter(media + "buffer", arguments)
        let sink = try filter(media + "buffersink", nil)
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
    func push(_ frame: VideoFrame?) throws { try push(frame: frame?.avFrame) }

    /// `push(_:)` for a frame of any kind; the chain takes a reference, the caller keeps its own.
    func push(frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let frame else {
            // The end where the last frame ends, as ffmpeg closes its graphs: a filter that
            // fills time (fps) fills the last frame's too.
            let r = end.map { av_buffersrc_close(source, $0, 0) } ?? av_buffersrc_add_frame_flags(source, nil, 0)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "a filter refused the end of the stream", kind: .codec) }
            return
        }
        let f = frame.pointee
        if f.pts != clarity_nopts_value() { end = f.pts + max(0, f.pkt_duration) }
        let r = av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
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
    func pull() throws -> VideoFrame? { try pullFrame().map { VideoFrame(owning: $0) } }

    /// `pull()` for a frame of any kind, which the caller frees.
    func pullFrame() throws -> UnsafeMutablePointer<AVFrame>? {
        guard !ended, let frame = av_frame_alloc() else { return nil }
        let r = av_buffersink_get_frame(sink, frame)
        if r == clarity_averror_eof() { ended = true }
        guard r >= 0 else {
            var p: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&p)
            if r == clarity_averror_eof() || r == clarity_averror_eagain() { return nil }
            throw MediaError.ffmpeg(r, "a filter failed", kind: .codec)
        }
        return frame
    }
}
