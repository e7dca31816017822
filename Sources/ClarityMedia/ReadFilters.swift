import CFFmpeg

/// What the reader runs frames through before handing them out, on one libavfilter graph set
/// up once for one frame shape: deinterlacing, a new frame rate, `--crop`, turning upright,
/// then the user's own filters (`--vf`), which may change the frames' size, and square pixels
/// for outputs whose viewers ignore a pixel shape. In ffmpeg's order:
/// the user's filters see the picture as it is shown, as after ffmpeg's autorotate.
///
/// Deinterlacing is FFmpeg's bwdif (motion-adaptive, w3fdif- and yadif-derived), in the same
/// pixel format. For `film`, fieldmatch and decimate come first (the order ffmpeg's
/// documentation gives, but with bwdif last: before decimate, its doubled frame rate would
/// make decimate time frames at twice the film's rate). A new rate (`--fps`) is FFmpeg's fps
/// filter: frames dropped or repeated onto its ticks, before the stages, so that frames left
/// out cost no enhancing. Cropping moves the planes' starts, without a copy.
///
/// The filters look ahead (one frame; five for `film`), so frames come out after later ones
/// go in, and the last after `push(nil)`. Timestamps stay in the input's time base; with
/// `double` the fields' frames are timed in `timeBase`, half the input's, and at a new rate in
/// its ticks. Closed captions do not pass through the filters, which would drop or repeat
/// them, but beside them (`CaptionCarry`).
final class ReadFilters {
    /// What the frames go through, in the order listed.
    struct Plan {
        /// Nil or `.off`: frames as decoded.
        var deinterlace: Deinterlacing?
        /// Nil: the rate they have.
        var rate: AVRational?
        var crop: CropRect?
        /// Quarter turns counterclockwise to the picture as shown; 0 keeps it as stored.
        var quarterTurns = 0
        var userGraph: String?
        /// Resample to square pixels last, widening or heightening the picture to its shape as
        /// shown (never narrowing it), where its pixels are not square.
        var squarePixels = false

        var isEmpty: Bool {
            (deinterlace ?? .off) == .off && rate == nil && crop == nil && quarterTurns % 4 == 0 && userGraph == nil && !squarePixels
        }
    }

    let timeBase: AVRational
    /// The size of the frames out, and the shape of their pixels.
    let size: (width: Int, height: Int, sampleAspectRatio: AVRational)
    /// The rate the user's filters give where it is not the one they were given (`--vf
    /// fps=50`, `minterpolate`, `framestep=2`); nil: theirs.
    let userRate: AVRational?
    private let inputTimeBase: AVRational
    /// How long each frame lasts, in `timeBase`, where frames come out at a new rate (`--fps`,
    /// or the user's filters'); nil: as long as it did.
    private let frameDuration: Int64?
    private let chain: FilterChain
    private var captions = CaptionCarry()
    private var ended = false
    /// The frames' timestamps going in and coming out, where the user's filters might retime
    /// them (`setpts`, `trim`); nil without them.
    private var spans: (input: FrameSpan, output: FrameSpan)?

    init(format: VideoFormat, plan: Plan) throws {
        var filters: [(name: String, options: String?)] = []
        if let mode = plan.deinterlace, mode != .off {
            if mode == .film && !Deinterlacing.mayCarryPulldown(format.frameRate) {
                throw MediaError(.invalidArgument, String(format: "--deinterlace film undoes the 3:2 pulldown of film in 29.97 or 30 fps video; "
                                                          + "this input runs at %.3g fps: use auto or on", av_q2d(format.frameRate)))
            }
            if mode == .film { filters += [("fieldmatch", nil), ("decimate", nil)] }
            filters.append(("bwdif", "mode=\(mode == .double ? "send_field" : "send_frame"):parity=auto"
                            + ":deint=\(mode == .auto || mode == .film ? "interlaced" : "all")"))
            // bwdif takes planar formats only; others are converted there and back, losslessly.
            filters.append(("format", "pix_fmts=\(format.pixelFormatName)"))
        }
        if let rate = plan.rate { filters.append(("fps", "fps=\(rate.num)/\(rate.den):round=near")) }
        if let crop = plan.crop {
            filters.append(("crop", "w=\(crop.width):h=\(crop.height):x=\(crop.x):y=\(crop.y):exact=1"))
        }
        switch plan.quarterTurns % 4 {
        case 1, 3: filters.append(("transpose", plan.quarterTurns % 4 == 1 ? "cclock" : "clock"))
        case 2: filters += [("hflip", nil), ("vflip", nil)]
        default: break
        }
        precondition(!plan.isEmpty, "no filters for frames as decoded")
        let purpose = plan.rate != nil ? "frame rate" : plan.deinterlace != nil ? "deinterlacer"
            : plan.userGraph != nil ? "--vf filters" : plan.crop != nil ? "crop" : plan.quarterTurns % 4 != 0 ? "turning upright" : "square pixels"
        var chain = try FilterChain.ending(with: plan.userGraph, option: "--vf", after: filters, format: format, keeping: nil,
                                           purpose: purpose)
        if plan.squarePixels, let square = Self.squareSize(chain.outputShape.width, chain.outputShape.height, chain.sampleAspectRatio,
                                                           pixelFormat: format.pixelFormat) {
            chain = try FilterChain.ending(with: plan.userGraph, option: "--vf", after: filters,
                                           then: [("scale", "w=\(square.width):h=\(square.height):flags=bicubic"), ("setsar", "1")],
                                           format: format, keeping: nil, purpose: purpose)
        }
        self.chain = chain
        size = (chain.outputShape.width, chain.outputShape.height, chain.sampleAspectRatio)
        // bwdif times its output in half the input's unit whatever the mode; fps in its ticks.
        let timeBase = plan.deinterlace == .double || plan.rate != nil ? chain.timeBase : format.timeBase
        let given = plan.rate ?? av_mul_q(format.frameRate, plan.deinterlace?.rateChange ?? AVRational(num: 1, den: 1))
        let out = chain.frameRate
        let userRate = plan.userGraph != nil && out.num > 0 && av_cmp_q(out, given) != 0 ? out : nil
        frameDuration = (userRate ?? plan.rate).map { av_rescale_q(1, av_inv_q($0), timeBase) }
        (self.timeBase, self.userRate, inputTimeBase) = (timeBase, userRate, format.timeBase)
        if plan.userGraph != nil { spans = (FrameSpan(), FrameSpan()) }
    }

    /// The size of `width`x`height` pixels shaped `aspect` in square pixels, whole chroma samples
    /// of `pixelFormat`; nil where they are square (or of no stated shape).
    static func squareSize(_ width: Int, _ height: Int, _ aspect: AVRational, pixelFormat: AVPixelFormat) -> (width: Int, height: Int)? {
        guard aspect.num > 0, aspect.den > 0, aspect.num != aspect.den else { return nil }
        let descriptor = av_pix_fmt_desc_get(pixelFormat)
        func whole(_ v: Double, log2: UInt8?) -> Int { let m = 1 << Int(log2 ?? 0); return max(m, Int((v / Double(m)).rounded()) * m) }
        let ratio = av_q2d(aspect)
        return ratio > 1 ? (whole(Double(width) * ratio, log2: descriptor?.pointee.log2_chroma_w), height)
            : (width, whole(Double(height) / ratio, log2: descriptor?.pointee.log2_chroma_h))
    }

    /// Seconds of video that went into the user's filters and came out (a tempo, `setpts=0.5*PTS`,
    /// or a cut, `trim`, changes them); nil without them.
    var length: StreamLength? {
        spans.map { StreamLength(input: $0.input.seconds(in: inputTimeBase), output: $0.output.seconds(in: timeBase)) }
    }

    /// `format` with the size and pixel shape of the frames out. An unstated pixel shape stays
    /// unstated where the filters keep it square.
    func shaping(_ format: VideoFormat) -> VideoFormat {
        var out = format
        (out.width, out.height) = (size.width, size.height)
        if format.sampleAspectRatio.num > 0 || av_cmp_q(size.sampleAspectRatio, AVRational(num: 1, den: 1)) != 0 {
            out.sampleAspectRatio = size.sampleAspectRatio
        }
        return out
    }

    /// Hands a frame to the filters, or nil at the end of the stream to let the last ones out.
    func push(_ frame: VideoFrame?) throws {
        if let frame {
            captions.take(from: frame.avFrame, timeBase: inputTimeBase)
            spans?.input.add(frame.avFrame.pointee.pts)
        } else {
            ended = true
        }
        try chain.push(frame)
    }

    /// The next frame out, or nil until more input is pushed.
    func pull() throws -> VideoFrame? {
        guard let out = try chain.pull() else { return nil }
        let frame = out.avFrame, sinkBase = chain.timeBase
        if frame.pointee.pts != clarity_nopts_value() && av_cmp_q(sinkBase, timeBase) != 0 {
            frame.pointee.pts = av_rescale_q(frame.pointee.pts, sinkBase, timeBase)
        }
        // The filters keep each frame's duration in the input's unit.
        frame.pointee.pkt_duration = frameDuration ?? av_rescale_q(frame.pointee.pkt_duration, inputTimeBase, timeBase)
        captions.give(to: frame, timeBase: timeBase, all: ended)
        spans?.output.add(frame.pointee.pts)
        return out
    }
}
