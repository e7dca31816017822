import CFFmpeg

/// Recycles the sample buffers of one frame format. A 4K frame is 12 MB: allocating it anew
/// each time costs thousands of page faults, while a pooled buffer is warm and mapped.
public final class FramePool: @unchecked Sendable {
    public let format: VideoFormat
    private let pool: OpaquePointer
    private let size: Int32
    private static let alignment: Int32 = 64

    /// Rows each plane holds: the height rounded up to 32, as `av_frame_get_buffer` pads them,
    /// since codecs read whole blocks past the last row (FFmpeg 5.1's CineForm encoder crashed
    /// on 320x180 frames without them).
    private static func paddedHeight(_ height: Int) -> Int32 { Int32((height + 31) & ~31) }

    public init(format: VideoFormat) throws {
        self.format = format
        size = av_image_get_buffer_size(format.pixelFormat, Int32(format.width), Self.paddedHeight(format.height), Self.alignment)
            + Self.alignment
        guard size > Self.alignment, let p = av_buffer_pool_init(Int(size), av_buffer_alloc) else {
            throw MediaError(.invalidArgument, "cannot hold \(format.width)x\(format.height) \(format.pixelFormatName) frames")
        }
        pool = p
    }

    deinit {
        var p: OpaquePointer? = pool
        av_buffer_pool_uninit(&p)
    }

    private func outOfMemory() -> MediaError { .outOfMemory("allocating a \(format.width)x\(format.height) frame") }

    /// A frame backed by a pooled buffer; the buffer returns to the pool when the frame dies.
    public func makeFrame() throws -> VideoFrame {
        guard let f = av_frame_alloc() else { throw outOfMemory() }
        let frame = VideoFrame(owning: f)
        guard let buffer = av_buffer_pool_get(pool) else { throw outOfMemory() }
        f.pointee.width = Int32(format.width)
        f.pointee.height = Int32(format.height)
        f.pointee.format = format.pixelFormat.rawValue
        f.pointee.buf.0 = buffer
        withUnsafeMutableBytes(of: &f.pointee.data) { data in
            withUnsafeMutableBytes(of: &f.pointee.linesize) { lines in
                let d = data.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
                let l = lines.baseAddress!.assumingMemoryBound(to: Int32.self)
                av_image_fill_arrays(d, l, buffer.pointee.data, format.pixelFormat, Int32(format.width),
                                     Self.paddedHeight(format.height), Self.alignment)
            }
        }
        format.colour.apply(to: f)
        f.pointee.sample_aspect_ratio = format.sampleAspectRatio
        return frame
    }
}
