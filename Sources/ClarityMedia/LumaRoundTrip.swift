import CFFmpeg
import Foundation

/// A luma plane through a real codec and back: how the quality benchmark makes compressed
/// low-resolution inputs, the same way the training toolkit does (`training/common.py`).
public enum LumaRoundTrip {
    /// One libx264 frame at a fixed QP (yuv420p with neutral chroma, preset medium, one
    /// thread, raw Annex B stream) decoded back; the decoded luma plane. Sides must be even.
    /// The toolkit pipes the same frame through the ffmpeg command line with the same settings.
    public static func h264(_ luma: [UInt8], width: Int, height: Int, qp: Int, preset: String = "medium") throws -> [UInt8] {
        guard width % 2 == 0, height % 2 == 0 else {
            throw MediaError(.invalidArgument, "H.264 4:2:0 needs even sides, got \(width)x\(height)")
        }
        precondition(luma.count == width * height, "luma of \(luma.count) samples is not \(width)x\(height)")
        let rate = AVRational(num: 25, den: 1)
        let format = VideoFormat(width: width, height: height, pixelFormat: AV_PIX_FMT_YUV420P,
                                 timeBase: AVRational(num: 1, den: 25), frameRate: rate,
                                 sampleAspectRatio: AVRational(num: 0, den: 1))  // unset, as from raw video
        let frame = try FramePool(format: format).makeFrame()
        frame.copyPlane(0, from: luma, rowBytes: width, rows: height)
        let neutral = [UInt8](repeating: 128, count: width / 2 * height / 2)
        frame.copyPlane(1, from: neutral, rowBytes: width / 2, rows: height / 2)
        frame.copyPlane(2, from: neutral, rowBytes: width / 2, rows: height / 2)
        frame.pts = 0

        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("clarity-roundtrip-\(getpid())-\(UUID().uuidString).h264").path
        defer { unlink(path) }
        let writer = try MediaWriter(output: try OutputFile(path, overwrite: true), format: "h264")
        try writer.addVideo(format: format, encoder: EncoderSettings(codec: "libx264", crf: nil, preset: preset, threads: 1,
                                                                     options: ["qp": String(qp)]))
        try writer.start()
        try writer.write(frame)
        try writer.finish()

        let reader = try MediaReader(url: path, format: "h264")
        while let item = try reader.read() {
            if case .frame(let decoded) = item { return decoded.planeBytes(0, rowBytes: width, rows: height) }
        }
        throw MediaError(.codec, "the H.264 round trip decoded no frame")
    }
}
