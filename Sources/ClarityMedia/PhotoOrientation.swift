import CFFmpeg

/// A photo's EXIF orientation (a phone held upright), which FFmpeg's JPEG decoder states on
/// the frame it decodes as a display matrix: from a decoded frame, or from one packet (through
/// a pipe there is no second look at the file, so the first packet is decoded once more for it).
enum PhotoOrientation {
    /// The display matrix the decoder gives `packet` of a stream of `parameters`, if any.
    static func displayMatrix(of packet: UnsafeMutablePointer<AVPacket>, parameters: UnsafePointer<AVCodecParameters>) -> [UInt8]? {
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else { return nil }
        var decoder = avcodec_alloc_context3(codec)
        var frame = av_frame_alloc()
        defer {
            av_frame_free(&frame)
            avcodec_free_context(&decoder)
        }
        guard let decoder, let frame, avcodec_parameters_to_context(decoder, parameters) >= 0, avcodec_open2(decoder, codec, nil) >= 0,
              avcodec_send_packet(decoder, packet) >= 0 else { return nil }
        avcodec_send_packet(decoder, nil)
        return avcodec_receive_frame(decoder, frame) >= 0 ? displayMatrix(of: frame) : nil
    }

    /// The display matrix `frame` carries, if any.
    static func displayMatrix(of frame: UnsafePointer<AVFrame>) -> [UInt8]? {
        guard let matrix = av_frame_get_side_data(frame, AV_FRAME_DATA_DISPLAYMATRIX) else { return nil }
        return Array(UnsafeBufferPointer(start: matrix.pointee.data, count: Int(matrix.pointee.size)))
    }
}
