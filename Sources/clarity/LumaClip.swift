import CFFmpeg
import ClarityEngine
import ClarityMedia
import ClarityQuality
import Foundation

/// A clip's 8-bit luma planes, read one frame at a time (other formats converted to yuv420p),
/// so that a long 4K clip is scored without being held whole (300 frames: 2.5 GB).
struct LumaFrames {
    let width: Int
    let height: Int
    private let reader: MediaReader
    private let convert: FrameScaler?

    init(path: String) throws {
        reader = try MediaReader(url: path)
        let format = reader.videoFormat
        var target = format
        target.pixelFormat = AV_PIX_FMT_YUV420P
        convert = format.pixelFormat == AV_PIX_FMT_YUV420P ? nil : try FrameScaler(from: format, to: target, filter: .bicubic)
        (width, height) = (format.width, format.height)
    }

    /// The next frame's luma plane; nil after the last.
    func next() throws -> [UInt8]? {
        while let item = try reader.read() {
            guard case .frame(let decoded) = item else { continue }
            return (try convert?.scale(decoded) ?? decoded).planeBytes(0, rowBytes: width, rows: height)
        }
        return nil
    }
}

/// Mean Y-PSNR and SSIM over pairs of luma planes: each batch scored side by side, one frame a
/// core, and the scores summed in frame order.
struct LumaScores {
    private(set) var frames = 0
    private var psnr = 0.0, ssim = 0.0

    var mean: (psnr: Double, ssim: Double) { (psnr / Double(frames), ssim / Double(frames)) }

    /// The scores of the planes `other` gives against those `reference` gives, frame by frame,
    /// a batch of one per core at a time, until either gives nil.
    init(width: Int, height: Int, reference: () throws -> [UInt8]?, other: () throws -> [UInt8]?) rethrows {
        while true {
            var batch: [(reference: [UInt8], other: [UInt8])] = []
            while batch.count < AvailableCores.count, let r = try reference(), let o = try other() { batch.append((r, o)) }
            guard !batch.isEmpty else { return }
            var scores = [(psnr: Double, ssim: Double)](repeating: (0, 0), count: batch.count)
            scores.withUnsafeMutableBufferPointer { out in
                DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                    out[i] = (ClarityQuality.psnr(batch[i].reference, batch[i].other, width: width, height: height),
                              ClarityQuality.ssim(batch[i].reference, batch[i].other, width: width, height: height))
                }
            }
            for score in scores {
                (psnr, ssim, frames) = (psnr + score.psnr, ssim + score.ssim, frames + 1)
            }
        }
    }
}

/// The 8-bit luma planes of every step-th of the first frames of a clip, held.
struct LumaClip {
    var width: Int
    var height: Int
    var planes: [[UInt8]]
    /// The index of each plane's frame in the clip.
    var indices: [Int] = []

    init(path: String, frames: Int, step: Int = 1) throws {
        let clip = try LumaFrames(path: path)
        (width, height) = (clip.width, clip.height)
        planes = []
        var index = -1
        while frames == 0 || planes.count < frames, let plane = try clip.next() {
            index += 1
            guard index % step == 0 else { continue }
            indices.append(index)
            planes.append(plane)
        }
        guard !planes.isEmpty else { throw MediaError(.noVideoStream, "\(path) holds no video frames") }
    }

    /// Mean over frames of Y-PSNR and SSIM of `other` against these planes.
    func compare(_ other: [[UInt8]]) -> (psnr: Double, ssim: Double) {
        var (mine, theirs) = (planes.makeIterator(), other.makeIterator())
        return LumaScores(width: width, height: height, reference: { mine.next() }, other: { theirs.next() }).mean
    }
}
