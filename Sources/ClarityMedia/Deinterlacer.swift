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

    /// Whether video at `rate` may carry film by 3:2 pulldown (29.97 or 30 fps), which `film`
    /// undoes; at other rates decimation would drop real frames.
    public static func mayCarryPulldown(_ rate: AVRational) -> Bool { (29.9...30.01).contains(av_q2d(rate)) }

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
/// the fields' frames are timed in `timeBase`, half the input's. Closed captions do not pass
/// through the filters, which would drop or repeat them, but beside them (`CaptionCarry`).
final class Deinterlacer {
    let timeBase: AVRational
    private let inputTimeBase: AVRational
    private let chain: FilterChain
    private var captions = CaptionCarry()
    private var ended = false

    init(format: VideoFormat, mode: Deinterlacing) throws {
        precondition(mode != .off, "no deinterlacer for frames as decoded")
        if mode == .film && !Deinterlacing.mayCarryPulldown(format.frameRate) {
            throw MediaError(.invalidArgument, String(format: "--deinterlace film undoes the 3:2 pulldown of film in 29.97 or 30 fps video; "
                                                      + "this input runs at %.3g fps: use auto or on", av_q2d(format.frameRate)))
        }
        let telecine: [(name: String, options: String?)] = mode == .film ? [("fieldmatch", nil), ("decimate", nil)] : []
        let bwdif = ("bwdif", "mode=\(mode == .double ? "send_field" : "send_frame"):parity=auto"
                     + ":deint=\(mode == .auto || mode == .film ? "interlaced" : "all")") as (name: String, options: String?)
        // bwdif takes planar formats only; others are converted there and back, losslessly.
        chain = try FilterChain(format: format, filters: telecine + [bwdif, ("format", "pix_fmts=\(format.pixelFormatName)")],
                                purpose: "deinterlacer")
        // bwdif times its output in half the input's unit whatever the mode.
        timeBase = mode == .double ? chain.timeBase : format.timeBase
        inputTimeBase = format.timeBase
    }

    /// Hands a frame to the filter, or nil at the end of the stream to let the last one out.
    func push(_ frame: VideoFrame?) throws {
        if let frame { captions.take(from: frame.avFrame, timeBase: inputTimeBase) } else { ended = true }
        try chain.push(frame)
    }

    /// The next progressive frame, or nil until more input is pushed.
    func pull() throws -> VideoFrame? {
        guard let out = try chain.pull() else { return nil }
        let frame = out.avFrame, sinkBase = chain.timeBase
        if frame.pointee.pts != clarity_nopts_value() && av_cmp_q(sinkBase, timeBase) != 0 {
            frame.pointee.pts = av_rescale_q(frame.pointee.pts, sinkBase, timeBase)
        }
        captions.give(to: frame, timeBase: timeBase, all: ended)
        return out
    }
}
