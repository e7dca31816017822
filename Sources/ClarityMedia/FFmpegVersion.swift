import CFFmpeg

/// The FFmpeg libraries linked at run time, for reports (`clarity --version`).
public enum FFmpegVersion {
    /// FFmpeg's own version string ("5.1.9-0+deb12u1") and libavcodec's.
    public static var description: String {
        let codec = avcodec_version()
        return "FFmpeg \(String(cString: av_version_info())) (libavcodec \(codec >> 16).\((codec >> 8) & 0xff).\(codec & 0xff))"
    }
}
