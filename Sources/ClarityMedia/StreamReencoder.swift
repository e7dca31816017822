import CFFmpeg

/// A copied stream the output container cannot hold as it is, decoded and encoded again:
/// packets in, packets out (nil flushes at the end).
protocol StreamReencoder: AnyObject {
    /// The encoder, for the output stream's parameters and time base.
    var encoder: UnsafeMutablePointer<AVCodecContext> { get }
    func packets(for input: UnsafeMutablePointer<AVPacket>?) throws -> [Packet]
}

extension StreamReencoder {
    /// An open decoder of `input`'s packets (its time base theirs), with the decoder's own
    /// `options`. The caller frees it.
    static func openDecoder(for input: StreamInfo, options: [String: String] = [:]) throws -> UnsafeMutablePointer<AVCodecContext> {
        guard let decoding = avcodec_find_decoder(input.codecID),
              let dec = avcodec_alloc_context3(decoding) else {
            throw MediaError(.unsupported, "cannot decode \(input.kind.rawValue) stream #\(input.index) (\(input.codecName))")
        }
        avcodec_parameters_to_context(dec, input.parameters)
        dec.pointee.pkt_timebase = input.timeBase
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        let r = avcodec_open2(dec, decoding, &dictionary)
        av_dict_free(&dictionary)
        guard r >= 0 else {
            var d: UnsafeMutablePointer<AVCodecContext>? = dec
            avcodec_free_context(&d)
            throw MediaError.ffmpeg(r, "cannot open the \(input.codecName) decoder of \(input.kind.rawValue) stream #\(input.index)")
        }
        return dec
    }
}
