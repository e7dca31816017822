import CFFmpeg

/// A stream of subtitles drawn as pictures (Blu-ray's PGS, DVD, DVB), asked, frame after
/// frame, which picture is on screen. Each event replaces the screen: PGS states no end, only
/// a later event that clears or replaces the picture; DVD and DVB may state one.
final class PictureSubtitleTrack: SubtitlePictures {
    /// One event: its picture (no pixels: the screen cleared) and when it shows.
    private struct Event {
        let picture: SubtitlePicture
        let start: Int64
        let statedEnd: Int64?
    }

    private let reader: SubtitleStreamReader<Event>
    private var current: Event?
    var timeBase: AVRational { reader.timeBase }
    var damage: SubtitleDamage? { reader.damage }

    /// `burn`'s stream, with times given in `timeBase`. `colour` takes the palettes' colours
    /// (RGB, 0...1) to those the pictures are drawn in.
    init(_ burn: SubtitleBurn, timeBase: AVRational, colour: ((SIMD3<Float>) -> SIMD3<Float>)? = nil) throws {
        reader = try SubtitleStreamReader(burn.origin, forcedOnly: burn.forcedOnly, timeBase: timeBase) { subtitle, timing in
            Event(picture: Self.picture(of: subtitle, on: timing.canvas, serial: timing.serial, colour: colour),
                  start: timing.start, statedEnd: timing.statedEnd)
        }
    }

    func take(_ packet: UnsafeMutablePointer<AVPacket>) { reader.take(packet) }

    func picture(at time: Int64) throws -> SubtitlePicture? {
        while let next = try reader.next(startingBy: time) { current = next }
        guard let shown = current, !shown.picture.isEmpty else { return nil }
        // With no later event, a picture that states no end stays as long as the re-encoded
        // stream would show it.
        let openEnd = reader.ended ? shown.start + av_rescale_q(SubtitleReencoder.openEndedMilliseconds, AVRational(num: 1, den: 1000), timeBase) : nil
        let end = [shown.statedEnd, openEnd].compactMap { $0 }.min()
        return end.map { time < $0 } ?? true ? shown.picture : nil
    }

    /// `subtitle`'s rectangles, their palettes looked up, on one premultiplied RGBA picture
    /// that bounds them all.
    private static func picture(of subtitle: AVSubtitle, on canvas: SubtitleCanvas, serial: Int,
                                colour: ((SIMD3<Float>) -> SIMD3<Float>)?) -> SubtitlePicture {
        let all: [AVSubtitleRect] = (0..<Int(subtitle.num_rects)).compactMap { subtitle.rects[$0]?.pointee }
        let rects = all.filter { (r: AVSubtitleRect) -> Bool in
            r.type == SUBTITLE_BITMAP && r.w > 0 && r.h > 0 && r.data.0 != nil && r.data.1 != nil
        }
        guard !rects.isEmpty, canvas.width > 0, canvas.height > 0 else {
            return SubtitlePicture(canvas: canvas, x: 0, y: 0, width: 0, height: 0, planes: [], serial: serial)
        }
        let left = rects.map { Int($0.x) }.min()!, top = rects.map { Int($0.y) }.min()!
        let right = rects.map { Int($0.x) + Int($0.w) }.max()!, bottom = rects.map { Int($0.y) + Int($0.h) }.max()!
        let (width, height) = (right - left, bottom - top)
        var planes = [Float](repeating: 0, count: width * height * 4)
        for rect in rects {
            // Palette entries are 32-bit ARGB in the machine's order (FFmpeg's RGB32).
            let entries = UnsafeRawPointer(rect.data.1!).assumingMemoryBound(to: UInt32.self)
            let colours: Int = max(1, min(256, Int(rect.nb_colors)))
            // Each entry as premultiplied RGBA in the colours drawn.
            let palette: [SIMD4<Float>] = (0..<colours).map { i in
                let argb = entries[i]
                let alpha = Float(argb >> 24) / 255
                let rgb = SIMD3(Float(argb >> 16 & 255), Float(argb >> 8 & 255), Float(argb & 255)) / 255
                let drawn = colour?(rgb) ?? rgb
                return SIMD4(drawn * alpha, alpha)
            }
            let (x, y, stride) = (Int(rect.x) - left, Int(rect.y) - top, Int(rect.linesize.0))
            for row in 0..<Int(rect.h) {
                let line = rect.data.0! + row * stride
                for column in 0..<Int(rect.w) {
                    let entry = palette[min(Int(line[column]), colours - 1)]
                    for c in 0..<4 { planes[((y + row) * 4 + c) * width + x + column] = entry[c] }
                }
            }
        }
        return SubtitlePicture(canvas: canvas, x: left, y: top, width: width, height: height, planes: planes, serial: serial)
    }
}
