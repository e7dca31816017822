import CFFmpeg

/// What a stream's Dolby Vision configuration record says, and what of it survives
/// enhancing. FFmpeg 5.1 decodes only the base layer and writes no Dolby Vision metadata, so
/// the output is that base layer: HDR10, SDR or HLG where the profile keeps one compatible
/// (8.1, 8.2, 8.4, 7), and Dolby's own colours (IPTPQc2) where it does not (profile 5, the
/// streaming services' kind), which look green and purple once read as YCbCr.
public struct DolbyVision: Sendable, Equatable {
    public let profile: Int
    /// The base layer's compatibility: 0 none, 1 HDR10, 2 SDR, 4 HLG, 6 Blu-ray HDR10.
    public let compatibility: Int

    public init(profile: Int, compatibility: Int) {
        (self.profile, self.compatibility) = (profile, compatibility)
    }

    /// What `stream` states; nil where it states no Dolby Vision.
    public init?(_ stream: StreamInfo) {
        guard let record = stream.sideData.first(where: { $0.kind == AV_PKT_DATA_DOVI_CONF }),
              record.bytes.count >= MemoryLayout<AVDOVIDecoderConfigurationRecord>.size else { return nil }
        let r = record.bytes.withUnsafeBytes { $0.loadUnaligned(as: AVDOVIDecoderConfigurationRecord.self) }
        self.init(profile: Int(r.dv_profile), compatibility: Int(r.dv_bl_signal_compatibility_id))
    }

    /// Whether the pictures hold colours a player without Dolby Vision shows right.
    public var hasCompatibleBaseLayer: Bool { compatibility != 0 }

    /// What the output of `name` loses, for a warning.
    public func loss(of name: String) -> String {
        let base = [1: "HDR10", 2: "SDR", 4: "HLG", 6: "HDR10"][compatibility]
        guard hasCompatibleBaseLayer else {
            return "\(name) is Dolby Vision profile \(profile), whose pictures hold Dolby's own colours (IPTPQc2), which FFmpeg 5.1 "
                + "cannot convert: the output's colours are wrong (green and purple), and only a Dolby Vision player shows the input right"
        }
        return "\(name) is Dolby Vision profile \(profile).\(compatibility): its dynamic metadata is not written (FFmpeg 5.1 cannot), "
            + "the output is its \(base ?? "base layer") picture"
    }
}
