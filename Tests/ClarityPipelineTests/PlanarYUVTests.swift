import CFFmpeg
import ClarityMedia
import ClarityPipeline
import XCTest

/// What the luma stages take as it is, and what everything else is converted to first.
final class PlanarYUVTests: XCTestCase {
    private func format(_ f: AVPixelFormat) -> VideoFormat {
        VideoFormat(width: 64, height: 32, pixelFormat: f, timeBase: AVRational(num: 1, den: 25), frameRate: AVRational(num: 25, den: 1))
    }

    func testPlanarYUVAndGreyPassUntouched() {
        for f in [AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P16LE, AV_PIX_FMT_YUV410P,
                  AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY10LE, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA444P16LE] {
            XCTAssertTrue(PlanarYUV.takes(format(f)), VideoFormat.name(of: f))
            XCTAssertNil(PlanarYUV.conversion(for: format(f)), VideoFormat.name(of: f))
        }
    }

    /// Semi-planar and packed YUV keep their subsampling and depth, RGB becomes 4:4:4 at its
    /// depth, alpha gets a plane of its own (a palette's too), palettes and 1-bit pictures are
    /// opened up, big-endian samples become little-endian.
    func testEverythingElseIsConvertedToWhatLosesLeast() {
        let cases: [(AVPixelFormat, AVPixelFormat)] = [
            (AV_PIX_FMT_NV12, AV_PIX_FMT_YUV420P), (AV_PIX_FMT_P010LE, AV_PIX_FMT_YUV420P10LE), (AV_PIX_FMT_YUYV422, AV_PIX_FMT_YUV422P),
            (AV_PIX_FMT_RGBA, AV_PIX_FMT_YUVA444P), (AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV444P), (AV_PIX_FMT_BGR0, AV_PIX_FMT_YUV444P),
            (AV_PIX_FMT_GBRP10LE, AV_PIX_FMT_YUV444P10LE), (AV_PIX_FMT_YA8, AV_PIX_FMT_YUVA444P), (AV_PIX_FMT_PAL8, AV_PIX_FMT_YUVA444P),
            (AV_PIX_FMT_RGBA64LE, AV_PIX_FMT_YUVA444P16LE),
            (AV_PIX_FMT_MONOBLACK, AV_PIX_FMT_GRAY8), (AV_PIX_FMT_YUV420P10BE, AV_PIX_FMT_YUV420P10LE),
        ]
        for (from, to) in cases {
            XCTAssertFalse(PlanarYUV.takes(format(from)), VideoFormat.name(of: from))
            XCTAssertEqual(PlanarYUV.conversion(for: format(from)).map(VideoFormat.name(of:)), VideoFormat.name(of: to), VideoFormat.name(of: from))
        }
    }
}
