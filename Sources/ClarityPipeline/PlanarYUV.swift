import CFFmpeg
import ClarityMedia

/// The formats the luma stages take: planar YUV of 8 to 16 bits, any chroma subsampling.
enum PlanarYUV {
    /// Throws a user-facing error naming `user` unless `input` is planar YUV that the next
    /// stage (`accepted`, empty = anything) also takes.
    static func check(_ input: VideoFormat, accepted: [AVPixelFormat], user: String) throws {
        guard let desc = av_pix_fmt_desc_get(input.pixelFormat), desc.pointee.nb_components == 3,
              (desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PLANAR)) != 0,
              (desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB)) == 0 else {
            throw MediaError(.unsupported, "\(user) needs planar YUV input, not \(input.pixelFormatName)")
        }
        if !accepted.isEmpty && !accepted.contains(input.pixelFormat) {
            throw MediaError(.invalidArgument, "the encoder cannot take \(input.pixelFormatName); choose another --codec or --pix-fmt")
        }
    }

    /// A scaler for one chroma plane of `input` to the chroma plane of `output` (same layout,
    /// another size): the luma stages scale chroma classically, as a grey plane.
    static func chromaScaler(from input: VideoFormat, to output: VideoFormat, filter: ScaleFilter,
                             threads: Int = 1) throws -> FrameScaler {
        let shift = input.chromaShift
        func dims(_ f: VideoFormat) -> (width: Int, height: Int) {
            ((f.width + (1 << shift.x) - 1) >> shift.x, (f.height + (1 << shift.y) - 1) >> shift.y)
        }
        return try FrameScaler(planeFrom: dims(input), to: dims(output), bitDepth: input.bitDepth, filter: filter,
                                threads: threads)
    }
}
