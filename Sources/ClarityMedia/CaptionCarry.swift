import CFFmpeg

/// Closed captions (CEA-608 and 708, carried as ATSC A/53 says) ride on frames as side data,
/// a few bytes a frame, and encoders that know them (x264, MPEG-2) write them back into the
/// video. A step that drops frames (decimate, a live deadline) would lose the text with them,
/// and one that makes two frames of one (a frame per field) would say it twice: "HEHELLLLOO",
/// as ffmpeg 5.1 writes. This holds the bytes taken off frames going in and gives them to the
/// frames coming out: each byte once, in order, on the first frame timed at or after it.
public struct CaptionCarry {
    /// ATSC's limit on the triplets (cc_count) in one frame: a 5-bit count.
    public static let tripletsPerFrame = 31

    private var held: [(pts: Int64?, timeBase: AVRational, bytes: [UInt8])] = []
    /// Triplets that did not fit on the last frame given some, for the next one.
    private var overflow: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { held.isEmpty && overflow.isEmpty }

    /// Takes the captions off `frame`, whose timestamp is in `timeBase`.
    public mutating func take(from frame: UnsafeMutablePointer<AVFrame>, timeBase: AVRational) {
        guard let side = av_frame_get_side_data(frame, AV_FRAME_DATA_A53_CC) else { return }
        let bytes = Array(UnsafeBufferPointer(start: side.pointee.data, count: Int(side.pointee.size)))
        av_frame_remove_side_data(frame, AV_FRAME_DATA_A53_CC)
        held.append((frame.pointee.pts == clarity_nopts_value() ? nil : frame.pointee.pts, timeBase, bytes))
    }

    /// Gives `frame` (timed in `timeBase`) the captions taken from frames timed at or before
    /// it; every caption held when `all` (the stream has ended) or the frame has no time.
    public mutating func give(to frame: UnsafeMutablePointer<AVFrame>, timeBase: AVRational, all: Bool) {
        let pts = frame.pointee.pts == clarity_nopts_value() ? nil : frame.pointee.pts
        let due = held.prefix { h in
            all || pts == nil || h.pts.map { av_compare_ts($0, h.timeBase, pts!, timeBase) <= 0 } ?? true
        }
        guard !due.isEmpty || !overflow.isEmpty else { return }
        held.removeFirst(due.count)
        var bytes = overflow + due.flatMap(\.bytes)
        overflow = []
        let limit = 3 * Self.tripletsPerFrame
        if bytes.count > limit {
            // Padding (cc_valid clear) goes first, then what still does not fit waits.
            bytes = stride(from: 0, to: bytes.count - 2, by: 3).filter { bytes[$0] & 0x04 != 0 }.flatMap { bytes[$0..<$0 + 3] }
            if bytes.count > limit { overflow = Array(bytes[limit...]); bytes.removeLast(bytes.count - limit) }
        }
        guard !bytes.isEmpty, let side = av_frame_new_side_data(frame, AV_FRAME_DATA_A53_CC, bytes.count) else { return }
        side.pointee.data.update(from: bytes, count: bytes.count)
    }

    public mutating func discard() {
        held = []
        overflow = []
    }
}
