import CFFmpeg

/// Audio frames converted to one shape (channel layout, sample format, rate) whatever shape
/// they come in: swresample, set up again where the frames' shape changes mid-stream (a
/// broadcast's 5.1 film and its stereo adverts; recordings of different rates joined).
final class SampleConverter {
    private var context: OpaquePointer?
    /// The shape the frames are converted to.
    private var layout = AVChannelLayout()
    private let format: AVSampleFormat
    private let rate: Int32
    /// The shape `context` was set up for: the frames' own (which may say more than the stream did).
    private var input: (layout: AVChannelLayout, format: Int32, rate: Int32)?
    private let converted = av_frame_alloc()!

    init(to layout: UnsafePointer<AVChannelLayout>, format: AVSampleFormat, rate: Int32) {
        av_channel_layout_copy(&self.layout, layout)
        (self.format, self.rate) = (format, rate)
    }

    deinit {
        swr_free(&context)
        av_channel_layout_uninit(&layout)
        if var input { av_channel_layout_uninit(&input.layout) }
        var f: UnsafeMutablePointer<AVFrame>? = converted
        av_frame_free(&f)
    }

    /// Whether `frame` already has the shape.
    func fits(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
        frame.pointee.format == format.rawValue && frame.pointee.sample_rate == rate
            && av_channel_layout_compare(&frame.pointee.ch_layout, &layout) == 0
    }

    /// `frame`'s samples in the shape (nil: those a rate conversion still holds), timed as
    /// `frame` was; valid until the next call. Nil where there are none.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>?) throws -> UnsafeMutablePointer<AVFrame>? {
        if let frame { try prepare(for: frame) } else if context == nil { return nil }
        av_frame_unref(converted)
        converted.pointee.format = format.rawValue
        converted.pointee.sample_rate = rate
        av_channel_layout_copy(&converted.pointee.ch_layout, &layout)
        let r = swr_convert_frame(context, converted, frame)
        guard r >= 0 else { throw MediaError.ffmpeg(r, "converting audio") }
        converted.pointee.pts = frame?.pointee.pts ?? clarity_nopts_value()
        return converted.pointee.nb_samples > 0 ? converted : nil
    }

    /// A resampler from `frame`'s shape, unless the one there already is.
    private func prepare(for frame: UnsafeMutablePointer<AVFrame>) throws {
        if var current = input, current.format == frame.pointee.format, current.rate == frame.pointee.sample_rate,
           av_channel_layout_compare(&current.layout, &frame.pointee.ch_layout) == 0 {
            return
        }
        if var old = input { av_channel_layout_uninit(&old.layout) }
        var given = AVChannelLayout()
        av_channel_layout_copy(&given, &frame.pointee.ch_layout)
        input = (given, frame.pointee.format, frame.pointee.sample_rate)
        swr_free(&context)
        let r = swr_alloc_set_opts2(&context, &layout, format, rate,
                                    &given, AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate, 0, nil)
        guard r >= 0, swr_init(context) >= 0 else { throw MediaError(.codec, "cannot convert the audio's samples") }
    }
}
