/// A stage between the pump and the encoder (`MediaWriter`): frames in, frames out, in order.
protocol FrameConversion: AnyObject {
    /// The frames ready after `frame` (nil at the end: what the stage still holds).
    func convert(_ frame: VideoFrame?) throws -> [VideoFrame]
}

extension FilterChain: FrameConversion {}
