import CFFmpeg
import CKernels

/// Subtitles burnt into frames: each picture a track shows (a disc's, or libass's drawing of
/// text) is scaled from its canvas onto the frame (premultiplied, triangle filter; text is
/// drawn at the frame's size), put into the frame's colours once, and laid over every frame it
/// shows on. It works on any pixel format whose components FFmpeg describes as whole samples
/// (planar or packed YUV, RGB, grey, 8 to 16 bits), so it comes after `--post-vf` and before a
/// palette is made.
final class SubtitleOverlay {
    private let track: any SubtitlePictures
    private let format: VideoFormat
    private let part: SubtitleBurn.ShownPart
    private let components: [Component]
    /// `clockStart` in the frames' time base: frames are seen on the subtitles' clock.
    private let shift: Int64
    /// The layers of the picture last drawn, by its serial; their memory serves the next.
    private var drawn: (serial: Int, layers: [Layer])?
    private let origin: SubtitleBurn.Origin
    /// Frames waiting for the subtitle packets of their time (`.packets`).
    private var held: [VideoFrame] = []

    /// How one component of the pixel format is stored and what a picture contributes to it.
    private struct Component {
        let plane: Int, step: Int, offset: Int, shift: Int, depth: Int
        /// log2 of the subsampling (chroma).
        let subsampledX: Int, subsampledY: Int
        /// What `clarity_layer_row` weighs a block of premultiplied RGBA by: the component's
        /// code for the block's mean p is the sum of the first four times the block's sums (Y,
        /// Cb and Cr as `YUVCode` makes them, R, G, B or alpha: affine in the colour), its
        /// coverage the block's summed alpha times the fifth (a sample's share of the block).
        let weights: [Float]
        /// Whether the sample is a 16-bit word rather than a byte.
        var isWord: Bool { shift + depth > 8 }
    }

    /// A component's share of the picture, at its own resolution: premultiplied samples and
    /// coverage, over `width`x`height` from (`x`, `y`).
    private struct Layer {
        var x = 0, y = 0, width = 0, height = 0
        var value: [Float] = [], alpha: [Float] = []

        /// Placed over `width` x `height` from (`x`, `y`), in the memory it has (fresh arrays'
        /// pages would be mapped and cleared anew for every drawing of a fade); its samples
        /// are left to `fill`, which writes every row.
        mutating func place(x: Int, y: Int, width: Int, height: Int) {
            (self.x, self.y, self.width, self.height) = (x, y, width, height)
            Self.resize(&value, to: width * height)
            Self.resize(&alpha, to: width * height)
        }

        private static func resize(_ samples: inout [Float], to count: Int) {
            if samples.count > count { samples.removeLast(samples.count - count) } else { samples += repeatElement(0, count: count - samples.count) }
        }

        /// Its row `row` of `c`'s samples from the RGBA planes of the pixels they cover.
        mutating func fill(row: Int, of c: Component, from rgba: UnsafePointer<Float>, stride: Int) {
            let at = (row - y) * width
            value.withUnsafeMutableBufferPointer { value in
                alpha.withUnsafeMutableBufferPointer { alpha in
                    clarity_layer_row(rgba, stride, Int32(1 << c.subsampledY), Int32(1 << c.subsampledX), width, c.weights,
                                      value.baseAddress! + at, alpha.baseAddress! + at)
                }
            }
        }
    }

    /// `burn` over frames of `format`.
    init(_ burn: SubtitleBurn, format: VideoFormat, clockStart: Double) throws {
        guard let desc = av_pix_fmt_desc_get(format.pixelFormat)?.pointee,
              desc.flags & UInt64(AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT
                                  | AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_BAYER) == 0 else {
            throw MediaError(.unsupported, "--burn-subtitles cannot draw subtitles on \(format.pixelFormatName) frames")
        }
        let rgb = desc.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0
        let alphaIndex = desc.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 ? Int(desc.nb_components) - 1 : nil
        let comps = withUnsafeBytes(of: desc.comp) { Array($0.bindMemory(to: AVComponentDescriptor.self).prefix(Int(desc.nb_components))) }
        let yuv = YUVCode(format)
        components = comps.enumerated().map { i, c in
            let chroma = !rgb && (i == 1 || i == 2)
            let (subsampledX, subsampledY) = chroma ? (Int(desc.log2_chroma_w), Int(desc.log2_chroma_h)) : (0, 0)
            let top = Float((1 << Int(c.depth)) - 1), share = 1 / Float(1 << (subsampledX + subsampledY))
            var code = SIMD4<Float>.zero
            if i == alphaIndex { code.w = top } else if rgb { code[i] = top } else { code = yuv.weights(i, depth: Int(c.depth)) }
            return Component(plane: Int(c.plane), step: Int(c.step), offset: Int(c.offset), shift: Int(c.shift), depth: Int(c.depth),
                             subsampledX: subsampledX, subsampledY: subsampledY, weights: (0..<4).map { code[$0] * share } + [share])
        }
        let colour = HDRGraphicsWhite.mapping(into: format.colour)
        switch burn.drawing {
        case .pictures(let part):
            track = try PictureSubtitleTrack(burn, timeBase: format.timeBase, colour: colour)
            self.part = part
        case .text(let style, let fonts):
            track = try TextSubtitleTrack(burn, style: style, fonts: fonts, timeBase: format.timeBase,
                                          size: SubtitleCanvas(width: format.width, height: format.height),
                                          pixelAspect: format.sampleAspectRatio, colour: colour)
            part = SubtitleBurn.ShownPart()
        }
        self.format = format
        origin = burn.origin
        // Packets handed over are on the output's clock already.
        if case .packets = burn.origin { shift = 0 } else { shift = Int64((clockStart / av_q2d(format.timeBase)).rounded()) }
    }

    /// Where the subtitles' file turned out damaged after its first events.
    var damage: SubtitleDamage? { track.damage }

    /// A packet of the subtitle stream, where its packets are handed over.
    func take(_ packet: UnsafeMutablePointer<AVPacket>) { track.take(packet) }

    /// Frames, each with the picture on screen at its time drawn over it. Where packets are
    /// handed over, frames are held back `lag` seconds of the stream: a muxer interleaves by
    /// decoding time and the decoder reorders, so a subtitle packet may come a few frames
    /// after the frames of its time.
    func convert(_ frame: VideoFrame?) throws -> [VideoFrame] {
        guard case .packets = origin else { return try frame.map { [try draw($0)] } ?? [] }
        if let frame { held.append(frame) }
        var out: [VideoFrame] = []
        let newest = frame?.pts
        while let first = held.first, frame == nil || newest == nil || first.pts == nil
                || av_compare_ts(newest! - first.pts!, format.timeBase, Int64(Self.lag * 1000), AVRational(num: 1, den: 1000)) >= 0 {
            out.append(try draw(held.removeFirst()))
        }
        return out
    }

    /// How far frames are held back where subtitle packets are handed over, in seconds.
    static let lag = 0.5

    /// `frame` with the picture on screen at its time drawn over it (in place, or on a copy
    /// where its samples are shared).
    private func draw(_ frame: VideoFrame) throws -> VideoFrame {
        guard let pts = frame.pts, let picture = try track.picture(at: av_rescale_q(pts + shift, format.timeBase, track.timeBase)) else {
            return frame
        }
        if drawn?.serial != picture.serial {
            var layers = drawn?.layers ?? components.map { _ in Layer() }
            drawn = nil
            lay(picture, into: &layers)
            drawn = (picture.serial, layers)
        }
        guard av_frame_make_writable(frame.avFrame) >= 0 else { throw MediaError(.codec, "cannot draw subtitles on a frame") }
        for (component, layer) in zip(components, drawn!.layers) { blend(layer, into: frame, component) }
        return frame
    }

    /// Where frame samples lie on one axis of the canvas: canvas = frame / scale + start.
    private typealias Placement = (scale: Double, start: Double)

    /// Where `picture` goes along one axis: the canvas is the input's whole picture, of which
    /// frames show `part` (fractions `from` and `length`, after `--crop`) across `size`
    /// samples; a picture that would fall outside the frames (in a bar `--crop` cut away) is
    /// moved in, whole, to their edge.
    private static func placement(_ from: Int, _ length: Int, canvas: Int, part: (from: Double, length: Double), size: Int) -> Placement {
        let scale = Double(size) / (part.length * Double(canvas))
        var start = part.from * Double(canvas)
        let end = (Double(from + length) - start) * scale
        if end > Double(size) { start += (end - Double(size)) / scale }
        let beginning = (Double(from) - start) * scale
        if beginning < 0 { start += beginning / scale }
        return (scale, start)
    }

    /// `picture` scaled from its canvas onto the frame, in each component's samples.
    private func lay(_ picture: SubtitlePicture, into layers: inout [Layer]) {
        let across = Self.placement(picture.x, picture.width, canvas: picture.canvas.width, part: (part.x, part.width), size: format.width)
        let down = Self.placement(picture.y, picture.height, canvas: picture.canvas.height, part: (part.y, part.height), size: format.height)
        if [across, down].allSatisfy({ $0.scale == 1 && $0.start == 0 }) {
            // Drawn at the frame's size (text): the picture as it is, within the frame.
            return lay(picture.paint, columns: (0..<format.width).clamped(to: picture.x..<picture.x + picture.width),
                       rows: (0..<format.height).clamped(to: picture.y..<picture.y + picture.height), into: &layers)
        }
        // The picture's bounds on the frame, a sample wider for the filter's reach.
        let onFrame = { (canvas: Int, p: Placement) in (Double(canvas) - p.start) * p.scale }
        let x0 = max(0, Int(onFrame(picture.x, across).rounded(.down)) - 1)
        let x1 = min(format.width, Int(onFrame(picture.x + picture.width, across).rounded(.up)) + 1)
        let y0 = max(0, Int(onFrame(picture.y, down).rounded(.down)) - 1)
        let y1 = min(format.height, Int(onFrame(picture.y + picture.height, down).rounded(.up)) + 1)
        guard x1 > x0, y1 > y0 else { return lay(picture.paint, columns: 0..<0, rows: 0..<0, into: &layers) }
        let scaled = SubtitlePicture(canvas: picture.canvas, x: x0, y: y0, width: x1 - x0, height: y1 - y0,
                                     planes: Self.resample(picture, columns: x0..<x1, rows: y0..<y1, placed: (across, down)),
                                     serial: picture.serial)
        lay(scaled.paint, columns: x0..<x1, rows: y0..<y1, into: &layers)
    }

    /// Each component's share of the premultiplied RGBA that `paint` gives over the frame's
    /// `columns` and `rows`: each of its samples from the average of the pixels it covers
    /// (those outside the bounds clear), since the codes are affine in the premultiplied
    /// colour. Painted a band of rows at a time, as many as a chroma sample covers, so that
    /// text over most of a 4K frame is not held whole in floats.
    private func lay(_ paint: SubtitlePicture.Painter, columns: Range<Int>, rows: Range<Int>,
                     into layers: inout [Layer]) {
        let empty = columns.isEmpty || rows.isEmpty
        for (k, c) in components.enumerated() {
            let (x, y) = (columns.lowerBound >> c.subsampledX, rows.lowerBound >> c.subsampledY)
            let (x1, y1) = ((columns.upperBound + (1 << c.subsampledX) - 1) >> c.subsampledX, (rows.upperBound + (1 << c.subsampledY) - 1) >> c.subsampledY)
            layers[k].place(x: x, y: y, width: empty ? 0 : x1 - x, height: empty ? 0 : y1 - y)
        }
        guard !empty else { return }
        // Bands of whole chroma samples: rows and columns outside the bounds stay clear.
        let bandHeight = 1 << (components.map(\.subsampledY).max() ?? 0), blockWidth = 1 << (components.map(\.subsampledX).max() ?? 0)
        let left = columns.lowerBound / blockWidth * blockWidth
        let stride = (columns.upperBound + blockWidth - 1) / blockWidth * blockWidth - left
        var band = [Float](repeating: 0, count: bandHeight * 4 * stride)
        band.withUnsafeMutableBufferPointer { band in
            for top in Swift.stride(from: rows.lowerBound / bandHeight * bandHeight, to: rows.upperBound, by: bandHeight) {
                let bandRows = max(top, rows.lowerBound)..<min(top + bandHeight, rows.upperBound)
                band.update(repeating: 0)
                paint(bandRows, columns, band.baseAddress! + (bandRows.lowerBound - top) * 4 * stride + columns.lowerBound - left, stride)
                for (k, c) in components.enumerated() {
                    for row in (top >> c.subsampledY)..<((top + bandHeight) >> c.subsampledY) where (layers[k].y..<layers[k].y + layers[k].height).contains(row) {
                        let first = band.baseAddress! + ((row << c.subsampledY) - top) * 4 * stride + (layers[k].x << c.subsampledX) - left
                        layers[k].fill(row: row, of: c, from: first, stride: stride)
                    }
                }
            }
        }
    }

    /// Premultiplied RGBA of `picture` at the frame's `columns` and `rows`, planes row by row:
    /// each frame sample weighs the canvas samples within a triangle as wide as one sample of
    /// the larger grid.
    private static func resample(_ picture: SubtitlePicture, columns: Range<Int>, rows: Range<Int>,
                                 placed: (across: Placement, down: Placement)) -> [Float] {
        let across = Taps(columns, placed.across, from: picture.x, count: picture.width)
        let down = Taps(rows, placed.down, from: picture.y, count: picture.height)
        let pixels = picture.planes()
        // Across first, each plane row of the picture, then down.
        let width = 4 * columns.count
        var wide = [Float](unsafeUninitializedCapacity: picture.height * width) { $1 = $0.count }
        var out = [Float](repeating: 0, count: rows.count * width)
        pixels.withUnsafeBufferPointer { pixels in
            wide.withUnsafeMutableBufferPointer { wide in
                for line in 0..<picture.height * 4 {
                    clarity_gather_taps(pixels.baseAddress! + line * picture.width, across.first, across.weights, Int32(across.taps),
                                        columns.count, wide.baseAddress! + line * columns.count)
                }
                out.withUnsafeMutableBufferPointer { out in
                    for o in 0..<rows.count {
                        let row = out.baseAddress! + o * width
                        for j in 0..<down.taps {
                            let w = down.weights[j * rows.count + o]
                            guard w > 0 else { continue }
                            let from = wide.baseAddress! + (Int(down.first[o]) + j) * width
                            for i in 0..<width { row[i] += w * from[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Canvas samples and weights for each frame sample along one axis, over the picture's
    /// extent: `taps` neighbouring samples from `first[o]`, their weights tap by tap (`count`
    /// of the frame's apart), zero where a sample has fewer.
    private struct Taps {
        let first: [Int32], weights: [Float], taps: Int

        init(_ range: Range<Int>, _ placement: Placement, from origin: Int, count: Int) {
            let reach = max(1, 1 / placement.scale)
            let each = range.map { o in
                let centre = (Double(o) + 0.5) / placement.scale - 0.5 + placement.start
                let near = Int((centre - reach).rounded(.up))...Int((centre + reach).rounded(.down))
                let weights = near.map { (k: $0, w: max(0, 1 - abs(Double($0) - centre) / reach)) }
                let total = weights.reduce(0) { $0 + $1.w }
                let kept = weights.filter { $0.k >= origin && $0.k < origin + count && $0.w > 0 }
                return (first: (kept.first?.k ?? origin) - origin, weights: kept.map { Float($0.w / total) })
            }
            taps = max(1, each.map(\.weights.count).max() ?? 1)
            var first = [Int32](repeating: 0, count: range.count), weights = [Float](repeating: 0, count: taps * range.count)
            for (o, t) in each.enumerated() {
                // Moved back where the taps would pass the picture's end: leading zero weights.
                let start = min(t.first, count - taps)
                first[o] = Int32(start)
                for (j, w) in t.weights.enumerated() { weights[(t.first - start + j) * range.count + o] = w }
            }
            (self.first, self.weights) = (first, weights)
        }
    }

    /// Lays `layer` over `component`'s samples of `frame`: sample = value + (1 - coverage) * sample.
    private func blend(_ layer: Layer, into frame: VideoFrame, _ component: Component) {
        guard layer.width > 0 else { return }
        let (base, stride) = frame.plane(component.plane)
        layer.value.withUnsafeBufferPointer { value in
            layer.alpha.withUnsafeBufferPointer { alpha in
                for row in 0..<layer.height {
                    clarity_lay_under(value.baseAddress! + row * layer.width, alpha.baseAddress! + row * layer.width, layer.width,
                                      base + (layer.y + row) * stride + layer.x * component.step + component.offset,
                                      component.step, Int32(component.shift), component.isWord ? 1 : 0, Int32(component.depth))
                }
            }
        }
    }
}

extension SubtitleOverlay: FrameConversion {}

/// Premultiplied RGB (0...1) in the samples of a YUV format: its matrix (as players guess it
/// where unstated) and range.
private struct YUVCode {
    let kr: Float, kb: Float
    let full: Bool

    init(_ format: VideoFormat) {
        switch format.colour.statingGuess(forWidth: format.width, height: format.height).matrix {
        case AVCOL_SPC_BT709: (kr, kb) = (0.2126, 0.0722)
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: (kr, kb) = (0.2627, 0.0593)
        case AVCOL_SPC_SMPTE240M: (kr, kb) = (0.212, 0.087)
        case AVCOL_SPC_FCC: (kr, kb) = (0.30, 0.11)
        default: (kr, kb) = (0.299, 0.114)
        }
        full = format.isFullRangeYUV
    }

    /// Component `k` (Y, Cb, Cr) at `depth` bits of premultiplied RGBA p: the sum of the
    /// weights times p.
    func weights(_ k: Int, depth: Int) -> SIMD4<Float> {
        let luma = SIMD3(kr, 1 - kr - kb, kb)
        let unit = Float(sign: .plus, exponent: depth - 8, significand: 1), top = Float((1 << depth) - 1)
        switch k {
        case 0: return full ? SIMD4(luma * top, 0) : SIMD4(luma * 219 * unit, 16 * unit)
        default:
            let difference = (k == 1 ? SIMD3(0, 0, 1) - luma : SIMD3(1, 0, 0) - luma) / (2 * (1 - (k == 1 ? kb : kr)))
            return SIMD4(difference * (full ? top : 224 * unit), 128 * unit)
        }
    }
}
