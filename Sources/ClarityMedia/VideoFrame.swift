import CFFmpeg

/// One picture in the pipeline: planar samples plus its timestamp, backed by an `AVFrame`
/// so that decoders, swscale and encoders share it without copies.
public final class VideoFrame: @unchecked Sendable {
    public let avFrame: UnsafeMutablePointer<AVFrame>
    /// Live mode: when the frame must be written, in `DispatchTime` uptime nanoseconds, so
    /// that a stage can plan its work to end in time; nil outside live mode.
    public var due: UInt64?

    /// Takes ownership of `frame`.
    init(owning frame: UnsafeMutablePointer<AVFrame>) {
        avFrame = frame
    }

    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = avFrame
        av_frame_free(&p)
    }

    public var width: Int { Int(avFrame.pointee.width) }
    public var height: Int { Int(avFrame.pointee.height) }
    public var pixelFormat: AVPixelFormat { AVPixelFormat(rawValue: avFrame.pointee.format) }

    /// Presentation time in the stream's time base; nil when the input carried none.
    public var pts: Int64? {
        get { avFrame.pointee.pts == clarity_nopts_value() ? nil : avFrame.pointee.pts }
        set { avFrame.pointee.pts = newValue ?? clarity_nopts_value() }
    }

    /// Samples of plane `index` and the distance in bytes between its rows.
    public func plane(_ index: Int) -> (data: UnsafeMutablePointer<UInt8>, stride: Int) {
        precondition(index >= 0 && index < 4, "plane index out of range")
        let data = withUnsafeBytes(of: avFrame.pointee.data) { $0.load(fromByteOffset: index * 8, as: UnsafeMutablePointer<UInt8>?.self) }
        let stride = withUnsafeBytes(of: avFrame.pointee.linesize) { $0.load(fromByteOffset: index * 4, as: Int32.self) }
        guard let data else { preconditionFailure("frame has no plane \(index)") }
        return (data, Int(stride))
    }

    /// The frame's mean quantizer, from the decoder's encoding-parameters side data (see
    /// `MediaReader(exportEncodingParameters:)`), on its codec's scale; nil when the codec
    /// exports none.
    public var meanQuantizer: (value: Double, scale: QuantizerScale)? {
        guard let side = av_frame_get_side_data(avFrame, AV_FRAME_DATA_VIDEO_ENC_PARAMS) else { return nil }
        let params = UnsafeMutableRawPointer(side.pointee.data!).assumingMemoryBound(to: AVVideoEncParams.self)
        guard let scale = QuantizerScale(params.pointee.type) else { return nil }
        let base = Double(params.pointee.qp)
        let blocks = Int(params.pointee.nb_blocks)
        guard blocks > 0 else { return (base, scale) }
        var sum = 0.0, area = 0.0
        for i in 0..<blocks {
            let b = av_video_enc_params_block(params, UInt32(i))!.pointee
            let a = Double(b.w) * Double(b.h)
            sum += (base + Double(b.delta_qp)) * a
            area += a
        }
        return (area > 0 ? sum / area : base, scale)
    }

    /// Copies timestamp, due time, colour signalling and side data from `source` (not the samples).
    public func copyProperties(from source: VideoFrame) {
        av_frame_copy_props(avFrame, source.avFrame)
        due = source.due
    }
}

extension ColourProperties {
    func apply(to f: UnsafeMutablePointer<AVFrame>) {
        f.pointee.color_range = range
        f.pointee.color_primaries = primaries
        f.pointee.color_trc = transfer
        f.pointee.colorspace = matrix
        f.pointee.chroma_location = chromaLocation
    }
}
