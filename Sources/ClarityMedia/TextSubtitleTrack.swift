import CFFmpeg
import CKernels
import CLibass

/// Text subtitles (SubRip, ASS, WebVTT, MOV text) drawn by libass at the frame's size, set up
/// as FFmpeg's subtitles filter sets it up (fonts the input carries, `force_style`), but with
/// libass's own shaping: FFmpeg 5.1's filter asks for simple shaping (no kerning, Arabic not
/// joined) by leaving an option unset. Events are read like picture subtitles, alongside the
/// video or from packets handed over, so text too is burnt from a pipe or a live source, and a
/// file is not read whole before the first frame. libass's drawing is one picture, painted from
/// its masks where it changed.
final class TextSubtitleTrack: SubtitlePictures {
    /// One event's lines, on libass's clock (ms).
    private struct Lines {
        let start: Int64, duration: Int64
        let lines: [String]
    }

    private let reader: SubtitleStreamReader<Lines>
    private let library: OpaquePointer
    private let renderer: OpaquePointer
    private let track: UnsafeMutablePointer<ASS_Track>
    private let size: SubtitleCanvas
    private let colour: ((SIMD3<Float>) -> SIMD3<Float>)?
    private var drawings = 0
    var timeBase: AVRational { reader.timeBase }
    var damage: SubtitleDamage? { reader.damage }

    /// `burn`'s stream (text, in `style` over its own, with `fonts`), times given in
    /// `timeBase`, drawn on frames of `size` whose pixels are `pixelAspect` as wide as high;
    /// `colour` takes the subtitles' colours (RGB, 0...1) to those they are drawn in.
    init(_ burn: SubtitleBurn, style: String?, fonts: [SubtitleFont], timeBase: AVRational, size: SubtitleCanvas,
         pixelAspect: AVRational, colour: ((SIMD3<Float>) -> SIMD3<Float>)?) throws {
        reader = try SubtitleStreamReader(burn.origin, forcedOnly: false, timeBase: timeBase) { subtitle, _ in
            let rects = (0..<Int(subtitle.num_rects)).compactMap { subtitle.rects[$0]?.pointee.ass }
            return Lines(start: av_rescale_q(subtitle.pts, AVRational(num: 1, den: AV_TIME_BASE), AVRational(num: 1, den: 1000)),
                         duration: Int64(subtitle.end_display_time), lines: rects.map { String(cString: $0) })
        }
        guard let library = ass_library_init() else { throw MediaError(.codec, "cannot start libass") }
        self.library = library
        clarity_ass_log_to_ffmpeg(library)
        ass_set_extract_fonts(library, 1)
        for font in fonts {
            font.data.withUnsafeBufferPointer { ass_add_font(library, font.name, $0.baseAddress, Int32($0.count)) }
        }
        guard let renderer = ass_renderer_init(library) else {
            ass_library_done(library)
            throw MediaError(.codec, "cannot start libass's renderer")
        }
        self.renderer = renderer
        ass_set_frame_size(renderer, Int32(size.width), Int32(size.height))
        ass_set_storage_size(renderer, Int32(size.width), Int32(size.height))
        // Glyphs drawn for the picture as shown: narrower on a 16:9 DVD's wide pixels, which a
        // player stretches (ffmpeg's filter draws them for square pixels, and they show wide).
        // libass stretches its glyphs by the aspect it is given: the pixels' inverse.
        if pixelAspect.num > 0 && pixelAspect.den > 0 { ass_set_pixel_aspect(renderer, 1 / av_q2d(pixelAspect)) }
        ass_set_fonts(renderer, nil, nil, 1, nil, 1)
        guard let track = ass_new_track(library) else {
            ass_renderer_done(renderer)
            ass_library_done(library)
            throw MediaError(.codec, "cannot start a libass track")
        }
        self.track = track
        (self.size, self.colour) = (size, colour)
        // Lines broken where Unicode allows (CJK has no spaces), except in ASS, which breaks
        // its own, as later FFmpeg's filter does.
        if ![AV_CODEC_ID_ASS, AV_CODEC_ID_SSA].contains(reader.codec) {
            _ = ass_track_set_feature(track, ASS_FEATURE_WRAP_UNICODE, 1)
        }
        if let style {
            // libass copies the list.
            var fields = style.split(separator: ",").map { strdup(String($0)) }
            fields.append(nil)
            ass_set_style_overrides(library, &fields)
            fields.forEach { free($0) }
        }
        if var header = reader.header {
            ass_process_codec_private(track, &header, Int32(header.count))
        }
    }

    deinit {
        ass_free_track(track)
        ass_renderer_done(renderer)
        ass_library_done(library)
    }

    func take(_ packet: UnsafeMutablePointer<AVPacket>) { reader.take(packet) }

    func picture(at time: Int64) throws -> SubtitlePicture? {
        while let event = try reader.next(startingBy: time) {
            for line in event.lines {
                var bytes = Array(line.utf8CString.dropLast())
                ass_process_chunk(track, &bytes, Int32(bytes.count), event.start, event.duration)
            }
        }
        // On libass's clock as FFmpeg's filter reckons it.
        let ms = Int64(Double(time) * av_q2d(timeBase) * 1000)
        var change: Int32 = 0
        let images = ass_render_frame(renderer, track, ms, &change)
        if change != 0 || drawings == 0 { drawings += 1 }
        // libass's images last until it draws again: the picture is made of this call's, the
        // same drawing under the same serial where nothing changed.
        return images.flatMap { picture(of: $0) }
    }

    /// libass's images (each a coverage mask in one colour), laid over one another in order,
    /// as one premultiplied picture that bounds them, painted from the masks as it is asked.
    private func picture(of first: UnsafeMutablePointer<ASS_Image>) -> SubtitlePicture? {
        /// One mask, the colour it paints (premultiplied, opaque) and its opacity per mask step.
        typealias Coat = (image: ASS_Image, paint: [Float], opacity: Float)
        var coats: [Coat] = []
        var next: UnsafeMutablePointer<ASS_Image>? = first
        while let image = next {
            if image.pointee.w > 0 && image.pointee.h > 0 {
                // RRGGBBTT, TT the transparency.
                let c = image.pointee.color
                let rgb = SIMD3(Float(c >> 24), Float(c >> 16 & 255), Float(c >> 8 & 255)) / 255
                let drawn = colour?(rgb) ?? rgb
                coats.append((image.pointee, [drawn.x, drawn.y, drawn.z, 1], Float(255 - c & 255) / (255 * 255)))
            }
            next = image.pointee.next
        }
        guard !coats.isEmpty else { return nil }
        let left = coats.map { Int($0.image.dst_x) }.min()!, top = coats.map { Int($0.image.dst_y) }.min()!
        let right = coats.map { Int($0.image.dst_x + $0.image.w) }.max()!, bottom = coats.map { Int($0.image.dst_y + $0.image.h) }.max()!
        return SubtitlePicture(canvas: size, x: left, y: top, width: right - left, height: bottom - top, serial: drawings) { rows, columns, band, stride in
            for (image, paint, opacity) in coats {
                let (x, y) = (Int(image.dst_x), Int(image.dst_y))
                let across = columns.clamped(to: x..<x + Int(image.w))
                guard !across.isEmpty else { continue }
                for row in rows.clamped(to: y..<y + Int(image.h)) {
                    clarity_coat_row(image.bitmap + (row - y) * Int(image.stride) + across.lowerBound - x, across.count, paint, opacity,
                                     band + (row - rows.lowerBound) * 4 * stride + across.lowerBound - columns.lowerBound, stride)
                }
            }
        }
    }
}
