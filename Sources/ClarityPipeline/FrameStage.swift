import CFFmpeg
import ClarityMedia

/// A processing step between decoder and encoder.
///
/// Like a libavfilter filter, a stage states what it produces for a given input once, in
/// `negotiate`, before any frame flows; `process` then runs per frame with no further checks.
public protocol FrameStage: AnyObject {
    /// Fixes the stage's output format for frames of `input`. `accepted` lists the pixel
    /// formats the next stage (the encoder) takes, best first; empty means any.
    func negotiate(input: VideoFormat, accepted: [AVPixelFormat]) throws -> VideoFormat

    /// Transforms one frame; the result keeps the frame's timestamp.
    func process(_ frame: VideoFrame) throws -> VideoFrame
}
