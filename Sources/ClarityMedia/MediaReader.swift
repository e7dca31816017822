import CFFmpeg
import Foundation
import Synchronization

/// What the reader hands on: a decoded picture of the video stream, or a packet of a copied stream.
public enum MediaItem: @unchecked Sendable {
    case frame(VideoFrame)
    case packet(Packet)
}

/// Demuxes and decodes the first video stream of anything FFmpeg can open (`pipe:0` included).
///
/// Damage is survived, not fatal: packets the decoder rejects are counted and skipped, and a
/// truncated file ends the stream early with `truncated` set.
public final class MediaReader {
    public let url: String
    /// The input as messages name it: stdin rather than pipe:0, a path as given.
    public let name: String
    /// Whether the input is a numbered sequence of pictures (`photo%03d.jpg`).
    public var readsPictureSequence: Bool { PictureSequence.isPattern(url) && localFile != url }
    /// The local file `url` names, which can be opened again (to look ahead, or by a filter
    /// that reads the input's subtitles); nil for a pipe, a device or a network stream.
    public let localFile: String?
    /// Whether the input is a pipe (stdin, `pipe:N`, `/dev/fd/N`, a named pipe), which delivers
    /// at its writer's pace; not a file that the shell redirected stdin from.
    public var readsPipe: Bool { interruptiblePipe != nil }
    /// The frames handed out; `decodedFormat` unless deinterlacing doubles the rate.
    public private(set) var videoFormat: VideoFormat
    /// The frames as decoded (the stream's time base and rate).
    private let decodedFormat: VideoFormat
    public private(set) var videoStream: StreamInfo
    public private(set) var streams: [StreamInfo]
    /// Streams that belong only to other programmes of a multiplex than the video's (a
    /// recording of a whole DVB multiplex): another channel's sound, not this one's.
    public let otherProgrammeStreams: Set<Int>
    /// Container duration in seconds, when known.
    public let duration: Double?
    /// Frames expected, when the container says (for progress), no more than `frameLimit`;
    /// nil when unknown. Read from any thread: joined recordings revise it as they are read.
    public var expectedFrames: Int? {
        let listed = framesListed.withLock { $0 }
        return frameLimit.map { n in listed.map { min($0, n) } ?? n } ?? listed
    }
    private let framesListed: Mutex<Int?>
    /// Where the first frame handed out was read, the origin of `reviseListedFrames`.
    private var firstFrameOffset: Int64?
    /// Frames handed out at most; nil: all of the part.
    public private(set) var frameLimit: Int?
    private var framesHandedOut = 0
    /// A frame followed the last one handed out under `frameLimit` (known once `read()` has
    /// returned nil): a picture output says the input held more only when it did.
    public var framesLeftBehind: Bool { frameBeyondLimit ?? false }
    /// Whether a frame followed the limit; nil until `read()` looked.
    private var frameBeyondLimit: Bool?

    /// The part of each frame handed out (`--crop`); nil: whole frames.
    public let crop: CropRect?
    /// `crop` as the picture is shown (turned by its display matrix), as `--crop` takes it.
    public var cropAsShown: CropRect? { crop.map { $0.shown(in: decodedFormat) } }
    /// Deinterlaced under `auto`, the input looks like film telecined to 29.97 fps (a file's
    /// interlaced 29.97 video, checked on a run of its frames): `film` would suit it better.
    public let looksTelecined: Bool
    /// libavdevice's inputs (v4l2 cameras, x11grab, lavfi, ...) join the demuxers, once, where
    /// an input format is named (the library is loaded then: `CFFmpegOnDemand`).
    private static let devices: Void = avdevice_register_all()

    /// The file's tags and chapters (chapters on the output's clock: a part's start is 0).
    public private(set) var metadata = MediaMetadata()

    public private(set) var corruptPackets = 0
    public private(set) var corruptFrames = 0
    public private(set) var truncated = false
    /// Where the input ended before the length its container states (a file cut off).
    public private(set) var shortfall: InputShortfall?
    /// Why reading stopped before the input's end, as FFmpeg says it ("Impossible to open
    /// 'part2.mp4'" for a concat list's missing file); nil where it reached the end.
    public private(set) var readError: String?
    /// Clock jumps of the input (an MPEG-TS splice, joined recordings) mended so far, and the
    /// packets of copied streams dropped where the part after one overlapped the part before.
    public var timestampJumps: Int { stitcher?.jumps ?? 0 }
    public private(set) var seamOverlaps = 0
    /// Streams that began part-way through the input, unknown when it was opened (an MPEG-TS
    /// whose programme changed its streams, recordings of different channels joined), and
    /// their codecs. Not in the output.
    public private(set) var streamsBegunLate: [(index: Int, codec: String)] = []
    /// Video frames the input starts with that could not be decoded (it was cut between key
    /// frames), and how much later than them the video starts.
    public var undecodableLead: (frames: Int, seconds: Double) { (leadingLoss.frames, leadingLoss.seconds) }
    private var leadingLoss = LeadingLoss()
    /// Present for formats whose clock may jump (MPEG-TS, MPEG-PS).
    private var stitcher: TimestampStitcher?
    /// The length the container states, which a file cut off ends before.
    private var statedEnd: StatedEnd?
    /// Frames decoded at another size or pixel format than the stream started with (a
    /// broadcast capture across a change of programme), scaled to `videoFormat`, and the
    /// first such shape ("480x270 yuv420p").
    public private(set) var reshapedFrames = 0
    public private(set) var firstOtherShape: String?
    /// The scaler of the latest other shape.
    private var reshaper: FrameScaler?
    /// Deinterlaces the decoded frames (after reshaping), gives them a new rate, crops them,
    /// turns them upright and runs the user's filters, where asked; nil when they go out as
    /// decoded.
    private var filters: ReadFilters?
    /// What `filters` were set up for.
    private var filterPlan: ReadFilters.Plan
    /// Seconds of video into `--vf` and out; nil without it.
    public var filteredLength: StreamLength? { filters?.length }
    /// Whether frames are deinterlaced on their way out.
    public let deinterlaces: Bool
    /// The input's rate and the rate its frames were thinned to, where it ran faster than the
    /// output can time (`InputReading.fastestRate`).
    public private(set) var thinned: (from: AVRational, to: AVRational)?
    /// The part read (`--chapters` made times), and its bounds in microseconds of the input's
    /// clock (begin: where timestamps restart at 0).
    public let range: InputRange
    private var begin: Int64 = 0
    /// Where the output's clock starts on the input's own, in seconds: the input's start time
    /// (an MPEG-TS recording's clock can stand at hours) plus `--start`'s.
    public var clockOrigin: Double { Double(begin) / 1e6 }
    private var end: Int64?

    /// Video packets the container's index lists (MP4's sample table), when it has one: a file
    /// that ends before them is truncated even where the demuxer reports a clean end.
    private let indexedPackets: Int?
    /// Set for a fragmented MP4 read whole, whose cut tail its demuxer hides.
    private var fragmentTail: FragmentedMP4Tail?
    /// Set for Matroska and WebM, whose cut last block their demuxer drops without a word.
    private var matroskaTail: MatroskaTail?
    /// FFmpeg's name of the demuxer.
    private var demuxerName = ""
    /// Whether `ContainerTail` checks the input's end (a pipe's, by what it kept).
    private var checksTail: Bool { ContainerTail.demuxers.contains(demuxerName) }
    private var videoPackets = 0
    /// AVI's video length, in its own ticks, where the file is read whole.
    private var aviLength: AVILength?
    /// Set for inputs of bare frames (y4m, raw video), whose cut tail the demuxer hides.
    private var frameTail: FrameStreamTail?
    /// Set for JPEG pictures, whose cut last picture the decoder conceals.
    private var jpegTail: JPEGTail?
    /// Where the last video packet sent lay in the input, and whether it failed to decode or
    /// its frame came out concealed: the mark of a cut on a packet's edge where packets state
    /// no length and the input read to its clean end (not stopped, nor a network source gone
    /// silent).
    private var lastVideoPacketAt: Int64 = -1
    private var lastPacketDamaged = false
    private var concealedLastPacketTellsCut = false
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let packet = av_packet_alloc()!
    /// A packet read before the others (a photo's, through a pipe, for its orientation), handed
    /// on first.
    private var heldPacket: UnsafeMutablePointer<AVPacket>?
    /// Whether the input is pictures (their own pixel shape, a JPEG's density, is ignored by viewers).
    private var readsPictures = false
    private var copied: Set<Int> = []
    /// The copied streams of text subtitles, whose lines are cut to the part (`keep`).
    private var copiedText: Set<Int> = []
    /// The copied streams of pictures (Blu-ray's, DVD's), whose picture on screen at the part's
    /// start is carried to it.
    private var carry = PictureSubtitleCarry()
    /// Whether the input was sought to the part (a look back then reads what the carry needs).
    private var sought = false
    /// The input opened again, where it can be.
    private var secondLook: SecondLook?
    /// Items read and handed out after the carried packets.
    private var waiting: [MediaItem] = []
    private var draining = false
    /// The decoder has given its last frame (or the part read has ended).
    private var finished = false
    /// The filters have been told the stream ended.
    private var flushed = false
    /// The last decoded frame's timestamp (the stream's clock), to time frames that have none.
    private var lastPts: Int64?
    /// Lets a stop, or a network input's silence, end a blocking read.
    private let watch: ReadWatch
    /// Stdin from a pipe, read so that a stop ends a stalled read; closed after `context`.
    private let interruptiblePipe: InterruptiblePipe?
    /// Stdin redirected from a file read as a stream (from where it was left), and that offset.
    private let redirectedFile: (descriptor: Int32, start: Int64)?
    /// Opens `url` (a path, `pipe:0`, or `-` or /dev/stdin for stdin). `format` forces a demuxer
    /// (e.g. "yuv4mpegpipe"); `decoderThreads` 0 lets FFmpeg choose. With
    /// `exportEncodingParameters`, decoders that can (H.264) attach each frame's quantizers.
    /// `reading` says which part to read, what becomes of interlaced video (`double` doubles
    /// the frame rate in `videoFormat` and halves its time base) and the rate of an untimed
    /// input.
    public init(url given: String, format: String? = nil, decoderThreads: Int = 1, exportEncodingParameters: Bool = false,
                reading: InputReading = InputReading()) throws {
        var range = reading.range
        let deinterlace = reading.deinterlace
        // /dev/stdin, /dev/fd/N: the descriptor itself, as `-` is (a redirected file read from
        // where it was left, not opened again from its start).
        let url = given == "-" ? "pipe:0" : RedirectedFile.descriptor(named: given).map { "pipe:\($0)" } ?? given
        self.url = url
        name = PipeName.shown(given)
        let shown = name
        // Video from a terminal (an input of - with nothing piped in) would wait for typing.
        if PipeName.isTerminal(url, standard: 0) {
            throw MediaError(.invalidArgument, "\(shown) is a terminal, not a stream: pipe one in (ffmpeg -i in.mp4 -f yuv4mpegpipe - | clarity ...)")
        }
        var inputFormat: UnsafePointer<AVInputFormat>?
        if let format {
            _ = Self.devices
            guard let f = av_find_input_format(format) else {
                throw MediaError(.invalidArgument, "unknown input format '\(format)' (see `ffmpeg -demuxers` and `ffmpeg -devices`)")
            }
            inputFormat = f
            if String(cString: f.pointee.name) == "rawvideo" && reading.demuxerOptions["video_size"] == nil {
                throw MediaError(.invalidArgument, UnreadableInputHint.rawFrames)
            }
        }
        // Devices (a camera, the screen, lavfi's generated video) open what they name themselves.
        let device = inputFormat.map { ($0.pointee.flags & AVFMT_NOFILE) != 0 } ?? false
        // A local file can be opened a second time, to look ahead (HDR metadata, black bars, telecine).
        // A shell pattern of pictures names no file itself (nor may it be a file: URL).
        let globbed = reading.demuxerOptions["pattern_type"] == "glob" && PictureSequence.isGlob(url)
        let start = reading.demuxerOptions["start_number"].flatMap { Int($0) }
        // Stdin (or pipe:N) redirected from a file, not yet read, is that file, opened again:
        // FFmpeg seeks it there (an MP4 indexed at its end, an APNG, a long GIF, --start) and
        // it can be looked at twice, as by its name.
        let descriptor = PipeCapacity.descriptor(of: url, standard: 0)
        let reopened = device ? nil : descriptor.flatMap { RedirectedFile.path(of: $0) }
        let path = device || url.hasPrefix("pipe:") ? reopened
            : globbed ? PictureSequence.firstMatch(ofGlob: url) ?? url : Self.localPath(url, start: start)
        var isDirectory: ObjCBool = false
        let exists = path.map { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) } ?? false
        // A pipe by its path (a named pipe) is read once, as stdin is: a second look waited for
        // a writer that had gone, and a look at its first bytes took them from the demuxer.
        let rereadable = exists && !(path.map(InterruptiblePipe.isPipe) ?? false)
        let known = Self.protocolName(url)
        if path != nil && !exists {
            // No such file here: a URL of a protocol FFmpeg has, or nothing.
            if known == nil && url.contains("://") {
                throw MediaError(.invalidArgument, "FFmpeg has no '\(url.prefix { $0 != ":" })' protocol to read \(shown) "
                                 + "(`ffmpeg -protocols` lists those it has)")
            }
            if known == nil || known == "file" {
                let glob = !globbed && PictureSequence.isGlob(url) && PictureSequence.firstMatch(ofGlob: url) != nil
                    ? " (for the pictures this pattern names: --input-option pattern_type=glob)" : ""
                let numbered = path.flatMap { PictureSequence.isPattern($0) ? PictureSequence.startHint($0) : nil } ?? ""
                throw MediaError(.inputNotFound, "input not found: \(shown)\(glob)\(numbered)")
            }
        }
        if let path, exists, isDirectory.boolValue || !FileManager.default.isReadableFile(atPath: path) {
            throw MediaError(.inputUnreadable, "cannot read input: \(shown)")
        }
        if let path, rereadable, !isDirectory.boolValue {
            // FFmpeg reads an empty file as "invalid data" (an empty .mp4 as a recording without its index).
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            if attributes?[.type] as? FileAttributeType == .typeRegular, attributes?[.size] as? Int == 0 {
                throw MediaError(.notMedia, "\(shown) is empty (0 bytes): nothing to read")
            }
            try ListedFiles.check(path, concat: inputFormat.map { String(cString: $0.pointee.name) } == "concat", shown: shown)
        }
        let file = url.hasPrefix("file:") ? String(url.dropFirst(5)) : url
        if !globbed, exists, PictureSequence.isPattern(file), !FileManager.default.fileExists(atPath: file) {
            try PictureSequence.checkUnbroken(file, start: start, shown: shown)
        }
        // What FFmpeg opens: a local file named as a file: URL. A name with a colon
        // ("clip-12:00.mp4") would otherwise read as a URL of a protocol named by what comes
        // before the colon, and FFmpeg 5.1's DASH reader finds the segments of a manifest
        // named by a relative path with a folder (dash/film.mpd) only from such a URL.
        localFile = rereadable ? path : nil
        let source = reopened.map { "file:" + $0 } ?? (rereadable && !globbed && !url.hasPrefix("file:") ? "file:" + url : url)
        let network = url.contains("://")
        if !network && reading.inputTimeout != nil {
            throw MediaError(.invalidArgument, "--input-timeout is for network inputs (udp://, rtmp://, http://, ...): \(shown) is no such input")
        }
        let watch = ReadWatch(silence: network ? reading.networkSilence : nil)
        self.watch = watch
        interruptiblePipe = InterruptiblePipe(url: url, path: exists ? path : nil, watch: watch)
        redirectedFile = interruptiblePipe == nil && reopened == nil ? descriptor.flatMap { fd in
            let at = lseek(fd, 0, SEEK_CUR)
            return at >= 0 ? (fd, Int64(at)) : nil
        } : nil
        var ctx = avformat_alloc_context()
        ctx?.pointee.interrupt_callback = watch.callback
        // (Asked only from inside FFmpeg's calls on the context, while it lives.)
        if watch.silence != nil, let opened = ctx { watch.received = { opened.pointee.pb?.pointee.bytes_read ?? 0 } }
        if let pipe = interruptiblePipe?.context {
            ctx?.pointee.pb = pipe
            ctx?.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        }
        var demuxerOptions: OpaquePointer?
        defer { av_dict_free(&demuxerOptions) }
        // Demuxers of untimed inputs (picture sequences, raw video) take the rate to time them at.
        if let forced = reading.frameRate { av_dict_set(&demuxerOptions, "framerate", "\(forced.num)/\(forced.den)", 0) }
        for (key, value) in reading.demuxerOptions { av_dict_set(&demuxerOptions, key, value, 0) }
        let opened = FFmpegLog.reasons { avformat_open_input(&ctx, source, inputFormat, &demuxerOptions) }
        var r = opened.result
        let silent = MediaError(.notMedia, "\(url) sent nothing for \(watch.silenceSaid): --input-timeout waits longer")
        if watch.wentSilent { throw silent }
        if device, r < 0, let inputFormat {
            let name = String(cString: inputFormat.pointee.name)
            throw MediaError(r == clarity_averror(ENOENT) ? .inputNotFound : .notMedia,
                             "the \(name) device cannot open \(shown) (\(MediaError.text(r)))")
        }
        if r < 0 && clarity_averror_is_unreachable(r) != 0 {
            throw MediaError(.inputUnreadable, "cannot open \(shown) (\(MediaError.text(r)))")
        }
        if r < 0, interruptiblePipe?.ends.count == 0 {
            throw MediaError(.notMedia, "nothing came through the input pipe (\(shown)): its writer closed it without sending any data")
        }
        if [clarity_averror(ENOSYS), clarity_averror(EIO)].contains(r),
           let read = Self.streamBytes(pipe: interruptiblePipe, redirected: redirectedFile),
           let format = read.read(0, Int(min(read.size, 4096))).flatMap(Self.probedFormat) {
            // A demuxer that must seek fails so on a pipe, whatever the file holds: APNG's
            // always, GIF's where the file is longer than what the reader holds at once (32 KiB).
            throw MediaError(.inputUnreadable, "\(shown) cannot be read as a stream: FFmpeg's \(format) reader must seek in the file "
                             + "(\(MediaError.text(r))): give the file's name instead (a stream saved to a file first)")
        }
        guard r >= 0, let ctx else {
            let given = reading.demuxerOptions.isEmpty ? "" : " with the input options given"
            throw MediaError(.notMedia, "\(shown) is not a media file FFmpeg can read\(given) (\(MediaError.text(r))"
                             + (opened.reasons.map { ": " + $0 } ?? "") + ")"
                             + UnreadableInputHint.hint(path: localFile, reasons: opened.reasons, forced: inputFormat))
        }
        context = ctx
        if (ctx.pointee.iformat.pointee.flags & AVFMT_TS_DISCONT) != 0 { stitcher = TimestampStitcher() }
        // The demuxers of untimed inputs are those that take a rate (image2, rawvideo, h264, ...).
        var demuxer = ctx.pointee.iformat.pointee
        let takesRate = demuxer.priv_class != nil
            && av_opt_find(&demuxer.priv_class, "framerate", nil, 0, AV_OPT_SEARCH_FAKE_OBJ) != nil
        if reading.frameRate != nil && !takesRate {
            avformat_close_input(&context)
            throw MediaError(.invalidArgument, "--input-rate is for inputs without timing of their own (raw H.264 / HEVC, "
                             + "picture sequences): \(shown) (\(String(cString: demuxer.name))) times its frames itself")
        }
        if let left = av_dict_get(demuxerOptions, "", nil, AV_DICT_IGNORE_SUFFIX) {
            let key = String(cString: left.pointee.key)
            avformat_close_input(&context)
            throw MediaError(.invalidArgument, "the \(String(cString: demuxer.name)) demuxer has no option '\(key)' "
                             + "(see `ffmpeg -h demuxer=\(String(cString: demuxer.name))`)")
        }
        let found = FFmpegLog.reasons { avformat_find_stream_info(ctx, nil) }
        r = found.result
        // What the demuxer found wrong while reading the header: damage, where a stream is missing or unknown.
        let logged = [opened.reasons, found.reasons].compactMap { $0 }
        let damage = logged.isEmpty ? nil : FFmpegLog.once(logged.joined(separator: "; "))
        let damageSaid = damage.map { " (FFmpeg found it damaged: \($0))" } ?? ""
        if watch.wentSilent {
            avformat_close_input(&context)
            throw silent
        }
        guard r >= 0 else {
            avformat_close_input(&context)
            throw MediaError(.notMedia, "\(shown): cannot read stream information (\(MediaError.text(r))\(damage.map { ": " + $0 } ?? ""))")
        }
        SubtitleCanvas.stateWhereMissing(in: ctx)
        statedEnd = StatedEnd(ctx)
        let all = (0..<Int(ctx.pointee.nb_streams)).map { StreamInfo(ctx.pointee.streams[$0]!) }
        streams = all
        let videos = all.filter { $0.kind == .video && !$0.isAttachedPicture }
        if let chosen = reading.videoStream, !videos.contains(where: { $0.index == chosen }) {
            avformat_close_input(&context)
            throw StreamInfo.missing(.index(chosen), option: "--video-stream", kind: .video, among: videos, in: shown)
        }
        // Where the input's own clock starts (an MPEG-TS recording's can stand at hours).
        let origin = ctx.pointee.start_time == clarity_nopts_value() ? 0 : ctx.pointee.start_time
        if let chapters = reading.chapters {
            do {
                range = try Self.range(ofChapters: chapters, in: ctx, from: origin, name: shown)
            } catch {
                avformat_close_input(&context)
                throw error
            }
        }
        let best = reading.videoStream.map(Int32.init) ?? av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard best >= 0 else {
            avformat_close_input(&context)
            let unknown = all.filter { $0.codecID == AV_CODEC_ID_NONE }.map { "#\($0.index)" }
            let unknownSaid = unknown.isEmpty ? "" : " (the header of stream \(unknown.joined(separator: ", ")) names no codec FFmpeg knows)"
            throw MediaError(.noVideoStream, "\(shown) has no video stream\(unknownSaid)\(damageSaid)")
        }
        otherProgrammeStreams = Self.otherProgrammeStreams(ctx, video: Int(best))
        var video = all[Int(best)]
        guard !video.isAttachedPicture else {
            avformat_close_input(&context)
            throw MediaError(.noVideoStream, "\(shown) has no video stream, only a cover picture; to enhance the cover, "
                             + "take it out first (ffmpeg -i \(url) -an cover.png) and give that")
        }
        let stream = ctx.pointee.streams[Int(best)]!
        let par = stream.pointee.codecpar!
        // One second look at a file serves every look-ahead below, opened when one needs it.
        let look = rereadable ? SecondLook(url: source, format: ctx.pointee.iformat, options: reading.demuxerOptions) : nil
        secondLook = look
        lazy var sampler = look.flatMap { FrameSampler($0, stream: Int(best)) }
        lazy var firstFrame = sampler?.next()
        // HDR10 metadata only in the bitstream: the first frame says it, read ahead from a file
        // (HLG's light levels, where a grade states them, too).
        if ColourProperties(par.pointee).isHDR, HDRStaticMetadata(video.sideData).isEmpty, let first = firstFrame {
            video.sideData += HDRStaticMetadata(frame: first.avFrame).sideData
        }
        // A photo's EXIF orientation (a phone held upright): the JPEG decoder states it on the
        // frame, as a display matrix, which then turns the picture as the stream's would. From a
        // file's first picture; through a pipe, from its first packet, read now and handed out first.
        let demuxerName = String(cString: ctx.pointee.iformat.pointee.name)
        if par.pointee.codec_id == AV_CODEC_ID_MJPEG, !video.sideData.contains(where: { $0.kind == AV_PKT_DATA_DISPLAYMATRIX }) {
            var matrix: [UInt8]?
            if let first = firstFrame {
                matrix = PhotoOrientation.displayMatrix(of: first.avFrame)
            } else if look == nil, demuxerName.hasSuffix("pipe") {
                var first = av_packet_alloc()
                if let read = first, av_read_frame(ctx, read) >= 0 {
                    heldPacket = read
                    if read.pointee.stream_index == best { matrix = PhotoOrientation.displayMatrix(of: read, parameters: par) }
                } else {
                    av_packet_free(&first)  // to fail again in turn
                }
            }
            if let matrix { video.sideData.append(.init(kind: AV_PKT_DATA_DISPLAYMATRIX, bytes: matrix)) }
        }
        videoStream = video
        let alpha = Self.alphaDecoder(par, stream.pointee.metadata)
        guard let codec = alpha ?? avcodec_find_decoder(par.pointee.codec_id) else {
            let unknown = par.pointee.codec_id == AV_CODEC_ID_NONE
            avformat_close_input(&context)
            if unknown {
                throw MediaError(damage == nil ? .unsupported : .notMedia, "\(shown): the codec of its video stream, #\(best), is not one "
                                 + "FFmpeg \(String(cString: av_version_info())) knows\(damageSaid)")
            }
            throw MediaError(.unsupported, "\(shown): no decoder for \(videoStream.codecName)")
        }
        let dec = avcodec_alloc_context3(codec)!
        decoder = dec
        avcodec_parameters_to_context(dec, par)
        dec.pointee.pkt_timebase = stream.pointee.time_base
        dec.pointee.thread_count = Int32(max(0, decoderThreads))
        var options: OpaquePointer?
        if exportEncodingParameters { av_dict_set(&options, "export_side_data", "venc_params", 0) }
        let decoderOpened = FFmpegLog.reasons { avcodec_open2(dec, codec, &options) }
        r = decoderOpened.result
        av_dict_free(&options)
        guard r >= 0 else {
            avcodec_free_context(&decoder)
            avformat_close_input(&context)
            // A header the decoder finds corrupt is damage to the file, not a codec FFmpeg lacks.
            let damaged = StreamInfo.decoderRefusedDamage(r) || damage != nil
            throw MediaError.ffmpeg(r, "\(shown): cannot open the \(videoStream.codecName) decoder\(damaged ? " (its header is damaged)" : "")",
                                    kind: damaged ? .notMedia : .unsupported, reasons: decoderOpened.reasons)
        }
        guard par.pointee.width > 0, par.pointee.height > 0, par.pointee.format >= 0 else {
            avcodec_free_context(&decoder)
            let mov = String(cString: ctx.pointee.iformat.pointee.name).hasPrefix("mov")
            let piped = !Self.seekable(ctx)
            let animatedWebP = par.pointee.codec_id == AV_CODEC_ID_WEBP && localFile.map(Self.isAnimatedWebP) == true
            let (pipe, redirected) = (interruptiblePipe, redirectedFile)
            let bytes = ctx.pointee.pb.flatMap { pb in Self.inputBytes(pb, pipe: pipe, redirected: redirected) }
            // (A pipe's kept ends tell only once it has been read to its end.)
            let readWhole = ctx.pointee.pb.map { pipe == nil || avio_feof($0) != 0 } == true
            let cut = ContainerTail.demuxers.contains(demuxerName) && readWhole && bytes.map { ContainerTail.isCut($0, demuxer: demuxerName) } == true
            // An MP4 whose index came first lists where its pictures lie: past the end, they are
            // cut off; a fragmented one lists them in its fragments: none came.
            let listed = Int(avformat_index_get_entries_count(stream))
            let firstListedEnd = listed > 0 ? avformat_index_get_entry(stream, 0).map { $0.pointee.pos + Int64($0.pointee.size) } : nil
            let picturesCutOff = mov && readWhole && firstListedEnd.map { end in bytes.map { end > $0.size } == true } == true
            let unfragmented = mov && listed == 0 && bytes.map(FragmentedMP4Tail.isFragmented) == true
            // A picture format without a parser comes from a stream in arbitrary pieces, none
            // of them a whole picture (FFmpeg 5.1's TIFF).
            let unparsed = piped && demuxerName.hasSuffix("_pipe") && !Self.hasParser(par.pointee.codec_id)
            avformat_close_input(&context)
            if cut {
                throw MediaError(.notMedia, "\(shown) is cut short (a download or a copy not finished): its \(videoStream.codecName) "
                                 + "picture ends before the file's own structure says it does, and nothing of it could be decoded")
            }
            if picturesCutOff {
                throw MediaError(.notMedia, "\(shown) holds no whole picture: its index lists \(listed), and the file ends before the "
                                 + "first one does (cut off: a download or a copy not finished)")
            }
            if unfragmented {
                throw MediaError(.notMedia, "\(shown) holds no picture: it is a fragmented MP4 (as a recording writes) that ends "
                                 + "before its first fragment (cut off, or its recording stopped before it wrote one)")
            }
            if unparsed {
                throw MediaError(.inputUnreadable, "\(shown): FFmpeg \(String(cString: av_version_info())) reads \(videoStream.codecName) "
                                 + "pictures from files only, not from a stream (it cannot tell where a picture ends): give the file's name "
                                 + "instead (a stream saved to a file first)")
            }
            if mov && piped {
                // Most MP4s keep their index (moov) after the media, which a pipe has passed by
                // the time the index tells where the pictures were; so has a server that sends
                // a file only from its start (no range requests).
                let served = url.contains("://") && !url.hasPrefix("file:")
                let way = served ? "from a server that sends files only whole (no range requests)" : "through a pipe"
                let reader = served ? "such a server" : "a pipe"
                let instead = served ? "Download it first" : "Give the file's name instead"
                throw MediaError(.inputUnreadable, "\(shown): no picture could be read from this MP4 \(way): most MP4s keep their "
                                 + "index at their end, after the pictures, and \(reader) cannot go back for them. \(instead), "
                                 + "or move its index first (ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4)")
            }
            if animatedWebP {
                throw MediaError(.unsupported, "\(shown) is an animated WebP, which FFmpeg \(String(cString: av_version_info())) cannot "
                                 + "decode (it reads still WebP only): turn it into numbered pictures or a GIF first, with a tool that "
                                 + "reads it, and give that")
            }
            // The demuxer found a stream whose first picture the decoder could not read:
            // usually a feature this FFmpeg lacks.
            throw MediaError(.unsupported, "\(shown): FFmpeg \(String(cString: av_version_info())) cannot read the frame size "
                             + "or pixel format of its \(videoStream.codecName) stream (a feature its decoder lacks, or no picture it "
                             + "could decode: damage, or a cut recording that holds no key frame)")
        }
        var rate = reading.frameRate ?? stream.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 0, den: 1) }
        // The stream's own where the container states one (y4m's A field is only there), as ffmpeg takes it.
        var sar = av_guess_sample_aspect_ratio(ctx, stream, nil)
        if sar.num <= 0 || sar.den <= 0 { sar = AVRational(num: 1, den: 1) }
        var decoded = VideoFormat(
            width: Int(par.pointee.width), height: Int(par.pointee.height),
            pixelFormat: alpha != nil ? AV_PIX_FMT_YUVA420P : AVPixelFormat(rawValue: par.pointee.format),
            timeBase: stream.pointee.time_base, frameRate: rate, sampleAspectRatio: sar,
            colour: ColourProperties(par.pointee)).withGuessedColourStated
        decoded.displayRotation = videoStream.displayRotation
        // A variable rate's fastest stretch, where FFmpeg's guess is sane (not a 90 kHz tick):
        // up to four times the average, or 120 fps (30 fps with a pause of 10 s in 12 averages
        // 5, and AVI's clock ticked at 5: 48 of 60 frames were left out).
        let peak = stream.pointee.r_frame_rate
        if reading.frameRate == nil, peak.num > 0, peak.den > 0, av_cmp_q(peak, rate) > 0, av_q2d(peak) <= max(4 * av_q2d(rate), 120) {
            decoded.peakFrameRate = peak
        }
        decodedFormat = decoded
        let interlaced = Self.fieldOrder(par.pointee.field_order) != nil
        deinterlaces = deinterlace != .off && (deinterlace != .auto || interlaced)
        // A new rate: the one asked for, or an even fraction of a rate the output cannot time.
        let deinterlacedRate = deinterlaces && rate.num > 0 ? av_mul_q(rate, deinterlace.rateChange) : rate
        var newRate = reading.rate
        if newRate == nil, let fastest = reading.fastestRate, deinterlacedRate.num > 0, av_cmp_q(deinterlacedRate, fastest) > 0 {
            let divisor = Int32((av_q2d(deinterlacedRate) / av_q2d(fastest)).rounded(.up))
            let fraction = av_div_q(deinterlacedRate, AVRational(num: divisor, den: 1))
            (newRate, thinned) = (fraction, (deinterlacedRate, fraction))
        }
        var whole: Double?
        if AVILength.statesPlaceholders(ctx) {
            whole = nil
        } else if stream.pointee.duration > 0 {
            whole = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
        } else if let length = StatedEnd.length(ctx) {
            whole = Double(length) / Double(AV_TIME_BASE)
        }
        // MPEG-TS and MPEG-PS state no length: FFmpeg's is their clock's last time less its
        // first, the last recording's length where recordings were joined (`cat`), whose
        // clocks restart. A part past it is looked for by reading from the start, on the
        // stitched clock (a seek finds a time of the first recording, or none).
        let pastStatedEnd = whole.map { range.start > 0 && range.start >= $0 } ?? false
        let readFromStart = pastStatedEnd && stitcher != nil
        if readFromStart { whole = nil }
        if let whole, pastStatedEnd {
            avcodec_free_context(&decoder)
            avformat_close_input(&context)
            throw MediaError(.invalidArgument, String(format: "%@ lasts %.3f s: nothing to process from %.3f s on", shown, whole, range.start))
        }
        do {
            crop = try Self.cropRect(reading.crop, url: url, rereadable: rereadable, format: decoded, duration: whole) { sampler }
            filterPlan = ReadFilters.Plan(deinterlace: deinterlaces ? deinterlace : nil, rate: newRate, crop: crop,
                                          userGraph: reading.filterGraph)
            filters = filterPlan.isEmpty ? nil : try ReadFilters(format: decoded, plan: filterPlan)
        } catch {
            avcodec_free_context(&decoder)
            avformat_close_input(&context)
            throw error
        }
        // Interlaced 29.97 under `auto` may be film telecined, which `film` would restore.
        looksTelecined = deinterlace == .auto && interlaced && Deinterlacing.mayCarryPulldown(rate)
            && sampler.map { TelecineCheck.looksTelecined($0, format: decoded, duration: whole) } ?? false
        var output = decoded
        if let filters { output.timeBase = filters.timeBase }
        if let newRate {
            (output.frameRate, output.peakFrameRate) = (newRate, newRate)
        } else if deinterlaces && rate.num > 0 {
            output.frameRate = deinterlacedRate
            output.peakFrameRate = av_mul_q(decoded.peakFrameRate, deinterlace.rateChange)
        }
        if let userRate = filters?.userRate { (output.frameRate, output.peakFrameRate) = (userRate, userRate) }
        videoFormat = filters?.shaping(output) ?? output
        let rest = whole.map { max(0, $0 - range.start) }
        duration = range.duration.map { d in rest.map { min($0, d) } ?? d } ?? rest
        // A part of the file cannot be checked against the whole file's index.
        aviLength = range.isAll ? AVILength(stream, demuxer: ctx.pointee.iformat) : nil
        // (An AVI's count is its ticks, which `AVILength` reads, or FFmpeg's placeholder in a streamed one.)
        indexedPackets = stream.pointee.nb_frames > 0 && range.isAll && demuxerName != "avi" ? Int(stream.pointee.nb_frames) : nil
        if FrameStreamTail.demuxers.contains(demuxerName) {
            let pb = Self.seekable(ctx) ? ctx.pointee.pb : nil
            frameTail = FrameStreamTail { pb.map(avio_size).flatMap { $0 > 0 ? $0 : nil } }
        }
        if stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_MJPEG { jpegTail = JPEGTail() }
        if indexedPackets == nil && range.isAll && demuxerName.hasPrefix("mov,") { fragmentTail = FragmentedMP4Tail() }
        if demuxerName == "matroska,webm" { matroskaTail = MatroskaTail() }
        self.demuxerName = demuxerName
        if !ContainerTail.demuxers.contains(demuxerName) && fragmentTail == nil && matroskaTail == nil { interruptiblePipe?.stopKeepingEnds() }
        readsPictures = ["image2", "gif", "apng"].contains(demuxerName) || demuxerName.hasSuffix("_pipe")
        self.range = range
        // The output's clock starts at the part's start, the input's own start when it is
        // read whole (an MPEG-TS recording's clock can stand at hours), as ffmpeg's does.
        begin = origin + Int64(range.start * 1e6)
        if !range.isAll {
            let first = begin
            end = range.duration.map { first + Int64($0 * 1e6) }
            // To a key frame at or before the start; the frames between are decoded and
            // dropped. An input that cannot seek (a pipe, a device) is read from its
            // beginning: Matroska's and MP4's demuxers would "seek" a pipe by reading on, past
            // the key frame the part needs; so are joined recordings past the last one's length.
            if range.start > 0 && Self.seekable(ctx) && !readFromStart {
                KeyFrameSeek.seek(ctx, video: Int32(best), before: first)
                sought = true
            }
        }
        metadata.tags = MediaMetadata.tags(ctx.pointee.metadata)
        // A part's first frame is named later than the clip's.
        let framesIn = Int((range.start * av_q2d(decoded.frameRate) - 1e-6).rounded(.up))
        if framesIn > 0 {
            metadata.tags = Timecode.advanced(metadata.tags, byFrames: framesIn, rate: decoded.frameRate)
            videoStream.tags = Timecode.advanced(videoStream.tags, byFrames: framesIn, rate: decoded.frameRate)
            for i in streams.indices { streams[i].tags = Timecode.advanced(streams[i].tags, byFrames: framesIn, rate: decoded.frameRate) }
        }
        let shift = Double(begin) / 1e6, length = duration
        metadata.chapters = (0..<Int(ctx.pointee.nb_chapters)).compactMap { i in
            let c = ctx.pointee.chapters[i]!.pointee
            let tb = av_q2d(c.time_base)
            let start = max(0, Double(c.start) * tb - shift), end = Double(c.end) * tb - shift
            guard end > start, length.map({ start < $0 }) ?? true else { return nil }
            return MediaMetadata.Chapter(start: start, end: length.map { min(end, $0) } ?? end, tags: MediaMetadata.tags(c.metadata))
        }
        if let listed = indexedPackets ?? aviLength?.frames(of: stream) {
            // Frames out per frame in: deinterlacing's, or a new rate's against the input's.
            let change = (filters?.userRate ?? newRate).flatMap { r in rate.num > 0 ? av_div_q(r, rate) : nil }
                ?? (deinterlaces ? deinterlace.rateChange : AVRational(num: 1, den: 1))
            // Samples an MP4 edit list leaves out (before a cut's start) are read, never shown.
            let hidden = (0..<Int(avformat_index_get_entries_count(stream))).filter {
                (Int32(avformat_index_get_entry(stream, Int32($0))?.pointee.flags ?? 0) & AVINDEX_DISCARD_FRAME) != 0
            }.count
            framesListed = Mutex((listed - hidden) * Int(change.num) / Int(change.den))
        } else if let duration, output.frameRate.num > 0 {
            framesListed = Mutex(Int((duration * av_q2d(output.frameRate)).rounded()))
        } else {
            framesListed = Mutex(nil)
        }
        frameLimit = reading.frameLimit
        // Only the video stream is read until streams are chosen for copying.
        selectCopiedStreams([])
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        av_packet_free(&heldPacket)
        avcodec_free_context(&decoder)
        avformat_close_input(&context)
    }

    /// Chooses which non-video streams come out as packets; the others are discarded unread.
    public func selectCopiedStreams(_ indices: Set<Int>) {
        copied = indices
        guard let ctx = context else { return }
        let codec = { ctx.pointee.streams[$0]!.pointee.codecpar.pointee.codec_id }
        copiedText = indices.filter { SubtitleReencoder.holdsText(codec($0)) == true }
        carry = PictureSubtitleCarry(Dictionary(uniqueKeysWithValues: indices.map { ($0, codec($0)) }))
        // What is on screen at the start may lie before where the seek landed.
        if sought, !carry.streams.isEmpty, framesHandedOut == 0, let secondLook {
            carry.lookBack(in: secondLook, video: videoStream.index, before: begin)
        }
        // Where the container states a length, the streams not copied are read too (StatedEnd);
        // their packets are dropped.
        let readsAll = statedEnd?.isStated == true
        for i in 0..<Int(ctx.pointee.nb_streams) where i != videoStream.index {
            ctx.pointee.streams[i]!.pointee.discard = indices.contains(i) || readsAll ? AVDISCARD_DEFAULT : AVDISCARD_ALL
        }
    }

    /// Whether the first frame shows anything transparent; nil where its format has alpha and
    /// the input cannot be opened again to look.
    public lazy var firstFrameShowsTransparency: Bool? = videoFormat.hasAlpha
        ? secondLook.flatMap { FrameSampler($0, stream: videoStream.index)?.next() }.map(PixelFormatLoss.showsTransparency) : false

    /// How the container says the video is interlaced ("top field first"); nil when progressive
    /// or not said.
    public var interlacing: String? { Self.fieldOrder(videoStream.parameters.pointee.field_order) }

    /// The order of the fields of the frames handed out, where they still have them (interlaced
    /// video not deinterlaced); nil for progressive frames.
    public var fieldOrder: AVFieldOrder? { deinterlaces || interlacing == nil ? nil : videoStream.parameters.pointee.field_order }

    /// Ends a read that waits for input (a live source): the stream ends as if the input had.
    /// Safe from any thread.
    public func interrupt() { watch.stop() }

    /// The input ended because a network source sent nothing for `silence` ("10 s").
    public var wentSilent: Bool { watch.wentSilent }
    public var silence: String { watch.silenceSaid }

    /// libvpx's decoder for VP8 or VP9 with an alpha channel (Matroska's alpha_mode, 8-bit
    /// 4:2:0 only): FFmpeg's own decoders skip the alpha, as ffmpeg does unless told
    /// `-c:v libvpx-vp9`. Nil for other streams, or where FFmpeg lacks libvpx.
    private static func alphaDecoder(_ par: UnsafeMutablePointer<AVCodecParameters>, _ metadata: OpaquePointer?) -> UnsafePointer<AVCodec>? {
        let name = [AV_CODEC_ID_VP8: "libvpx", AV_CODEC_ID_VP9: "libvpx-vp9"][par.pointee.codec_id]
        guard let name, par.pointee.format == AV_PIX_FMT_YUV420P.rawValue,
              let mode = av_dict_get(metadata, "alpha_mode", nil, 0), String(cString: mode.pointee.value) == "1" else { return nil }
        return avcodec_find_decoder_by_name(name)
    }

    private static func fieldOrder(_ order: AVFieldOrder) -> String? {
        switch order {
        case AV_FIELD_TT, AV_FIELD_TB: return "top field first"
        case AV_FIELD_BB, AV_FIELD_BT: return "bottom field first"
        default: return nil
        }
    }

    /// The input's bytes for `ContainerTail`: a pipe's ends as kept, a redirected file's, or
    /// what `pb` can seek to.
    private func endBytes(_ pb: UnsafeMutablePointer<AVIOContext>) -> ContainerTail.Bytes? {
        Self.inputBytes(pb, pipe: interruptiblePipe, redirected: redirectedFile)
    }

    private static func inputBytes(_ pb: UnsafeMutablePointer<AVIOContext>, pipe: InterruptiblePipe?,
                                   redirected: (descriptor: Int32, start: Int64)?) -> ContainerTail.Bytes? {
        streamBytes(pipe: pipe, redirected: redirected) ?? ContainerTail.Bytes(pb)
    }

    /// A stream's bytes: a pipe's ends as kept, or a redirected file's.
    private static func streamBytes(pipe: InterruptiblePipe?, redirected: (descriptor: Int32, start: Int64)?) -> ContainerTail.Bytes? {
        pipe?.ends.source ?? redirected.flatMap { ContainerTail.Bytes(descriptor: $0.descriptor, from: $0.start) }
    }

    /// `frame` in `decodedFormat`: as it is, or scaled from another shape the stream changed to.
    /// Every frame the reader hands out has the shape the stages negotiated for.
    private func reshaped(_ frame: VideoFrame) throws -> VideoFrame {
        let f = frame.avFrame.pointee
        guard Int(f.width) != decodedFormat.width || Int(f.height) != decodedFormat.height
                || f.format != decodedFormat.pixelFormat.rawValue else { return frame }
        var shape = decodedFormat
        (shape.width, shape.height, shape.pixelFormat) = (Int(f.width), Int(f.height), AVPixelFormat(rawValue: f.format))
        guard shape.width > 0, shape.height > 0, f.format >= 0 else {
            throw MediaError(.notMedia, "\(name): a frame without a size or pixel format")
        }
        if reshaper?.input != shape { reshaper = try FrameScaler(from: shape, to: decodedFormat, filter: .bicubic) }
        reshapedFrames += 1
        if firstOtherShape == nil { firstOtherShape = "\(shape.width)x\(shape.height) \(shape.pixelFormatName)" }
        return try reshaper!.scale(frame)
    }

    /// `pts`, or where a stream without timestamps (a raw H.264 or HEVC elementary stream)
    /// leaves it out, one frame after the last at the stream's rate (the forced one, else the
    /// stream's, else 25 fps), as ffmpeg times such streams.
    private func timed(_ pts: Int64) -> Int64 {
        var t = pts
        if t == clarity_nopts_value() {
            let rate = decodedFormat.frameRate.num > 0 ? decodedFormat.frameRate : AVRational(num: 25, den: 1)
            t = lastPts.map { $0 + max(1, av_rescale_q(1, av_inv_q(rate), decodedFormat.timeBase)) } ?? 0
        }
        lastPts = t
        return t
    }

    /// The streams listed only in programmes that do not hold stream `video` (none when no
    /// programme holds it, as in files without programmes).
    private static func otherProgrammeStreams(_ ctx: UnsafeMutablePointer<AVFormatContext>, video: Int) -> Set<Int> {
        let programmes = (0..<Int(ctx.pointee.nb_programs)).map { p in
            let programme = ctx.pointee.programs[p]!.pointee
            return Set((0..<Int(programme.nb_stream_indexes)).map { Int(programme.stream_index[$0]) })
        }
        let own = programmes.filter { $0.contains(video) }
        guard !own.isEmpty else { return [] }
        return programmes.reduce(Set<Int>()) { $0.union($1) }.subtracting(own.reduce(Set<Int>()) { $0.union($1) })
    }

    private enum Place { case before, inside, after }

    /// Where a timestamp (in `timeBase`) falls against the part read; inside, it is moved to
    /// the part's clock. Untimed items count as inside.
    private func place(_ pts: inout Int64, timeBase: AVRational) -> Place {
        guard pts != clarity_nopts_value() else { return .inside }
        if !range.isAll {
            let t = av_rescale_q(pts, timeBase, clarity_time_base_q())
            if t < begin { return .before }
            if let end, t >= end { return .after }
        }
        pts -= offset(in: timeBase)
        return .inside
    }

    /// Where a packet of a copied stream falls against the part read (inside, its timestamp
    /// moved to the part's clock). A text subtitle on screen across the part's start or end is
    /// cut to it, as `--add-subtitles` cuts a file, rather than lost or left running past the end.
    private func keep(_ packet: UnsafeMutablePointer<AVPacket>, of stream: AVStream) -> Place {
        let p = packet.pointee, timeBase = stream.time_base
        if copiedText.contains(Int(p.stream_index)) && !range.isAll && p.pts != clarity_nopts_value() && p.duration > 0 {
            let first = av_rescale_q(begin, clarity_time_base_q(), timeBase), finish = p.pts + p.duration
            if p.pts < first && finish > first {
                (packet.pointee.pts, packet.pointee.dts, packet.pointee.duration) = (first, first, finish - first)
            }
            if let end {
                let last = av_rescale_q(end, clarity_time_base_q(), timeBase)
                if packet.pointee.pts < last && finish > last { packet.pointee.duration = last - packet.pointee.pts }
            }
        }
        return place(&packet.pointee.pts, timeBase: timeBase)
    }

    /// `item`, the first of the part, after the subtitle pictures still on screen at its start.
    private func handOut(_ item: MediaItem) -> MediaItem {
        guard !carry.isEmpty, let ctx = context else { return item }
        waiting = carry.release(at: begin) { ctx.pointee.streams[$0]!.pointee.time_base }.map { .packet($0) } + [item]
        return waiting.removeFirst()
    }

    /// How far the output's clock is behind the input's, in `timeBase`.
    private func offset(in timeBase: AVRational) -> Int64 {
        av_rescale_q(begin, clarity_time_base_q(), timeBase)
    }

    /// The path a local input names: `file:` dropped, a picture sequence (frame%04d.png) by
    /// its first picture (from `start`, the demuxer's start_number, where given).
    private static func localPath(_ url: String, start: Int?) -> String {
        let file = url.hasPrefix("file:") ? String(url.dropFirst(5)) : url
        guard PictureSequence.isPattern(file) && !FileManager.default.fileExists(atPath: file) else { return file }
        return PictureSequence.firstNumber(file, start: start).flatMap { PictureSequence.picture(file, $0) } ?? file
    }

    /// The part of the input that chapters `chosen` (numbered from 1) span, from its clock's
    /// start, `origin` (microseconds), as `--start` counts.
    private static func range(ofChapters chosen: ClosedRange<Int>, in ctx: UnsafeMutablePointer<AVFormatContext>, from origin: Int64,
                              name: String) throws -> InputRange {
        let count = Int(ctx.pointee.nb_chapters)
        let label = chosen.count == 1 ? "\(chosen.lowerBound)" : "\(chosen.lowerBound)-\(chosen.upperBound)"
        guard count > 0 else { throw MediaError(.invalidArgument, "--chapters \(label): \(name) has no chapters") }
        guard chosen.upperBound <= count else {
            throw MediaError(.invalidArgument, "--chapters \(label): \(name) has \(count) chapter\(count == 1 ? "" : "s") (1-\(count))")
        }
        let origin = Double(origin) / 1e6
        let (first, last) = (ctx.pointee.chapters[chosen.lowerBound - 1]!.pointee, ctx.pointee.chapters[chosen.upperBound - 1]!.pointee)
        let start = max(0, Double(first.start) * av_q2d(first.time_base) - origin), end = Double(last.end) * av_q2d(last.time_base) - origin
        guard end > start else { throw MediaError(.invalidArgument, "--chapters \(label): \(name)'s chapters \(label) last no time") }
        return InputRange(start: start, duration: end - start)
    }

    /// Whether the WebP file at `path` says it is animated (its VP8X header's animation flag).
    private static func isAnimatedWebP(_ path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path), let head = try? file.read(upToCount: 21), head.count == 21 else { return false }
        let bytes = [UInt8](head)
        return Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<16]) == Array("WEBPVP8X".utf8) && bytes[20] & 0x02 != 0
    }

    /// Whether FFmpeg has a parser that splits a stream of `codec` into its pictures.
    private static func hasParser(_ codec: AVCodecID) -> Bool {
        guard let parser = av_parser_init(Int32(codec.rawValue)) else { return false }
        av_parser_close(parser)
        return true
    }

    /// The name of the format FFmpeg takes `bytes`, a file's first, to be in.
    private static func probedFormat(_ bytes: [UInt8]) -> String? {
        var padded = bytes + [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE))
        return padded.withUnsafeMutableBufferPointer { buffer in
            var probe = AVProbeData(filename: nil, buf: buffer.baseAddress, buf_size: Int32(bytes.count), mime_type: nil)
            return av_probe_input_format(&probe, 1).map { String(cString: $0.pointee.name) }
        }
    }

    /// Whether `ctx` is read from something that can seek (not a pipe, nor a device).
    private static func seekable(_ ctx: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        ctx.pointee.pb.map { ($0.pointee.seekable & AVIO_SEEKABLE_NORMAL) != 0 } ?? false
    }

    /// The protocol FFmpeg would read `url` by ("file", "http", "concat", ...), nil for none it has.
    private static func protocolName(_ url: String) -> String? {
        avio_find_protocol_name(url).map { String(cString: $0) }
    }

    /// The rectangle `cropping` asks for in pictures of `format`; nil when it keeps them whole.
    private static func cropRect(_ cropping: Cropping, url: String, rereadable: Bool, format: VideoFormat, duration: Double?,
                                 sampler: () -> FrameSampler?) throws -> CropRect? {
        let rect: CropRect?
        switch cropping {
        case .none: return nil
        case .size: rect = try cropping.rect(in: format)
        case .auto:
            guard rereadable else {
                throw MediaError(.invalidArgument, "--crop auto looks at frames across the input before it starts: not possible "
                                 + "from a pipe, a device or a network stream; give the area (--crop W:H:X:Y)")
            }
            guard BlackBars.canRead(format) else {
                throw MediaError(.invalidArgument, "--crop auto reads luma: \(format.pixelFormatName) has none; give the area (--crop W:H:X:Y)")
            }
            guard let sampler = sampler() else { throw MediaError(.notMedia, "\(url): cannot read frames ahead to find black bars") }
            rect = BlackBars.detect(sampler, format: format, duration: duration)
        }
        guard let rect, rect != CropRect(width: format.width, height: format.height, x: 0, y: 0) else { return nil }
        return rect
    }

    /// Turns the frames handed out upright, as their display matrix shows them, and drops the
    /// matrix: for an output that cannot carry it (anything but MP4 and QuickTime), where a
    /// phone's portrait clip would otherwise play sideways. ffmpeg's autorotate does the same.
    /// Before the first frame is read.
    public func turnUpright() throws {
        let quarters = decodedFormat.displayQuarterTurns
        guard quarters != 0, filterPlan.quarterTurns == 0, framesHandedOut == 0 else { return }
        var plan = filterPlan
        plan.quarterTurns = quarters
        let upright = try ReadFilters(format: decodedFormat, plan: plan)
        (filters, filterPlan) = (upright, plan)
        var shown = upright.shaping(videoFormat)
        shown.displayRotation = 0
        videoFormat = shown
        videoStream.sideData.removeAll { $0.kind == AV_PKT_DATA_DISPLAYMATRIX }
    }

    /// Resamples the frames of a video to square pixels, widening or heightening them to the
    /// picture as shown, for outputs whose viewers ignore a pixel shape (pictures: a still of an
    /// anamorphic DVD was shown squeezed, as ffmpeg's is). Before any frame is read. The size
    /// before, if they change.
    public func makePixelsSquare() throws -> VideoFormat? {
        let before = videoFormat
        guard !readsPictures, !filterPlan.squarePixels, framesHandedOut == 0,
              ReadFilters.squareSize(before.width, before.height, before.sampleAspectRatio, pixelFormat: before.pixelFormat) != nil else { return nil }
        var plan = filterPlan
        plan.squarePixels = true
        let square = try ReadFilters(format: decodedFormat, plan: plan)
        (filters, filterPlan) = (square, plan)
        videoFormat = square.shaping(videoFormat)
        return before
    }

    /// Hands out no more than `n` frames (a picture file holds one).
    public func limitFrames(to n: Int) { frameLimit = min(frameLimit ?? n, n) }

    /// The next frame or copied packet, in file order; nil at the end of the input or after
    /// `frameLimit` frames.
    public func read() throws -> MediaItem? {
        if let frameLimit, framesHandedOut >= frameLimit {
            if frameBeyondLimit == nil { frameBeyondLimit = (try? frameFollows()) ?? false }
            return nil
        }
        let item = try nextItem()
        if case .frame? = item {
            framesHandedOut += 1
            reviseListedFrames()
        }
        return item
    }

    /// Joined recordings (`cat a.ts b.ts`) state the last one's length, their clocks having
    /// restarted ("frame 150/100"); once a jump is seen, the frames expected are those handed
    /// out so far, scaled by the share of the file they were read from (all of them once it
    /// is read to its end).
    private func reviseListedFrames() {
        guard let pb = context?.pointee.pb else { return }
        if firstFrameOffset == nil { firstFrameOffset = avio_seek(pb, 0, SEEK_CUR) }
        guard timestampJumps > 0, range.duration == nil, let first = firstFrameOffset else { return }
        let offset = avio_seek(pb, 0, SEEK_CUR), size = avio_size(pb)
        guard size > 0, offset > first else { return }
        let share = Double(min(offset, size) - first) / Double(max(size - first, 1))
        framesListed.withLock { $0 = Int((Double(framesHandedOut) / share).rounded()) }
    }

    /// Reads on to the next frame, dropping what comes before it; past the limit nothing read
    /// is handed out.
    private func frameFollows() throws -> Bool {
        while let item = try nextItem() {
            if case .frame = item { return true }
        }
        return false
    }

    private func nextItem() throws -> MediaItem? {
        while true {
            if let filters, let frame = try filters.pull() { return .frame(frame) }
            if finished {
                guard let filters, !flushed else { return nil }
                flushed = true
                try filters.push(nil)
                continue
            }
            let item = try decoded()
            guard case .frame(let frame)? = item, let filters else {
                if item != nil { return item }
                continue
            }
            try filters.push(frame)
        }
    }

    /// A decoder that could not allocate: not damage, which would drop the frame and go on.
    private func decodingOutOfMemory() -> MediaError {
        .outOfMemory("decoding \(name)'s video (\(decodedFormat.width)x\(decodedFormat.height))", smallerOutputHelps: false)
    }

    /// The next decoded frame or copied packet; nil, with `finished` set, at the end of the
    /// stream or of the part read.
    private func decoded() throws -> MediaItem? {
        if !waiting.isEmpty { return waiting.removeFirst() }
        guard let ctx = context, let dec = decoder, !finished else { return nil }
        while true {
            if let frame = av_frame_alloc() {
                let r = avcodec_receive_frame(dec, frame)
                if r == 0 {
                    frame.pointee.pts = timed(frame.pointee.best_effort_timestamp)
                    leadingLoss.firstPicture(at: frame.pointee.pts, timeBase: decodedFormat.timeBase, begin: begin)
                    let spot = place(&frame.pointee.pts, timeBase: decodedFormat.timeBase)
                    if spot != .inside {
                        var f: UnsafeMutablePointer<AVFrame>? = frame
                        av_frame_free(&f)
                        if spot == .before { continue }
                        finished = true
                        return nil
                    }
                    if frame.pointee.decode_error_flags != 0 || (frame.pointee.flags & AV_FRAME_FLAG_CORRUPT) != 0 {
                        corruptFrames += 1
                        if frame.pointee.pkt_pos >= 0 && frame.pointee.pkt_pos == lastVideoPacketAt { lastPacketDamaged = true }
                    }
                    return handOut(.frame(try reshaped(VideoFrame(owning: frame))))
                }
                var f: UnsafeMutablePointer<AVFrame>? = frame
                av_frame_free(&f)
                if r == clarity_averror_eof() {
                    if lastPacketDamaged && concealedLastPacketTellsCut { truncated = true }
                    finished = true
                    return nil
                }
                if r == clarity_averror(ENOMEM) { throw decodingOutOfMemory() }
                if r != clarity_averror_eagain() {
                    // A decode error surfaced at output: the frame is lost, the stream goes on.
                    corruptPackets += 1
                    if draining { continue }
                }
            }
            if draining {
                finished = true
                return nil
            }
            watch.listen()
            let (r, reasons) = FFmpegLog.reasons { () -> Int32 in
                guard let held = heldPacket else { return av_read_frame(ctx, packet) }
                av_packet_move_ref(packet, held)
                av_packet_free(&heldPacket)
                return 0
            }
            if r < 0 {
                // A stop or a silent network source ends the input; neither is damage. Nor is
                // an I/O error with the whole file read: RoQ's demuxer reports its end so (it
                // reads the next chunk's header past it).
                let atEnd = r == clarity_averror_eof()
                let wholeFileRead = r == clarity_averror(EIO) && ctx.pointee.pb.map { pb in
                    avio_feof(pb) != 0 && avio_size(pb) > 0 && avio_seek(pb, 0, SEEK_CUR) >= avio_size(pb)
                } ?? false
                let ended = atEnd || watch.shouldAbort || wholeFileRead
                if !ended { readError = reasons ?? MediaError.text(r) }
                // An index's count of packets is surer than a length, which FFmpeg may have
                // guessed (AVI's, from the file's size, where its index is lost).
                let indexed = videoPackets < (indexedPackets ?? 0)
                if atEnd && !indexed { shortfall = aviLength?.shortfall ?? statedEnd?.shortfall }
                if !ended || indexed || shortfall != nil { truncated = true }
                // What the demuxer does not say of a cut: a bare frame's tail, a fragment's
                // samples, the elements after a Matroska's last block, the end of the container's
                // own structure, a JPEG's end marker; and, once the decoder has given it, the
                // last packet's picture concealed.
                if atEnd {
                    if let pb = ctx.pointee.pb {
                        let position = avio_seek(pb, 0, SEEK_CUR)
                        // (A pipe's kept ends are copied out once, for whichever check reads them.)
                        let file = fragmentTail != nil || matroskaTail != nil || checksTail ? endBytes(pb) : nil
                        if frameTail?.leftOver(endingAt: position) == true || fragmentTail?.isCut(ctx, file: file) == true
                            || file.map({ file in matroskaTail?.isCut(file) == true || (checksTail && ContainerTail.isCut(file, demuxer: demuxerName)) }) == true {
                            truncated = true
                        }
                    }
                    if jpegTail?.isCut == true { truncated = true }
                    concealedLastPacketTellsCut = ContainerTail.unsizedVideoPackets.contains(demuxerName)
                }
                draining = true
                avcodec_send_packet(dec, nil)
                continue
            }
            fragmentTail?.read(packet.pointee)
            matroskaTail?.read(packet.pointee)
            let index = Int(packet.pointee.stream_index)
            let stream = ctx.pointee.streams[index]!.pointee
            let kind = stream.codecpar.pointee.codec_type
            let inStep = stitcher?.mend(packet, timeBase: stream.time_base,
                                        tellsJumps: kind == AVMEDIA_TYPE_VIDEO || kind == AVMEDIA_TYPE_AUDIO) ?? true
            statedEnd?.read(packet.pointee, timeBase: stream.time_base)
            if index == videoStream.index {
                if frameTail?.isPartial(packet.pointee) == true {
                    truncated = true
                    av_packet_unref(packet)
                    continue
                }
                videoPackets += 1
                aviLength?.read(packet.pointee)
                jpegTail?.read(packet.pointee)
                lastVideoPacketAt = packet.pointee.pos
                leadingLoss.sent(packet.pointee, timeBase: stream.time_base)
                let s = avcodec_send_packet(dec, packet)
                av_packet_unref(packet)
                if s == clarity_averror(ENOMEM) { throw decodingOutOfMemory() }
                lastPacketDamaged = s < 0 && s != clarity_averror_eagain()
                if lastPacketDamaged { corruptPackets += 1 }
            } else if copied.contains(index) {
                // What the part before a clock jump already covered is an overlap, not damage.
                if !inStep { seamOverlaps += 1 }
                let spot = inStep ? keep(packet, of: stream) : nil
                if spot == .before && carry.streams.contains(index) && !sought {
                    carry.hold(packet)
                    continue
                }
                if spot != .inside {
                    av_packet_unref(packet)
                    continue
                }
                if packet.pointee.dts != clarity_nopts_value() { packet.pointee.dts -= offset(in: stream.time_base) }
                return handOut(.packet(Packet(movingFrom: packet)))
            } else {
                if index >= streams.count, !streamsBegunLate.contains(where: { $0.index == index }),
                   [AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO, AVMEDIA_TYPE_SUBTITLE].contains(kind) {
                    streamsBegunLate.append((index, String(cString: avcodec_get_name(stream.codecpar.pointee.codec_id))))
                }
                av_packet_unref(packet)
            }
        }
    }
}
