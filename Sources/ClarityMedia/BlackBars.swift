import CFFmpeg

/// Finds the black bars of a letterboxed or pillarboxed picture, as ffmpeg's cropdetect does:
/// an edge row or column whose mean luma is at most `limit` (24 of 255, scaled to the bit
/// depth) is bar. Frames are taken across the file and the kept area is the smallest that
/// holds the picture of every one of them, so a dark scene does not cut into the picture;
/// frames black all over (fades) say nothing.
enum BlackBars {
    /// Edges of the picture in one frame: rows `top..<bottom`, columns `left..<right`.
    struct Area: Equatable {
        var top: Int, bottom: Int, left: Int, right: Int

        func union(_ o: Area) -> Area {
            Area(top: min(top, o.top), bottom: max(bottom, o.bottom), left: min(left, o.left), right: max(right, o.right))
        }
    }

    static let limit = 24

    /// Whether frames of `format` can be looked at: luma in plane 0, 8 to 16 bits a sample.
    static func canRead(_ format: VideoFormat) -> Bool {
        guard let d = av_pix_fmt_desc_get(format.pixelFormat), !format.isRGB,
              (d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM)) == 0,
              d.pointee.comp.0.plane == 0, d.pointee.comp.0.shift == 0 else { return false }
        let depth = Int(d.pointee.comp.0.depth), step = Int(d.pointee.comp.0.step)
        return (depth <= 8 && step == 1) || (depth > 8 && depth <= 16 && step == 2)
    }

    /// The picture's area in one frame; nil when it is bar all over.
    static func pictureArea(of frame: VideoFrame, bitDepth: Int) -> Area? {
        let (w, h) = (frame.width, frame.height)
        let (data, stride) = frame.plane(0)
        var rows = [Int](repeating: 0, count: h), columns = [Int](repeating: 0, count: w)
        for y in 0..<h {
            var sum = 0
            if bitDepth > 8 {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt16.self)
                for x in 0..<w { let v = Int(row[x]); sum += v; columns[x] += v }
            } else {
                let row = data + y * stride
                for x in 0..<w { let v = Int(row[x]); sum += v; columns[x] += v }
            }
            rows[y] = sum
        }
        let threshold = limit << max(0, bitDepth - 8)
        func picture(_ sums: [Int], count: Int) -> Range<Int>? {
            guard let first = sums.firstIndex(where: { $0 > threshold * count }),
                  let last = sums.lastIndex(where: { $0 > threshold * count }) else { return nil }
            return first..<(last + 1)
        }
        guard let r = picture(rows, count: w), let c = picture(columns, count: h) else { return nil }
        return Area(top: r.lowerBound, bottom: r.upperBound, left: c.lowerBound, right: c.upperBound)
    }

    /// The area to keep, on whole chroma samples (rounded inward, as cropdetect does, so that
    /// no bar is kept), from `samples` frames spread over `duration` seconds (or the first
    /// frames, taken a few apart, when the duration is not known); nil when every frame
    /// sampled is black.
    static func detect(_ sampler: FrameSampler, format: VideoFormat, duration: Double?, samples: Int = 12) -> CropRect? {
        var frames: [VideoFrame] = []
        if let duration, duration > 1 {
            frames = (0..<samples).compactMap { sampler.frame(near: duration * (Double($0) + 0.5) / Double(samples)) }
        } else {
            for i in 0..<(samples * 5) {
                guard let f = sampler.next() else { break }
                if i % 5 == 0 { frames.append(f) }
            }
        }
        let areas = frames.filter { $0.width == format.width && $0.height == format.height }
            .compactMap { pictureArea(of: $0, bitDepth: format.bitDepth) }
        guard let first = areas.first else { return nil }
        let area = areas.dropFirst().reduce(first) { $0.union($1) }
        let (sx, sy) = (1 << format.chromaShift.x, 1 << format.chromaShift.y)
        let left = (area.left + sx - 1) / sx * sx, top = (area.top + sy - 1) / sy * sy
        let right = area.right / sx * sx, bottom = area.bottom / sy * sy
        guard right > left, bottom > top else { return nil }
        return CropRect(width: right - left, height: bottom - top, x: left, y: top)
    }
}
