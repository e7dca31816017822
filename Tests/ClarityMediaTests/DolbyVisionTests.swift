import CFFmpeg
import ClarityMedia
import Foundation
import XCTest

/// A Dolby Vision configuration record is read from the container, and what enhancing loses
/// of it is said: the colours of profile 5, the dynamic metadata of profile 8.
final class DolbyVisionTests: FolderTestCase {
    /// Four frames of H.264 in `name`, its stream stating Dolby Vision `profile` over a base
    /// layer of `compatibility` (as MP4's dvcC box and Matroska's block addition mapping hold it).
    func clip(_ name: String, profile: UInt8, compatibility: UInt8) throws -> String {
        let plain = folder.appendingPathComponent("plain-\(name).mkv").path
        let format = VideoFormat(width: 64, height: 64, pixelFormat: AV_PIX_FMT_YUV420P, timeBase: AVRational(num: 1, den: 25),
                                 frameRate: AVRational(num: 25, den: 1))
        let writer = try MediaWriter(output: try OutputFile(plain, overwrite: false))
        try writer.addVideo(format: format, encoder: EncoderSettings(codec: "libx264", crf: 30, preset: "ultrafast"))
        try writer.start()
        let pool = try FramePool(format: format)
        for t in 0..<4 {
            let f = try pool.makeFrame()
            f.pts = Int64(t)
            for p in 0..<3 {
                let (data, stride) = f.plane(p)
                memset(data, 128, stride * (p == 0 ? 64 : 32))
            }
            try writer.write(f)
        }
        try writer.finish()

        let path = folder.appendingPathComponent(name).path
        var input: UnsafeMutablePointer<AVFormatContext>?
        var output: UnsafeMutablePointer<AVFormatContext>?
        XCTAssertGreaterThanOrEqual(avformat_open_input(&input, plain, nil, nil), 0)
        XCTAssertGreaterThanOrEqual(avformat_alloc_output_context2(&output, nil, nil, path), 0)
        defer { avformat_close_input(&input); avio_closep(&output!.pointee.pb); avformat_free_context(output) }
        let source = input!.pointee.streams[0]!
        let stream = avformat_new_stream(output, nil)!
        avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar)
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = source.pointee.time_base
        var size = 0
        let record = av_dovi_alloc(&size)!
        (record.pointee.dv_version_major, record.pointee.dv_profile, record.pointee.dv_level) = (1, profile, 3)
        (record.pointee.rpu_present_flag, record.pointee.bl_present_flag) = (1, 1)
        record.pointee.dv_bl_signal_compatibility_id = compatibility
        XCTAssertGreaterThanOrEqual(av_stream_add_side_data(stream, AV_PKT_DATA_DOVI_CONF, UnsafeMutableRawPointer(record).assumingMemoryBound(to: UInt8.self), size), 0)
        output!.pointee.strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL
        XCTAssertGreaterThanOrEqual(avio_open(&output!.pointee.pb, path, AVIO_FLAG_WRITE), 0)
        XCTAssertGreaterThanOrEqual(avformat_write_header(output, nil), 0)
        let packet = av_packet_alloc()
        defer { var p = packet; av_packet_free(&p) }
        while av_read_frame(input, packet) >= 0 {
            av_packet_rescale_ts(packet, source.pointee.time_base, stream.pointee.time_base)
            packet!.pointee.stream_index = 0
            XCTAssertGreaterThanOrEqual(av_interleaved_write_frame(output, packet), 0)
        }
        XCTAssertGreaterThanOrEqual(av_write_trailer(output), 0)
        return path
    }

    func testProfilesAreReadAndTheirLossSaid() throws {
        let five = try MediaReader(url: try clip("p5.mp4", profile: 5, compatibility: 0))
        let vision5 = try XCTUnwrap(DolbyVision(five.videoStream))
        XCTAssertEqual(vision5, DolbyVision(profile: 5, compatibility: 0))
        XCTAssertFalse(vision5.hasCompatibleBaseLayer)
        XCTAssertTrue(vision5.loss(of: "p5.mp4").hasPrefix("p5.mp4 is Dolby Vision profile 5, whose pictures hold Dolby's own colours (IPTPQc2)"))

        let eight = try MediaReader(url: try clip("p8.mkv", profile: 8, compatibility: 1))
        let vision8 = try XCTUnwrap(DolbyVision(eight.videoStream))
        XCTAssertEqual(vision8, DolbyVision(profile: 8, compatibility: 1))
        XCTAssertEqual(vision8.loss(of: "p8.mkv"), "p8.mkv is Dolby Vision profile 8.1: its dynamic metadata is not written "
                       + "(FFmpeg 5.1 cannot), the output is its HDR10 picture")

        let plain = try MediaReader(url: folder.appendingPathComponent("plain-p5.mp4.mkv").path)
        XCTAssertNil(DolbyVision(plain.videoStream))
    }
}
