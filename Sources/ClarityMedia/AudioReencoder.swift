import CFFmpeg

/// An audio stream the output container cannot hold as it is (PCM into MP4, AAC into WebM),
/// decoded and encoded again (AAC, or the container's own: Opus for WebM), as ffmpeg would:
/// packets in, packets out, so the pump carries it like any copied stream. Samples go through
/// the user's filters (`--af`), if any, then swresample into a FIFO that hands the encoder the
/// whole frames it takes; timestamps count samples from the stream's first. Frames of another
/// shape than the stream began with (a broadcast's stereo adverts in a 5.1 film) are converted
/// to its shape before the filters, which are set up for one, and to the encoder's after them.
final class AudioReencoder {
    /// The encoder's settings, for the output stream's parameters.
    let encoder: UnsafeMutablePointer<AVCodecContext>
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    /// The user's filters (`--af`), set up for the decoder's samples; nil: none.
    private let filters: FilterChain?
    /// Frames into the shape the filters were set up for, once one came in another.
    private let toFilters: SampleConverter?
    private var reshaping = false
    /// Seconds of audio into the user's filters and out of them: those that change its length
    /// (atempo) put it out of step with the video.
    private var filteredSeconds = (input: 0.0, output: 0.0)
    /// The same, nil without filters.
    var filteredLength: StreamLength? { filters.map { _ in StreamLength(input: filteredSeconds.input, output: filteredSeconds.output) } }
    /// The channels of the sound to encode (after `--af`) and the fewer it is coded in (MP3:
    /// 2 of 5.1; FLV holds stereo); nil where all are kept.
    let mixedDown: (from: Int32, to: Int32)?
    /// Samples into the encoder's layout, format and rate.
    private lazy var toEncoder = SampleConverter(to: &encoder.pointee.ch_layout, format: encoder.pointee.sample_fmt,
                                                 rate: encoder.pointee.sample_rate)
    private var fifo: OpaquePointer?
    private let decoded = av_frame_alloc()!
    private let packet = av_packet_alloc()!
    /// Output timestamp of the next sample, in 1 / sample rate; nil before the first frame.
    private var nextPTS: Int64?
    /// Where the next decoded sample is due on the input's clock, in 1 / its sample rate.
    private var dueSample: Int64?

    /// A rate for transparent sound (AAC's as the usual encodings give it; Opus is transparent
    /// at less): 192 kb/s for mono and stereo, 64 kb/s a channel beyond (384 for 5.1, 512 for
    /// 7.1). A single figure for every layout would starve surround sound (7.1 at 192 kb/s is
    /// 24 a channel).
    static func bitRate(channels: Int) -> Int64 { Int64(max(192_000, 64_000 * channels)) }

    /// `encoding`: the encoder (AAC, Opus, ...); `bitRate` in bits per second, nil for
    /// `bitRate(channels:)`; `filters`: FFmpeg audio filters (`--af`, a graph description), nil
    /// for none. `sampleRates`: those the container takes (nil: any); the sound's own where
    /// they and the encoder take it, else the nearest they both do. `maxChannels`: the most
    /// the container holds (nil: any). `globalHeader`: the container wants the codec's set-up
    /// out of band (MP4, Matroska).
    init(_ input: StreamInfo, with encoding: UnsafePointer<AVCodec>, bitRate: Int64?, filters graph: String? = nil,
         sampleRates: [Int32]? = nil, maxChannels: Int32? = nil, globalHeader: Bool) throws {
        let dec = try Self.openDecoder(for: input)
        decoder = dec
        Self.giveRoles(to: &dec.pointee.ch_layout)
        do {
            filters = try graph.map {
                try FilterChain(sampleFormat: dec.pointee.sample_fmt, rate: dec.pointee.sample_rate, layout: &dec.pointee.ch_layout,
                                timeBase: dec.pointee.pkt_timebase, graph: $0, purpose: "--af filters of audio stream #\(input.index)")
            }
        } catch let error as MediaError {
            avcodec_free_context(&decoder)
            throw MediaError(.invalidArgument, "--af '\(graph ?? "")': \(error.message)")
        }
        toFilters = filters.map { _ in SampleConverter(to: &dec.pointee.ch_layout, format: dec.pointee.sample_fmt, rate: dec.pointee.sample_rate) }
        encoder = avcodec_alloc_context3(encoding)!
        let name = String(cString: encoding.pointee.name)
        // The sound to encode: what the filters make of the decoder's (pan=mono, aresample=8000).
        var layout = AVChannelLayout()
        defer { av_channel_layout_uninit(&layout) }
        let rate: Int32
        if let filters { (rate, layout) = filters.outputAudio } else {
            rate = dec.pointee.sample_rate
            av_channel_layout_copy(&layout, &dec.pointee.ch_layout)
        }
        let channels = layout.nb_channels
        guard channels > 0, rate > 0 else {
            throw MediaError(.unsupported, "audio stream #\(input.index) has no channel count or sample rate")
        }
        // A layout the encoder can signal: the input's, or the usual one for its count, unless
        // the encoder codes another (Opus's order; MP3's stereo, mixed down to); mixed down to
        // what the container holds (FLV: stereo) and the encoder codes (FLAC: 8 channels).
        let wanted = min(channels, maxChannels ?? channels, Self.channelLimits[name] ?? channels)
        var plain = AVChannelLayout()
        defer { av_channel_layout_uninit(&plain) }
        if wanted == channels && layout.order == AV_CHANNEL_ORDER_NATIVE {
            av_channel_layout_copy(&plain, &layout)
        } else {
            av_channel_layout_default(&plain, wanted)
        }
        if var own = Self.layout(coding: wanted, by: encoding, given: &plain) {
            av_channel_layout_copy(&encoder.pointee.ch_layout, &own)
        } else {
            av_channel_layout_copy(&encoder.pointee.ch_layout, &plain)
        }
        let coded = encoder.pointee.ch_layout.nb_channels
        mixedDown = coded < channels ? (channels, coded) : nil
        // The container's rates the encoder takes (MXF: 48 kHz alone; FLV's for MP3).
        let encoderRates = Self.list(encoding.pointee.supported_samplerates, endingAt: 0) ?? Self.telephoneRates[name]
        let allowed = sampleRates.map { rates in encoderRates.map { e in rates.filter(e.contains) } ?? rates } ?? encoderRates
        encoder.pointee.sample_rate = Self.rate(nearest: rate, among: allowed ?? [])
        encoder.pointee.sample_fmt = Self.sampleFormat(among: encoding.pointee.sample_fmts)
        if let bitRate {
            encoder.pointee.bit_rate = bitRate
        } else if name == "libvorbis" {
            // Vorbis's quality 6 (about 192 kb/s for stereo, more for surround): its bitrate
            // modes have no setup for many rates and layouts (mono at 22.05 kHz, 96 kHz).
            encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
            encoder.pointee.global_quality = 6 * FF_QP2LAMBDA
        } else if Self.telephoneRates[name] == nil {
            encoder.pointee.bit_rate = Self.bitRate(channels: Int(coded))
            // MP2 below 32 kHz (MPEG-2's half rates) codes 160 kb/s at most.
            if name == "mp2" && encoder.pointee.sample_rate < 32000 { encoder.pointee.bit_rate = 160_000 }
        }
        encoder.pointee.time_base = AVRational(num: 1, den: encoder.pointee.sample_rate)
        if globalHeader { encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        // Opus codes up to 8 channels as speakers; more (a 16-channel recording) only as
        // channels of their own, which libopus otherwise refuses.
        if name == "libopus" && coded > 8 { av_dict_set(&options, "mapping_family", "255", 0) }
        let (r, reasons) = FFmpegLog.reasons { avcodec_open2(encoder, encoding, &options) }
        guard r >= 0 else {
            throw MediaError.ffmpeg(r, "cannot open the \(name) encoder for audio stream #\(input.index) "
                                    + "(\(coded) channels)", kind: .invalidArgument, reasons: reasons)
        }
        fifo = av_audio_fifo_alloc(encoder.pointee.sample_fmt, coded, max(1, encoder.pointee.frame_size))
        guard fifo != nil else { throw MediaError(.codec, "cannot buffer audio stream #\(input.index)") }
    }

    /// The layout `encoder` codes `channels` in where it is not the stream's own (`given`):
    /// Opus's and Vorbis's order up to 8 channels (5.1 with back surrounds: libopus refuses
    /// AC-3's 5.1(side)); of the layouts the encoder lists, its own of as many channels where
    /// it takes not `given` (ALAC's 7.1 is 7.1(wide)), else the one of most channels below,
    /// else of fewest above, as ffmpeg's negotiation picks (MP3 and MP2 stereo, AC-3 5.1); nil
    /// where it takes them as they are.
    static func layout(coding channels: Int32, by encoder: UnsafePointer<AVCodec>, given: UnsafePointer<AVChannelLayout>? = nil) -> AVChannelLayout? {
        if ["libopus", "libvorbis"].contains(String(cString: encoder.pointee.name)), (1...8).contains(channels) {
            var layout = AVChannelLayout()
            av_channel_layout_from_string(&layout, ["mono", "stereo", "3.0", "quad", "5.0", "5.1", "6.1", "7.1"][Int(channels) - 1])
            return layout
        }
        guard var p = encoder.pointee.ch_layouts else { return nil }
        var all: [AVChannelLayout] = []
        while p.pointee.nb_channels != 0 { all.append(p.pointee); p += 1 }
        guard !all.isEmpty else { return nil }
        var candidates = all.filter { $0.nb_channels == channels }
        if !candidates.isEmpty {
            let takesGiven = given.map { g in candidates.indices.contains { av_channel_layout_compare(&candidates[$0], g) == 0 } } ?? true
            return takesGiven ? nil : candidates[0]
        }
        return all.filter { $0.nb_channels < channels }.max { $0.nb_channels < $1.nb_channels } ?? all.min { $0.nb_channels < $1.nb_channels }
    }

    /// The rates telephone encoders take without listing them ("Only 8000Hz sample rate
    /// supported"; G.726 at others only below normal compliance). Their bitrates are their
    /// own (GSM: "Bitrate 13000bps required").
    static let telephoneRates: [String: [Int32]] = ["g723_1": [8000], "g726": [8000], "g726le": [8000], "libgsm": [8000], "libgsm_ms": [8000]]

    /// The most channels encoders that list no layouts code ("16 channels not supported (max 8)").
    static let channelLimits: [String: Int32] = ["flac": 8, "alac": 8]

    /// How many of `channels` `encoder` keeps: all, or those of the layout it mixes them down to.
    static func channelsKept(of channels: Int32, by encoder: UnsafePointer<AVCodec>) -> Int32 {
        let limited = min(channels, channelLimits[String(cString: encoder.pointee.name)] ?? channels)
        return layout(coding: limited, by: encoder).map { min($0.nb_channels, limited) } ?? limited
    }

    /// Planar float where the encoder takes it (AAC), else float (Opus), else its first.
    static func sampleFormat(among formats: UnsafePointer<AVSampleFormat>?) -> AVSampleFormat {
        let all = list(formats, endingAt: AV_SAMPLE_FMT_NONE) ?? []
        return [AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT].first(where: all.contains) ?? all.first ?? AV_SAMPLE_FMT_FLTP
    }

    /// `rate` if it is among `rates` (empty: any will do), else the lowest of them above, else
    /// their highest (AAC stops at 96 kHz).
    static func rate(nearest rate: Int32, among rates: [Int32]) -> Int32 {
        guard !rates.isEmpty, !rates.contains(rate) else { return rate }
        return rates.filter { $0 > rate }.min() ?? rates.max()!
    }

    /// An encoder's list of what it takes (FFmpeg ends it with `end`); nil when it names none.
    private static func list<T: Equatable>(_ start: UnsafePointer<T>?, endingAt end: T) -> [T]? {
        guard var p = start else { return nil }
        var all: [T] = []
        while p.pointee != end { all.append(p.pointee); p += 1 }
        return all
    }

    deinit {
        avcodec_free_context(&decoder)
        var e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&e)
        av_audio_fifo_free(fifo)
        var frame: UnsafeMutablePointer<AVFrame>? = decoded
        av_frame_free(&frame)
        var packet: UnsafeMutablePointer<AVPacket>? = self.packet
        av_packet_free(&packet)
    }

    /// The encoded packets `input` completes (timestamps in the encoder's time base); a
    /// packet the decoder rejects is skipped, as a damaged one would be. Nil flushes.
    func packets(for input: UnsafeMutablePointer<AVPacket>?) throws -> [Packet] {
        guard let dec = decoder else { return [] }
        avcodec_send_packet(dec, input)
        while avcodec_receive_frame(dec, decoded) >= 0 {
            if nextPTS == nil {
                let pts = decoded.pointee.best_effort_timestamp
                nextPTS = pts == clarity_nopts_value() ? 0 : av_rescale_q(pts, dec.pointee.pkt_timebase, encoder.pointee.time_base)
            }
            Self.giveRoles(to: &decoded.pointee.ch_layout)
            decoded.pointee.pts = decoded.pointee.best_effort_timestamp
            try fillGap(before: decoded, timeBase: dec.pointee.pkt_timebase)
            try filtered(decoded)
            av_frame_unref(decoded)
        }
        if input == nil {
            // At the end, what the filters and a rate conversion still hold.
            try filtered(nil)
            try buffer(toEncoder.convert(nil))
        }
        return try encode(flushing: input == nil)
    }

    /// Silence for a pause in the sound's clock before `frame` (a broadcast's dropout, a
    /// recording resumed), as ffmpeg's `aresample=async=1` fills it: timed by counting samples,
    /// the sound after it had played that much too early, out of step with the video for the
    /// rest of the film. Pauses under a tenth of a second are timestamps' jitter.
    private func fillGap(before frame: UnsafeMutablePointer<AVFrame>, timeBase: AVRational) throws {
        let rate = frame.pointee.sample_rate
        guard rate > 0 else { return }
        let samples = AVRational(num: 1, den: rate)
        let at = frame.pointee.pts == clarity_nopts_value() ? nil : av_rescale_q(frame.pointee.pts, timeBase, samples)
        defer { dueSample = (at ?? dueSample ?? 0) + Int64(frame.pointee.nb_samples) }
        guard let at, let due = dueSample, at - due > Int64(rate / 10) else { return }
        var missing = at - due
        while missing > 0 {
            let silence = av_frame_alloc()!
            defer { var f: UnsafeMutablePointer<AVFrame>? = silence; av_frame_free(&f) }
            silence.pointee.nb_samples = Int32(min(missing, Int64(rate)))
            silence.pointee.format = frame.pointee.format
            silence.pointee.sample_rate = rate
            silence.pointee.pts = av_rescale_q(at - missing, samples, timeBase)
            av_channel_layout_copy(&silence.pointee.ch_layout, &frame.pointee.ch_layout)
            guard av_frame_get_buffer(silence, 0) >= 0 else { throw MediaError(.codec, "cannot allocate audio") }
            av_samples_set_silence(silence.pointee.extended_data, 0, silence.pointee.nb_samples, silence.pointee.ch_layout.nb_channels,
                                   AVSampleFormat(rawValue: silence.pointee.format))
            try filtered(silence)
            missing -= Int64(silence.pointee.nb_samples)
        }
    }

    /// `frame` through the user's filters (nil: the end, to let out what they hold), then
    /// converted into the FIFO.
    private func filtered(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let filters, let toFilters else {
            if let frame { try buffer(toEncoder.convert(frame)) }
            return
        }
        reshaping = reshaping || frame.map { !toFilters.fits($0) } ?? false
        if reshaping {
            if let held = try toFilters.convert(frame) { try push(held, into: filters) }
            if frame != nil { return }
        } else if let frame {
            return try push(frame, into: filters)
        }
        try push(nil, into: filters)
    }

    /// `frame` into the filters (nil: the end), and what they let out into the FIFO.
    private func push(_ frame: UnsafeMutablePointer<AVFrame>?, into filters: FilterChain) throws {
        if let frame { filteredSeconds.input += Self.seconds(of: frame) }
        try filters.push(frame: frame)
        while let out = try filters.pullFrame() {
            defer { var p: UnsafeMutablePointer<AVFrame>? = out; av_frame_free(&p) }
            filteredSeconds.output += Self.seconds(of: out)
            try buffer(toEncoder.convert(out))
        }
    }

    private static func seconds(of frame: UnsafeMutablePointer<AVFrame>) -> Double {
        frame.pointee.sample_rate > 0 ? Double(frame.pointee.nb_samples) / Double(frame.pointee.sample_rate) : 0
    }

    /// Channels without roles (PCM in Matroska) get the usual layout for their count.
    private static func giveRoles(to layout: inout AVChannelLayout) {
        guard layout.order == AV_CHANNEL_ORDER_UNSPEC else { return }
        let channels = layout.nb_channels
        av_channel_layout_uninit(&layout)
        av_channel_layout_default(&layout, channels)
    }

    private func buffer(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let frame, frame.pointee.nb_samples > 0 else { return }
        let planes = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard av_audio_fifo_write(fifo, planes, frame.pointee.nb_samples) == frame.pointee.nb_samples else {
            throw MediaError(.codec, "cannot buffer audio")
        }
    }

    /// Whole encoder frames from the FIFO (with `flushing`, the rest too, then the encoder's
    /// delayed packets).
    private func encode(flushing: Bool) throws -> [Packet] {
        var out: [Packet] = []
        let size = encoder.pointee.frame_size > 0 ? encoder.pointee.frame_size : 1024
        while av_audio_fifo_size(fifo) >= size || (flushing && av_audio_fifo_size(fifo) > 0) {
            let frame = av_frame_alloc()!
            defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
            frame.pointee.nb_samples = min(size, av_audio_fifo_size(fifo))
            frame.pointee.format = encoder.pointee.sample_fmt.rawValue
            frame.pointee.sample_rate = encoder.pointee.sample_rate
            av_channel_layout_copy(&frame.pointee.ch_layout, &encoder.pointee.ch_layout)
            guard av_frame_get_buffer(frame, 0) >= 0 else { throw MediaError(.codec, "cannot allocate audio") }
            let planes = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            av_audio_fifo_read(fifo, planes, frame.pointee.nb_samples)
            frame.pointee.pts = nextPTS ?? 0
            nextPTS = (nextPTS ?? 0) + Int64(frame.pointee.nb_samples)
            let r = avcodec_send_frame(encoder, frame)
            guard r >= 0 else { throw MediaError.ffmpeg(r, "encoding audio") }
            out += try receive()
        }
        if flushing {
            let r = avcodec_send_frame(encoder, nil)
            guard r >= 0 || r == clarity_averror_eof() else { throw MediaError.ffmpeg(r, "encoding audio") }
            out += try receive()
        }
        return out
    }

    private func receive() throws -> [Packet] {
        var out: [Packet] = []
        while true {
            let r = avcodec_receive_packet(encoder, packet)
            if r == clarity_averror_eagain() || r == clarity_averror_eof() { return out }
            guard r >= 0 else { throw MediaError.ffmpeg(r, "encoding audio") }
            out.append(Packet(movingFrom: packet))
        }
    }
}

extension AudioReencoder: StreamReencoder {}
