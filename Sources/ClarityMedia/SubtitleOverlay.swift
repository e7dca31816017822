import CFFmpeg

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
    private var drawn: (serial: Int, layers: [Layer])?
    private let origin: SubtitleBurn.Origin
    /// Frames waiting for the subtitle packets of their time (`.packets`).
    private var held: [VideoFrame] = []

    /// How one component of the pixel format is stored and what a picture contributes to it.
    private struct Component {
        let plane: Int, step: Int, offset: Int, shift: Int, depth: Int
        /// log2 of the subsampling (chroma).
        let subsampledX: Int, subsampledY: Int
        let role: Role
        var max: Float { Float((1 << depth) - 1) }
        /// Whether the sample is a 16-bit word rather than a byte.
        var isWord: Bool { shift + depth > 8 }
    }

    private enum Role {
        /// Y, Cb or Cr as `YUVCode` makes it from RGB.
        case yuv(Int)
        /// R, G or B.
        case rgb(Int)
        case alpha
    }

    /// A component's share of the picture, at its own resolution: premultiplied samples and
    /// coverage, over `width`x`height` from (`x`, `y`).
    private struct Layer {
        let x: Int, y: Int, width: Int, height: Int
        let value: [Float], alpha: [Float]
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
        components = comps.enumerated().map { i, c in
            let chroma = !rgb && (i == 1 || i == 2)
            return Component(plane: Int(c.plane), step: Int(c.step), offset: Int(c.offset), shift: Int(c.shift), depth: Int(c.depth),
                             subsampledX: chroma ? Int(desc.log2_chroma_w) : 0, subsampledY: chroma ? Int(desc.log2_chroma_h) : 0,
                             role: i == alphaIndex ? .alpha : rgb ? .rgb(i) : .yuv(i))
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
        if drawn?.serial != picture.serial { drawn = (picture.serial, layers(of: picture)) }
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
    private func layers(of picture: SubtitlePicture) -> [Layer] {
        let across = Self.placement(picture.x, picture.width, canvas: picture.canvas.width, part: (part.x, part.width), size: format.width)
        let down = Self.placement(picture.y, picture.height, canvas: picture.canvas.height, part: (part.y, part.height), size: format.height)
        let none = components.map { _ in Layer(x: 0, y: 0, width: 0, height: 0, value: [], alpha: []) }
        let rgba: [Float], columns: Range<Int>, rows: Range<Int>
        if [across, down].allSatisfy({ $0.scale == 1 && $0.start == 0 }) {
            // Drawn at the frame's size (text): the picture as it is, within the frame.
            (columns, rows) = ((0..<format.width).clamped(to: picture.x..<picture.x + picture.width),
                               (0..<format.height).clamped(to: picture.y..<picture.y + picture.height))
            guard !columns.isEmpty, !rows.isEmpty else { return none }
            let whole = columns.count == picture.width && rows.count == picture.height
            rgba = whole ? picture.pixels : Self.window(of: picture, columns: columns, rows: rows)
        } else {
            // The picture's bounds on the frame, a sample wider for the filter's reach.
            let onFrame = { (canvas: Int, p: Placement) in (Double(canvas) - p.start) * p.scale }
            let x0 = max(0, Int(onFrame(picture.x, across).rounded(.down)) - 1)
            let x1 = min(format.width, Int(onFrame(picture.x + picture.width, across).rounded(.up)) + 1)
            let y0 = max(0, Int(onFrame(picture.y, down).rounded(.down)) - 1)
            let y1 = min(format.height, Int(onFrame(picture.y + picture.height, down).rounded(.up)) + 1)
            guard x1 > x0, y1 > y0 else { return none }
            (columns, rows) = (x0..<x1, y0..<y1)
            rgba = Self.resample(picture, columns: columns, rows: rows, placed: (across, down))
        }
        let yuv = YUVCode(format)
        return rgba.withUnsafeBufferPointer { pixels in
            components.map { layer(of: pixels, columns: columns, rows: rows, for: $0, yuv) }
        }
    }

    /// One component's share of premultiplied RGBA `pixels` that cover `columns` and `rows`
    /// of the frame: each of its samples from the average of the pixels it covers (those
    /// outside the bounds clear), since the codes are affine in the premultiplied colour.
    private func layer(of pixels: UnsafeBufferPointer<Float>, columns: Range<Int>, rows: Range<Int>, for c: Component, _ yuv: YUVCode) -> Layer {
        let (bx, by) = (1 << c.subsampledX, 1 << c.subsampledY)
        let (cx0, cy0) = (columns.lowerBound >> c.subsampledX, rows.lowerBound >> c.subsampledY)
        let (cx1, cy1) = ((columns.upperBound + bx - 1) >> c.subsampledX, (rows.upperBound + by - 1) >> c.subsampledY)
        let (width, height, n) = (cx1 - cx0, cy1 - cy0, Float(bx * by))
        var value = [Float](repeating: 0, count: width * height), alpha = value
        /// The component's code for the average premultiplied colour `p`.
        func code(_ p: SIMD4<Float>) -> Float {
            switch c.role {
            case .alpha: return p.w * c.max
            case .rgb(let k): return p[k] * c.max
            case .yuv(let k): return yuv.code(k, (p.x, p.y, p.z, p.w), depth: c.depth)
            }
        }
        value.withUnsafeMutableBufferPointer { value in
            alpha.withUnsafeMutableBufferPointer { alpha in
                guard bx > 1 || by > 1 else {
                    // Sample for sample.
                    let pixels = UnsafeRawPointer(pixels.baseAddress!).assumingMemoryBound(to: SIMD4<Float>.self)
                    for i in 0..<width * height where pixels[i].w > 0 {
                        (alpha[i], value[i]) = (pixels[i].w, code(pixels[i]))
                    }
                    return
                }
                for cy in cy0..<cy1 {
                    let ys = max(cy * by, rows.lowerBound)..<min(cy * by + by, rows.upperBound)
                    for cx in cx0..<cx1 {
                        var sum = SIMD4<Float>.zero
                        for y in ys {
                            let line = (y - rows.lowerBound) * columns.count - columns.lowerBound
                            for x in max(cx * bx, columns.lowerBound)..<min(cx * bx + bx, columns.upperBound) {
                                let i = (line + x) * 4
                                sum += SIMD4(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
                            }
                        }
                        guard sum.w > 0 else { continue }
                        let p = sum / n, at = (cy - cy0) * width + cx - cx0
                        (alpha[at], value[at]) = (p.w, code(p))
                    }
                }
            }
        }
        return Layer(x: cx0, y: cy0, width: width, height: height, value: value, alpha: alpha)
    }

    /// Premultiplied RGBA of `picture` at the frame's `columns` and `rows`, where its canvas is
    /// the frame (text drawn at the frame's size).
    private static func window(of picture: SubtitlePicture, columns: Range<Int>, rows: Range<Int>) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * columns.count * 4)
        let across = columns.clamped(to: picture.x..<picture.x + picture.width)
        for y in rows.clamped(to: picture.y..<picture.y + picture.height) where !across.isEmpty {
            let from = ((y - picture.y) * picture.width + across.lowerBound - picture.x) * 4
            let to = ((y - rows.lowerBound) * columns.count + across.lowerBound - columns.lowerBound) * 4
            out.replaceSubrange(to..<to + across.count * 4, with: picture.pixels[from..<from + across.count * 4])
        }
        return out
    }

    /// Premultiplied RGBA of `picture` at the frame's `columns` and `rows`: each frame sample
    /// weighs the canvas samples within a triangle as wide as one sample of the larger grid.
    private static func resample(_ picture: SubtitlePicture, columns: Range<Int>, rows: Range<Int>,
                                 placed: (across: Placement, down: Placement)) -> [Float] {
        /// Canvas samples and weights for each frame sample along one axis, over the picture's extent.
        func taps(_ range: Range<Int>, _ placement: Placement, from origin: Int, count: Int) -> [[(Int, Float)]] {
            let reach = max(1, 1 / placement.scale)
            return range.map { o in
                let centre = (Double(o) + 0.5) / placement.scale - 0.5 + placement.start
                let near = Int((centre - reach).rounded(.up))...Int((centre + reach).rounded(.down))
                let weights = near.map { (k: $0, w: max(0, 1 - abs(Double($0) - centre) / reach)) }
                let total = weights.reduce(0) { $0 + $1.w }
                return weights.filter { $0.k >= origin && $0.k < origin + count && $0.w > 0 }.map { ($0.k - origin, Float($0.w / total)) }
            }
        }
        let across = taps(columns, placed.across, from: picture.x, count: picture.width)
        let down = taps(rows, placed.down, from: picture.y, count: picture.height)
        // Across first, row by row of the picture, then down.
        var wide = [Float](repeating: 0, count: picture.height * columns.count * 4)
        for row in 0..<picture.height {
            for (o, t) in across.enumerated() {
                for (k, w) in t {
                    for ch in 0..<4 { wide[(row * columns.count + o) * 4 + ch] += w * picture.pixels[(row * picture.width + k) * 4 + ch] }
                }
            }
        }
        var out = [Float](repeating: 0, count: rows.count * columns.count * 4)
        for (o, t) in down.enumerated() {
            for (k, w) in t {
                for i in 0..<columns.count * 4 { out[o * columns.count * 4 + i] += w * wide[k * columns.count * 4 + i] }
            }
        }
        return out
    }

    /// Lays `layer` over `component`'s samples of `frame`: sample = value + (1 - coverage) * sample.
    private func blend(_ layer: Layer, into frame: VideoFrame, _ component: Component) {
        guard layer.width > 0 else { return }
        let (base, stride) = frame.plane(component.plane)
        let mask = (1 << component.depth) - 1
        for row in 0..<layer.height {
            let y = layer.y + row
            for column in 0..<layer.width {
                let i = row * layer.width + column
                let a = layer.alpha[i]
                guard a > 0 else { continue }
                let at = base + y * stride + (layer.x + column) * component.step + component.offset
                if component.isWord {
                    let word = UnsafeMutableRawPointer(at).loadUnaligned(as: UInt16.self)
                    let old = Float(Int(UInt16(littleEndian: word)) >> component.shift & mask)
                    let new = UInt16(min(Float(mask), max(0, layer.value[i] + (1 - a) * old)).rounded())
                    let kept = UInt16(littleEndian: word) & ~UInt16(truncatingIfNeeded: mask << component.shift)
                    UnsafeMutableRawPointer(at).storeBytes(of: (kept | new << UInt16(component.shift)).littleEndian, as: UInt16.self)
                } else {
                    let old = Float(Int(at.pointee) >> component.shift & mask)
                    let new = UInt8(min(Float(mask), max(0, layer.value[i] + (1 - a) * old)).rounded())
                    at.pointee = at.pointee & ~UInt8(truncatingIfNeeded: mask << component.shift) | new << UInt8(component.shift)
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

    /// Component `k` (Y, Cb, Cr) of premultiplied `p` at `depth` bits, premultiplied.
    func code(_ k: Int, _ p: (r: Float, g: Float, b: Float, a: Float), depth: Int) -> Float {
        let luma = kr * p.r + (1 - kr - kb) * p.g + kb * p.b
        let unit = Float(sign: .plus, exponent: depth - 8, significand: 1)
        switch k {
        case 0: return full ? luma * Float((1 << depth) - 1) : p.a * 16 * unit + luma * 219 * unit
        default:
            let difference = k == 1 ? (p.b - luma) / (2 * (1 - kb)) : (p.r - luma) / (2 * (1 - kr))
            return p.a * 128 * unit + difference * (full ? Float((1 << depth) - 1) : 224 * unit)
        }
    }
}
