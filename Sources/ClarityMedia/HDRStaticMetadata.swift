import CFFmpeg
import Foundation

/// HDR10's static metadata: the display the video was graded on (SMPTE ST 2086) and its
/// light levels (CTA-861.3), which a TV uses to map the picture onto its own range.
///
/// Matroska and MP4 may carry it for the stream, but many files carry it only in the
/// bitstream (HEVC SEI: ffmpeg's own libx265 output, broadcast TS), where the decoder attaches
/// it to each frame. The writer needs it before the first frame is decoded: for the output
/// stream, and for the encoder, which writes its own SEI.
public struct HDRStaticMetadata: @unchecked Sendable {
    public var mastering: AVMasteringDisplayMetadata?
    public var lightLevel: AVContentLightMetadata?

    public var isEmpty: Bool { mastering == nil && lightLevel == nil }

    /// From a stream's side data.
    public init(_ sideData: [StreamInfo.SideData]) {
        for d in sideData {
            d.bytes.withUnsafeBytes { raw in
                if d.kind == AV_PKT_DATA_MASTERING_DISPLAY_METADATA, raw.count >= MemoryLayout<AVMasteringDisplayMetadata>.size {
                    mastering = raw.loadUnaligned(as: AVMasteringDisplayMetadata.self)
                } else if d.kind == AV_PKT_DATA_CONTENT_LIGHT_LEVEL, raw.count >= MemoryLayout<AVContentLightMetadata>.size {
                    lightLevel = raw.loadUnaligned(as: AVContentLightMetadata.self)
                }
            }
        }
    }

    /// From a decoded frame's side data (the same structures as the stream's).
    init(frame: UnsafePointer<AVFrame>) {
        let frame = UnsafeMutablePointer(mutating: frame)
        if let d = av_frame_get_side_data(frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA),
           Int(d.pointee.size) >= MemoryLayout<AVMasteringDisplayMetadata>.size {
            mastering = UnsafeRawPointer(d.pointee.data).loadUnaligned(as: AVMasteringDisplayMetadata.self)
        }
        if let d = av_frame_get_side_data(frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL),
           Int(d.pointee.size) >= MemoryLayout<AVContentLightMetadata>.size {
            lightLevel = UnsafeRawPointer(d.pointee.data).loadUnaligned(as: AVContentLightMetadata.self)
        }
    }

    /// As stream side data.
    var sideData: [StreamInfo.SideData] {
        func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        return (mastering.map { [StreamInfo.SideData(kind: AV_PKT_DATA_MASTERING_DISPLAY_METADATA, bytes: bytes($0))] } ?? [])
            + (lightLevel.map { [StreamInfo.SideData(kind: AV_PKT_DATA_CONTENT_LIGHT_LEVEL, bytes: bytes($0))] } ?? [])
    }

    /// The options of x265 (`master-display`, `max-cll`) or x264 (`mastering-display`, `cll`)
    /// that make the encoder write the same SEI; empty for other encoders. Chromaticities in
    /// units of 1/50000, luminance of 1/10000 cd/m2, primaries in the order G, B, R.
    func encoderParameters(for codec: String) -> [(key: String, value: String)] {
        let names: (mastering: String, light: String)
        switch codec {
        case "libx265": names = ("master-display", "max-cll")
        case "libx264": names = ("mastering-display", "cll")
        default: return []
        }
        var out: [(key: String, value: String)] = []
        if let m = mastering, m.has_primaries != 0, m.has_luminance != 0 {
            func n(_ q: AVRational, _ unit: Int64) -> Int64 { q.den == 0 ? 0 : av_rescale(Int64(q.num), unit, Int64(q.den)) }
            let p = m.display_primaries, w = m.white_point
            let point = { (xy: (AVRational, AVRational)) in "(\(n(xy.0, 50000)),\(n(xy.1, 50000)))" }
            out.append((names.mastering, "G\(point(p.1))B\(point(p.2))R\(point(p.0))WP\(point(w))"
                        + "L(\(n(m.max_luminance, 10000)),\(n(m.min_luminance, 10000)))"))
        }
        if let l = lightLevel { out.append((names.light, "\(l.MaxCLL),\(l.MaxFALL)")) }
        return out
    }
}
