import CFFmpeg

/// What a burnt subtitle stream shows at one time: a premultiplied RGBA picture on a canvas,
/// which `SubtitleOverlay` scales onto the frame (a disc's canvas) or lays on it as it is (text
/// drawn at the frame's size).
struct SubtitlePicture {
    let canvas: SubtitleCanvas
    /// Where the pixels lie on the canvas.
    let x: Int, y: Int, width: Int, height: Int
    /// Premultiplied RGBA, 0...1, row by row; empty when nothing shows.
    let pixels: [Float]
    /// Tells pictures apart (for what is made of one picture and kept).
    let serial: Int
}

/// A burnt subtitle stream asked, frame after frame, what it shows.
protocol SubtitlePictures: AnyObject {
    /// The time base of the times asked for.
    var timeBase: AVRational { get }
    /// A packet of the stream, where its packets are handed over as the input is read.
    func take(_ packet: UnsafeMutablePointer<AVPacket>)
    /// The picture on screen at `time`, nil for none. Times asked for must not go back.
    func picture(at time: Int64) throws -> SubtitlePicture?
    /// Where the subtitles' file turned out damaged (`SubtitleStreamReader.damage`).
    var damage: SubtitleDamage? { get }
}
