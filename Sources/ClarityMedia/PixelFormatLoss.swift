import CFFmpeg

/// What frames lose when their pixel format becomes the nearest one an encoder takes: their
/// transparency, bits of depth, colour resolution. The output keeps the input's format where
/// the encoder takes it, so only an encoder that lacks it makes a loss, and it is said.
public struct PixelFormatLoss {
    /// What is lost, in words ("its transparency", "2 of its 12 bits", ...); empty for nothing.
    public let losses: [String]

    /// `transparent`: whether the frames show any transparency (nil: not known), asked only
    /// where the alpha channel is lost (it may read a frame).
    public init(from input: AVPixelFormat, to output: AVPixelFormat, transparent: () -> Bool? = { nil }) {
        guard let a = av_pix_fmt_desc_get(input)?.pointee, let b = av_pix_fmt_desc_get(output)?.pointee else {
            losses = []
            return
        }
        let flag = { (d: AVPixFmtDescriptor, f: Int32) in d.flags & UInt64(f) != 0 }
        var lost: [String] = []
        // A palette's alpha flag says only that a palette entry may be transparent.
        if flag(a, AV_PIX_FMT_FLAG_ALPHA) && !flag(a, AV_PIX_FMT_FLAG_PAL) && !flag(b, AV_PIX_FMT_FLAG_ALPHA) {
            switch transparent() {
            case true?: lost.append("its transparency")
            case nil: lost.append("any transparency")
            case false?: break
            }
        }
        if b.comp.0.depth < a.comp.0.depth { lost.append("\(a.comp.0.depth - b.comp.0.depth) of its \(a.comp.0.depth) bits") }
        if a.nb_components >= 3 && b.nb_components >= 3 && (b.log2_chroma_w > a.log2_chroma_w || b.log2_chroma_h > a.log2_chroma_h) {
            lost.append("colour detail (\(Self.sampling(b)) from \(Self.sampling(a)))")
        }
        losses = lost
    }

    public var isEmpty: Bool { losses.isEmpty }

    /// Chroma subsampling as people write it: 4:4:4, 4:2:2, 4:2:0, ...
    static func sampling(_ d: AVPixFmtDescriptor) -> String {
        switch (d.log2_chroma_w, d.log2_chroma_h) {
        case (0, 0): return "4:4:4"
        case (1, 0): return "4:2:2"
        case (1, 1): return "4:2:0"
        case (2, 0): return "4:1:1"
        case (0, 1): return "4:4:0"
        default: return "4:1:0"
        }
    }

    /// Whether `frame` shows anything transparent: some alpha below opaque. Decoders give an
    /// alpha channel to every GIF, and PNG keeps one that is often opaque throughout.
    public static func showsTransparency(_ frame: VideoFrame) -> Bool {
        let f = frame.avFrame.pointee
        guard let d = av_pix_fmt_desc_get(AVPixelFormat(f.format))?.pointee, d.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0,
              d.flags & UInt64(AV_PIX_FMT_FLAG_PAL) == 0, d.nb_components == 2 || d.nb_components == 4 else { return false }
        let alpha = d.nb_components == 2 ? d.comp.1 : d.comp.3
        let wide = alpha.depth > 8, swapped = d.flags & UInt64(AV_PIX_FMT_FLAG_BE) != 0, opaque = (1 << Int(alpha.depth)) - 1
        let planes = [f.data.0, f.data.1, f.data.2, f.data.3], strides = [f.linesize.0, f.linesize.1, f.linesize.2, f.linesize.3]
        guard let base = planes[Int(alpha.plane)] else { return false }
        for y in 0..<Int(f.height) {
            let row = base + y * Int(strides[Int(alpha.plane)]) + Int(alpha.offset)
            for x in 0..<Int(f.width) {
                let at = row + x * Int(alpha.step)
                let word = wide ? UnsafeRawPointer(at).loadUnaligned(as: UInt16.self) : UInt16(at.pointee)
                if (Int(swapped ? word.byteSwapped : word) >> Int(alpha.shift)) & opaque < opaque { return true }
            }
        }
        return false
    }

    /// Common encoders other than `encoder` that take frames of `input` without a loss.
    public static func keepers(of input: AVPixelFormat, besides encoder: String) -> [String] {
        ["libx264", "libx265", "libvpx-vp9", "prores_ks", "ffv1"].filter { name in
            guard name != encoder, var own = try? MediaWriter.pixelFormats(forCodec: name), !own.isEmpty else { return false }
            own.append(AV_PIX_FMT_NONE)
            let nearest = avcodec_find_best_pix_fmt_of_list(&own, input, 1, nil)
            return PixelFormatLoss(from: input, to: nearest).isEmpty
        }
    }
}
