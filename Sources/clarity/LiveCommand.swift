import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityPipeline
import Foundation

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upscale in real time: every frame within its deadline, quality traded for time.",
        discussion: """
            Frames are released at the pace of their timestamps (a file plays like a camera; a pipe \
            delivers at its own pace) and each must be written within --deadline of its release. \
            Each low-resolution tile goes through the branch the router picks: the bundled upscalers \
            (--models) or the classical canvas (--canvas, Lanczos). The router plans every frame within the time the \
            measured per-tile costs allow, so when the machine slows down the mix moves to cheaper \
            branches, down to bicubic, before a frame is late. At the end: latency percentiles, \
            late and dropped frames, and the branch mix (also in --progress json). An HLS or DASH \
            output (out.m3u8, out.mpd) is a live stream: its playlist lists the last \(segmentWindow) segments \
            and older ones are deleted (--output-option hls_list_size=0 or window_size=0 keeps all).

            Examples:
              clarity live streams/dune-pan-720p-qp27.mp4 out.y4m --deadline 33ms
              clarity live in.mkv - --fps 30 --drop-late --format nut | ffplay -
              clarity live camera-1080p.mkv out.mkv --size 3840x2160
              clarity live rtsp://camera/stream hls/live.m3u8 --scale 2
            """)

    @OptionGroup var paths: MediaPaths

    @Option(help: ArgumentHelp("Per-frame deadline, from when a frame is due to when it is written: 33ms, 0.04s (default: one frame interval of the input).", valueName: "time"))
    var deadline: String?


    @Flag(help: "Drop a frame that is late when it reaches the writer (default: write it late and count it).")
    var dropLate = false

    @Option(help: "Upscaling factor of the models (default: 3, or the one --size needs).")
    var scale: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Output size, WIDTHxHEIGHT as the picture is shown (3840x2160; 3840x-1 keeps the input's aspect), or by name, the shorter side with the aspect kept (1080p, 1440p, 4k): the router runs at the bundled models' scale nearest it (x2 for 1080p to 4K, x3 for 720p), then the --canvas filter resizes to it.", valueName: "WxH|4k"))
    var size: String?

    @Option(help: ArgumentHelp("Comma list of upscalers the router may use (default: every bundled one at --scale).", valueName: "a,b"))
    var models: String?

    @Option(help: ArgumentHelp("What ranks the tiles for the models: 'none', their detail (each model's validation gain times the tile's mean gradient); 'auto', the bundled ClassSR classifier of these models; or a classifier by name or .safetensors file. Detail scored as high or higher on every val pan tried (x2 and x3, 720p to 4K outputs) and takes less of the frame's time.", valueName: "none|auto|name"))
    var classifier = "none"

    @Option(help: "Low-resolution tile size the router decides on.")
    var tile = 48

    @Option(help: "Low-resolution tile width, if not --tile. 0: full-width bands --tile rows high, routed by detail (no classifier); a band blends only where its branch changes, so at 4K more of the frame gets a model than with tiles.")
    var tileWidth: Int?

    @Option(help: "Tile overlap in low-resolution pixels (the feathered blend between branches).")
    var overlap = 4

    @Option(help: "How many frames old a tile's expected gains may be: each frame scores (by detail, or with the classifier) one of N+1 bands of tile rows in turn and routes the others by their last scores (0: every tile of every frame). At 4K on 2 cores scoring the whole frame takes 2-6 ms by detail, 5.5-9.5 ms with the classifier; the time saved goes to model tiles (5: gains at most a fifth of a second old at 30 fps).")
    var gainReuse = 5

    @Option(help: "Classical filter of the luma canvas, what every tile without a model keeps: lanczos gains about 0.4 dB over bicubic on a 4K pan for about 1 ms more a frame.")
    var canvas: ScaleFilter = .lanczos

    @Option(help: PrecisionChoice.help)
    var precision: PrecisionChoice = .auto

    @Option(help: "Share of the deadline (of the frame interval, if shorter) the upscaling stage may plan for (decode, conversions and encoding run beside it); a frame that has less time left, because it waited behind a slow one or the writer is slow, plans for what it has. (default: from 0.35 up to 0.8 by the latencies: up while the last 30 frames were all written within 70% of the frame time, back down at once when one takes over 85%)")
    var stageShare: Double?

    @Option(help: "Share of the tiles' time only tiles keeping last frame's branch may plan for: a tile takes a model only while the plan stays that far under its budget, and keeps it up to the whole budget, so that the frame-to-frame jitter of the budget does not switch the tiles at the edge of the plan on and off (a flicker on a still scene). 0: no hold.")
    var holdMargin = RoutedUpscale.defaultHoldMargin

    @Flag(help: Routing.recalibrateHelp)
    var recalibrate = false

    @OptionGroup(title: "Artifact removal") var deartifact: DeartifactOptions

    @Option(help: "Share of the deadline (of the frame interval, if shorter) artifact removal (--deartifact auto|max) may take per frame, before the upscaling plans what is left: the frame's own cost (conversions, stitching) comes off first, then tiles start, one a core side by side, from the picture's centre outwards, only while their first exit's measured cost fits the time left, and go deeper only while the next exit's does; the others keep their input. (default: 0.15)")
    var deartifactShare: Double?

    /// The share given, or the default.
    var cleaningShare: Double { deartifactShare ?? 0.15 }

    @OptionGroup(title: "Output") var encode: EncodeOptions
    @OptionGroup(title: "Input") var input: InputOptions
    @OptionGroup(title: "Run") var runOptions: RunOptions

    func validate() throws {
        if scale != nil && size != nil { throw ValidationError("give --scale or --size, not both") }
        if let scale, scale < 2 { throw ValidationError("--scale must be 2 or more") }
        if let size { _ = try ResizeOptions.parse(size: size) }
        if let deadline, Self.seconds(deadline) == nil { throw ValidationError("--deadline takes a time such as 33ms or 0.04s") }
        guard tile >= 8, overlap >= 0 else { throw ValidationError("--tile must be at least 8 and --overlap 0 or more") }
        if let tileWidth, tileWidth != 0, tileWidth < 8 { throw ValidationError("--tile-width must be 0 (bands) or at least 8") }
        if bands, classifier != "none" {
            throw ValidationError("full-width bands are routed by detail: --classifier \(classifier) classifies square tiles")
        }
        guard gainReuse >= 0 else { throw ValidationError("--gain-reuse must be 0 or more") }
        if let stageShare, !(stageShare > 0 && stageShare <= 1) { throw ValidationError("--stage-share must be in (0, 1]") }
        guard holdMargin >= 0, holdMargin < 1 else { throw ValidationError("--hold-margin must be in [0, 1)") }
        guard cleaningShare > 0, cleaningShare <= 1 else { throw ValidationError("--deartifact-share must be in (0, 1]") }
        if deartifactShare != nil && !deartifact.isOn {
            throw ValidationError("--deartifact-share bounds the time of artifact removal, which is off: add --deartifact auto or max")
        }
    }

    /// Where the writer holds frames back, no routing can keep the pace.
    static func slowWriterAdvice(_ report: LatencyReport, frameTime: Double) -> String {
        String(format: "the writer (encoding and muxing) took %.0f%% of the frame interval on its own, so frames fall behind "
               + "whatever the upscaler does: ", 100 * report.meanWriting / frameTime)
            + "a faster encoder (x264 and x265 run ultrafast here unless told otherwise), a smaller --size, or raw frames (y4m, nut) to a pipe keep up"
    }

    /// Segments an HLS or DASH output lists and keeps (12 s of HLS's 2 s segments, 30 s of
    /// DASH's 5 s ones); older ones are deleted, as a live stream's.
    static let segmentWindow = 6

    /// Full-width bands instead of tiles.
    var bands: Bool { tileWidth == 0 }

    /// "33ms", "0.04s" or a bare number of milliseconds.
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let value: Double?
        if t.hasSuffix("ms") { value = Double(t.dropLast(2)).map { $0 / 1000 } }
        else if t.hasSuffix("s") { value = Double(t.dropLast()) }
        else { value = Double(t).map { $0 / 1000 } }
        return value.flatMap { $0 > 0 ? $0 : nil }
    }

    func run() throws {
        var run = EnhanceRun(input: paths.input, inputFormat: paths.inputFormat, output: paths.output,
                             encode: encode, run: runOptions, queueDepth: 1) { format, threads in
            let rate = format.frameRate
            let interval = rate.num > 0 && rate.den > 0 ? Double(rate.den) / Double(rate.num) : nil
            // (At `--fps`, the frames come at its rate and the interval is its.)
            let limit = deadline.flatMap(Self.seconds) ?? interval ?? 1.0 / 30
            // A deadline longer than the frame interval absorbs stalls; the work of a frame
            // must still fit the interval, or the stream falls behind for good.
            let planned = min(limit, interval ?? limit)
            let clock = FrameDeadline(seconds: limit, dropLate: dropLate)
            Engine.configure(threads: threads.inference)
            let (branches, _, resize) = try Routing.plan(input: format, target: try size.map(ResizeOptions.parse(size:))?.inStoredPixels(of: format),
                                                         fixed: scale, models: models, canvas: canvas)
            if let resize, case .size(let w?, let h?) = resize, w <= format.width && h <= format.height {
                throw MediaError(.invalidArgument, "live mode upscales, and \(w)x\(h) is no larger than the input (\(format.width)x\(format.height))")
            }
            let share = stageShare == nil ? DeadlineShare(frameTime: planned) : nil
            // A whole-frame model run cannot be cut short like tiles: only one that takes at
            // most a third of the stage's share, so that a 3x slower spell still fits.
            let stage = try RoutedUpscale(branches: branches, classifier: try Routing.classifier(classifier, branches: branches),
                                          tiler: Tiler(tile: tile, tileWidth: tileWidth, overlap: overlap, batchSize: bands ? 1 : 4, precision: precision.resolved),
                                          budget: share?.largestBudget ?? planned * stageShare!, wholeFrameShare: 1.0 / 3, canvas: canvas)
            stage.deadline = clock
            stage.share = share
            stage.costCache = .userDefault(refresh: recalibrate)
            stage.gainReuse = gainReuse
            stage.holdMargin = holdMargin
            let enhancer = try deartifact.stage(precision: precision.resolved)
            enhancer?.budget = planned * cleaningShare
            enhancer?.costCache = .userDefault(refresh: recalibrate)
            let conversion = EnhanceRun.lumaInput(format, threads: threads)
            // The resize to the size asked for, and the frames made what the encoder takes (RGB
            // with alpha, converted for the luma stages, back; MJPEG's full range); frames that
            // need neither pass through.
            let finish = ClassicalResize(target: resize, filter: canvas, threads: threads.pipeline)
            var live = EnhanceRun.Stage(stage: EnhanceRun.chain([conversion?.stage, enhancer, stage, finish]), deadline: clock) {
                let r = clock.report
                return String(format: "latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d of %d frames over the %.1f ms deadline (%.2f%% on time), %d dropped; "
                              + "the writer took %.1f ms a frame",
                              r.p50 * 1000, r.p99 * 1000, r.max * 1000, r.late, r.frames, r.deadline * 1000, 100 * r.onTime, r.dropped,
                              r.meanWriting * 1000)
                    + (r.writerHoldsFramesBack(frameTime: planned) ? "\n" + Self.slowWriterAdvice(r, frameTime: planned) : "")
                    + "\nbranches (tiles ranked by \(stage.ranking)): " + stage.branchMix + "\nmeasured costs: " + stage.costReport
                    + (share.map { "\n" + $0.summary } ?? "")
                    + (enhancer.map { "\n" + $0.liveSummary(frameTime: planned) } ?? "")
            }
            live.setUpWarning = { enhancer?.roomWarning(frameTime: planned) }
            return live
        }
        run.reading = input.reading
        run.squaresPictures = size == nil
        run.liveWindow = Self.segmentWindow
        try run.execute()
    }
}
