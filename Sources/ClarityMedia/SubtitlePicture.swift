import CFFmpeg

/// What a burnt subtitle stream shows at one time: a premultiplied RGBA picture on a canvas,
/// which `SubtitleOverlay` scales onto the frame (a disc's canvas) or lays on it as it is (text
/// drawn at the frame's size). It is painted on request, a band of rows at a time, so that
/// text over most of a 4K frame is never held whole in floats.
///
/// Pixels are held as planes row by row: a pixel row's R, G, B and A, each a row of floats
/// (0...1, premultiplied) `stride` floats after the one before, the next pixel row 4 * stride
/// on, so that each channel is contiguous along a row (`clarity_layer_row`).
struct SubtitlePicture {
    let canvas: SubtitleCanvas
    /// Where the pixels lie on the canvas.
    let x: Int, y: Int, width: Int, height: Int
    /// Tells pictures apart (for what is made of one picture and kept).
    let serial: Int
    /// Paints the picture's pixels at canvas `rows` and `columns` over `band` (planes row by
    /// row, `stride` floats a plane row, from the pixel at the ranges' first row and column),
    /// which the caller clears. Valid only until the track is next asked for a picture.
    let paint: Painter
    typealias Painter = (_ rows: Range<Int>, _ columns: Range<Int>, _ band: UnsafeMutablePointer<Float>, _ stride: Int) -> Void

    var isEmpty: Bool { width == 0 || height == 0 }

    /// A picture whose pixels are at hand, `width` x `height`, planes row by row.
    init(canvas: SubtitleCanvas, x: Int, y: Int, width: Int, height: Int, planes: [Float], serial: Int) {
        self.init(canvas: canvas, x: x, y: y, width: width, height: height, serial: serial) { rows, columns, band, stride in
            let across = columns.clamped(to: x..<x + width)
            guard !across.isEmpty else { return }
            planes.withUnsafeBufferPointer { planes in
                for row in rows.clamped(to: y..<y + height) {
                    for c in 0..<4 {
                        let from = planes.baseAddress! + ((row - y) * 4 + c) * width + across.lowerBound - x
                        (band + ((row - rows.lowerBound) * 4 + c) * stride + across.lowerBound - columns.lowerBound)
                            .update(from: from, count: across.count)
                    }
                }
            }
        }
    }

    init(canvas: SubtitleCanvas, x: Int, y: Int, width: Int, height: Int, serial: Int,
         paint: @escaping Painter) {
        (self.canvas, self.x, self.y, self.width, self.height, self.serial, self.paint) = (canvas, x, y, width, height, serial, paint)
    }

    /// All its pixels, planes row by row.
    func planes() -> [Float] {
        var planes = [Float](repeating: 0, count: width * height * 4)
        planes.withUnsafeMutableBufferPointer { paint(y..<y + height, x..<x + width, $0.baseAddress!, width) }
        return planes
    }
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
