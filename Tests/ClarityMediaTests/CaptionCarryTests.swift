import CFFmpeg
import ClarityMedia
import XCTest

/// Captions taken off frames going into a step and given to the frames coming out.
final class CaptionCarryTests: XCTestCase {
    let frameTime = AVRational(num: 1, den: 30), fieldTime = AVRational(num: 1, den: 60)

    private func frame(pts: Int64, triplets: [[UInt8]] = []) -> UnsafeMutablePointer<AVFrame> {
        let f = av_frame_alloc()!
        f.pointee.pts = pts
        if !triplets.isEmpty {
            let bytes = triplets.flatMap { $0 }
            let side = av_frame_new_side_data(f, AV_FRAME_DATA_A53_CC, bytes.count)!
            side.pointee.data.update(from: bytes, count: bytes.count)
        }
        return f
    }

    private func captions(_ f: UnsafeMutablePointer<AVFrame>) -> [[UInt8]] {
        guard let side = av_frame_get_side_data(f, AV_FRAME_DATA_A53_CC) else { return [] }
        let bytes = Array(UnsafeBufferPointer(start: side.pointee.data, count: Int(side.pointee.size)))
        return stride(from: 0, to: bytes.count, by: 3).map { Array(bytes[$0..<$0 + 3]) }
    }

    private func free(_ frames: UnsafeMutablePointer<AVFrame>...) {
        for f in frames { var p: UnsafeMutablePointer<AVFrame>? = f; av_frame_free(&p) }
    }

    /// A frame per field: the captions of the frame go on its first field's frame only.
    func testTwoFramesOfOneSayItOnce() {
        var carry = CaptionCarry()
        let input = frame(pts: 4, triplets: [[0xFC, 0xC8, 0x45]])
        carry.take(from: input, timeBase: frameTime)
        XCTAssertTrue(captions(input).isEmpty, "taken off")
        let first = frame(pts: 8), second = frame(pts: 9)
        carry.give(to: first, timeBase: fieldTime, all: false)
        carry.give(to: second, timeBase: fieldTime, all: false)
        XCTAssertEqual(captions(first), [[0xFC, 0xC8, 0x45]])
        XCTAssertEqual(captions(second), [])
        XCTAssertTrue(carry.isEmpty)
        free(input, first, second)
    }

    /// Captions of frames not yet due wait; those of dropped frames join the next one, in
    /// order, at most 31 triplets a frame with padding left out first, the rest on the next.
    func testDroppedFramesCaptionsGoOnTheNextWithinATSCsLimit() {
        var carry = CaptionCarry()
        let padding: [UInt8] = [0xFA, 0, 0]
        let inputs = (0..<3).map { i in frame(pts: Int64(i), triplets: (0..<20).map { [0xFE, UInt8(i), UInt8($0)] } + [padding]) }
        for f in inputs { carry.take(from: f, timeBase: frameTime) }
        let early = frame(pts: -1)
        carry.give(to: early, timeBase: frameTime, all: false)
        XCTAssertEqual(captions(early), [], "none due before the first")
        let next = frame(pts: 1), last = frame(pts: 2)
        carry.give(to: next, timeBase: frameTime, all: false)
        XCTAssertEqual(captions(next), (0..<20).map { [0xFE, 0, UInt8($0)] } + (0..<11).map { [0xFE, 1, UInt8($0)] })
        carry.give(to: last, timeBase: frameTime, all: false)
        XCTAssertEqual(captions(last), (11..<20).map { [0xFE, 1, UInt8($0)] } + (0..<20).map { [0xFE, 2, UInt8($0)] } + [padding],
                       "what did not fit first, then the frame's own, padding kept where it fits")
        XCTAssertTrue(carry.isEmpty)
        free(early, next, last)
        inputs.forEach { free($0) }
    }
}
