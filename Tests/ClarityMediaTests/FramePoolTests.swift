import CFFmpeg
import ClarityMedia
import XCTest

/// Pooled frames hold what `av_frame_get_buffer` would: codecs read whole blocks past the last
/// row (FFmpeg 5.1's CineForm encoder crashed now and then on 320x180 frames without them).
final class FramePoolTests: XCTestCase {
    func testEveryPlaneHoldsRowsToAMultipleOf32() throws {
        for (width, height, pixelFormat) in [(320, 180, AV_PIX_FMT_YUV420P), (100, 37, AV_PIX_FMT_YUV444P10LE), (17, 5, AV_PIX_FMT_GRAY8)] {
            let format = VideoFormat(width: width, height: height, pixelFormat: pixelFormat, timeBase: AVRational(num: 1, den: 30),
                                     frameRate: AVRational(num: 30, den: 1))
            let frame = try FramePool(format: format).makeFrame()
            let buffer = frame.avFrame.pointee.buf.0!.pointee
            let end = buffer.data! + Int(buffer.size)
            let chromaShift = Int(av_pix_fmt_desc_get(pixelFormat)!.pointee.log2_chroma_h)
            let planes = Int(av_pix_fmt_count_planes(pixelFormat))
            for p in 0..<planes {
                let (data, stride) = frame.plane(p)
                let rows = p == 0 ? (height + 31) / 32 * 32 : -((-((height + 31) / 32 * 32)) >> chromaShift)
                XCTAssertLessThanOrEqual(data + stride * rows, end, "\(format) plane \(p)")
                XCTAssertEqual(stride % 64, 0)
            }
            XCTAssertEqual(frame.height, height, "the frame's own height is kept")
        }
    }
}
