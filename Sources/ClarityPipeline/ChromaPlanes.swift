import CFFmpeg
import ClarityMedia

/// The chroma planes of a luma stage's frames, and the alpha plane where there is one,
/// scaled classically as grey planes (none in grey video). Set up once for one input and one
/// output size.
final class ChromaPlanes {
    private let scaler: FrameScaler?
    /// Alpha, at the luma's size.
    private let alpha: FrameScaler?

    init(from input: VideoFormat, to output: VideoFormat, filter: ScaleFilter, threads: Int = 1) throws {
        guard let desc = av_pix_fmt_desc_get(input.pixelFormat), desc.pointee.nb_components >= 3 else {
            (scaler, alpha) = (nil, nil)
            return
        }
        let shift = input.chromaShift
        func dims(_ f: VideoFormat) -> (width: Int, height: Int) {
            ((f.width + (1 << shift.x) - 1) >> shift.x, (f.height + (1 << shift.y) - 1) >> shift.y)
        }
        scaler = try FrameScaler(planeFrom: dims(input), to: dims(output), bitDepth: input.bitDepth, filter: filter, threads: threads)
        alpha = (desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA)) == 0 ? nil
            : try FrameScaler(planeFrom: (input.width, input.height), to: (output.width, output.height),
                              bitDepth: input.bitDepth, filter: filter, threads: threads)
    }

    /// Scales `source`'s chroma (and alpha) planes into `target`'s.
    func scale(_ source: VideoFrame, into target: VideoFrame) {
        guard let scaler else { return }
        for p in 1...2 { scaler.scale(plane: source.plane(p), into: target.plane(p)) }
        alpha?.scale(plane: source.plane(3), into: target.plane(3))
    }
}
