import CFFmpeg
import ClarityMedia
import XCTest

/// Between RGB and YUV the matrix changes, and the output says which: YUV made from RGB is
/// studio-range BT.601 and tagged so; YUV tagged BT.709 is read with BT.709's coefficients.
final class ColourConversionTests: XCTestCase {
    private let (width, height) = (32, 16)

    private func format(_ pixelFormat: AVPixelFormat, matrix: AVColorSpace, range: AVColorRange) -> VideoFormat {
        var colour = ColourProperties()
        colour.matrix = matrix
        colour.range = range
        let rate = AVRational(num: 25, den: 1)
        return VideoFormat(width: width, height: height, pixelFormat: pixelFormat, timeBase: AVRational(num: 1, den: 25),
                           frameRate: rate, colour: colour)
    }

    /// A frame of one colour: each plane's samples (packed formats: one plane of interleaved samples).
    private func frame(_ format: VideoFormat, samples: [UInt8]) throws -> VideoFrame {
        let f = try FramePool(format: format).makeFrame()
        if format.isRGB {
            let (d, s) = f.plane(0)
            for y in 0..<height { for x in 0..<width { for c in 0..<3 { d[y * s + 3 * x + c] = samples[c] } } }
        } else {
            for p in 0..<3 {
                let (d, s) = f.plane(p)
                for y in 0..<height { for x in 0..<width { d[y * s + x] = samples[p] } }
            }
        }
        return f
    }

    /// The samples at the centre of the frame.
    private func centre(_ f: VideoFrame, _ format: VideoFormat) -> [Int] {
        let (x, y) = (width / 2, height / 2)
        if format.isRGB {
            let (d, s) = f.plane(0)
            return (0..<3).map { Int(d[y * s + 3 * x + $0]) }
        }
        return (0..<3).map { p in
            let (d, s) = f.plane(p)
            return Int(d[y * s + x])
        }
    }

    private func assertClose(_ got: [Int], _ want: [Int], within tolerance: Int, _ what: String) {
        XCTAssertTrue(zip(got, want).allSatisfy { abs($0 - $1) <= tolerance }, "\(what): \(got), expected \(want)")
    }

    func testRGBBecomesStudioRangeBT601AndComesBack() throws {
        let rgb = format(AV_PIX_FMT_RGB24, matrix: AVCOL_SPC_RGB, range: AVCOL_RANGE_JPEG)
        let yuv = rgb.converted(to: AV_PIX_FMT_YUV444P)
        XCTAssertEqual(yuv.colour.matrix, AVCOL_SPC_SMPTE170M)
        XCTAssertEqual(yuv.colour.range, AVCOL_RANGE_MPEG)
        let red = try frame(rgb, samples: [255, 0, 0])
        let converted = try FrameScaler(from: rgb, to: yuv, filter: .bicubic).scale(red)
        XCTAssertEqual(converted.avFrame.pointee.colorspace, AVCOL_SPC_SMPTE170M)
        // BT.601 studio range: Y = 16 + 65.481, Cb = 128 - 37.797, Cr = 128 + 112.
        assertClose(centre(converted, yuv), [81, 90, 240], within: 1, "red in BT.601")
        let back = yuv.converted(to: AV_PIX_FMT_RGB24)
        XCTAssertEqual(back.colour.matrix, AVCOL_SPC_RGB)
        XCTAssertEqual(back.colour.range, AVCOL_RANGE_JPEG)
        assertClose(centre(try FrameScaler(from: yuv, to: back, filter: .bicubic).scale(converted), back), [255, 0, 0], within: 2, "red again")
    }

    func testBT709IsReadWithItsOwnMatrix() throws {
        // Red in BT.709 studio range: Y = 16 + 46.559, Cb = 128 - 25.664, Cr = 128 + 112. Read
        // as BT.601 it would be (233, 0, 0) and a slightly wrong hue.
        let yuv = format(AV_PIX_FMT_YUV444P, matrix: AVCOL_SPC_BT709, range: AVCOL_RANGE_MPEG)
        let rgb = yuv.converted(to: AV_PIX_FMT_RGB24)
        let out = try FrameScaler(from: yuv, to: rgb, filter: .bicubic).scale(try frame(yuv, samples: [63, 102, 240]))
        assertClose(centre(out, rgb), [255, 0, 0], within: 3, "BT.709 red")
    }

    func testYUVToYUVKeepsItsSignalling() {
        let yuv = format(AV_PIX_FMT_YUV420P, matrix: AVCOL_SPC_BT709, range: AVCOL_RANGE_MPEG)
        XCTAssertEqual(yuv.converted(to: AV_PIX_FMT_YUV444P10LE).colour, yuv.colour)
    }
}
