import ArgumentParser
import CFFmpeg
import ClarityMedia
import ClarityPipeline
import ClarityQuality
import Foundation

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per frame: the blind quality score (IQAM) and the bitstream's quantizer.",
        discussion: """
            IQAM is the no-reference score RBQE's early exit uses (1 = no visible blocking or \
            blur; see docs/quality.md). It is computed on 8-bit luma with 4x4 blocks, or 8x8 with \
            --block 8 for JPEG-like sources. The QP column is the mean quantizer, weighted by block \
            area, where the decoder exports it, on the codec's own scale, which the last line names \
            (H.264's QP, 0-51; VP9's q-index, 0-255; MPEG-2's quantiser scale); '-' elsewhere \
            (HEVC, AV1). Comparing the two shows \
            what the blind score sees. With --deartifact auto (or max), the artifact-removal \
            model also runs and the 'exits' column counts the tiles that left at each exit, \
            shallowest first, then '+N flat' for tiles kept as they were (flat: nothing to \
            clean): what the early exit decided, frame by frame.
            """)

    @Argument(help: "Input file or URL (- for stdin).")
    var input: String

    @Option(name: .customLong("input-format"), help: "Force the input's demuxer (default: probe).")
    var inputFormat: String?

    @Option(help: "IQAM block size: 4 for H.264/HEVC-like codecs, 8 for JPEG.")
    var block = 4

    @Flag(help: "One JSON object per frame on stdout.")
    var json = false

    @OptionGroup(title: "Artifact removal") var deartifact: DeartifactOptions
    @OptionGroup(title: "Input") var reading: InputOptions

    func validate() throws {
        guard block == 4 || block == 8 else { throw ValidationError("--block must be 4 or 8") }
    }

    func run() throws {
        FFmpegLog.show(verbose: false)
        try reportingErrors {
            let reader = try MediaReader(url: input, format: inputFormat, exportEncodingParameters: true, reading: reading.reading)
            // IQAM is not offset-invariant: luma is scored as decoded. 8-bit YUV is read in place;
            // anything else goes to 8-bit yuv420p, which keeps the studio range.
            let format = reader.videoFormat
            let direct = format.bitDepth == 8 && format.chromaShift.x <= 1 && Self.isYUV(format)
            var target = format
            target.pixelFormat = AV_PIX_FMT_YUV420P
            let toLuma = try FrameScaler(from: format, to: target, filter: .bicubic)
            let iqam = IQAM(blockSize: block)
            let enhancer = try deartifact.stage(precision: .fp32)
            _ = try enhancer?.negotiate(input: direct ? format : target, accepted: [])
            let timeBase = av_q2d(reader.videoFormat.timeBase)
            let exitsHeader = enhancer == nil ? "" : "  exits"
            if !json { print("frame      time  type     QP    IQAM  blocky    blur" + exitsHeader) }
            var index = 0, qpSum = 0.0, qpCount = 0, qualitySum = 0.0
            var scale: QuantizerScale?
            while let item = try reader.read() {
                guard case .frame(let frame) = item else { continue }
                let luma = direct ? frame : try toLuma.scale(frame)
                let (data, stride) = luma.plane(0)
                let s = iqam.score(PlaneView(base: UnsafePointer(data), width: frame.width, height: frame.height, rowStride: stride))
                let quantizer = frame.meanQuantizer
                let exits: (counts: [Int], flat: Int)? = try enhancer.map { e in
                    _ = try e.process(luma)
                    return ((0..<e.model.graph.outputs.count).map { k in e.lastExits.filter { $0 == k }.count },
                            e.lastExits.filter { $0 == EarlyExitEnhancer.flatTile }.count)
                }
                let time = (frame.pts.map { Double($0) * timeBase }) ?? .nan
                let type = String(UnicodeScalar(UInt8(av_get_picture_type_char(frame.avFrame.pointee.pict_type))))
                if json {
                    var fields: [String: Any] = ["frame": index, "time": time, "type": type, "iqam": s.quality,
                                                 "blocky": s.blocky, "blur": s.blur]
                    if let quantizer { (fields["qp"], fields["qp_scale"]) = (quantizer.value, quantizer.scale.rawValue) }
                    if let exits { fields["exits"] = exits.counts; fields["flat"] = exits.flat }
                    let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    // Foundation on Linux pads no %@: the text columns are padded here.
                    let qpText = quantizer.map { String(format: "%.1f", $0.value) } ?? "-"
                    print(String(format: "%5d %9.3f  ", index, time) + type.padding(toLength: 4, withPad: " ", startingAt: 0)
                          + String(repeating: " ", count: max(1, 7 - qpText.count)) + qpText
                          + String(format: "  %6.3f  %6.3f  %6.3f", s.quality, s.blocky, s.blur)
                          + (exits.map { "  " + $0.counts.map(String.init).joined(separator: "/") + ($0.flat > 0 ? " +\($0.flat) flat" : "") } ?? ""))
                }
                if let quantizer { (qpSum, qpCount, scale) = (qpSum + quantizer.value, qpCount + 1, quantizer.scale) }
                qualitySum += s.quality
                index += 1
            }
            let lead = reader.undecodableLead
            if lead.frames > 0 { Console.warning(ProgressPrinter.undecodableLead(frames: lead.frames, seconds: lead.seconds)) }
            if reader.truncated {
                Console.warning(ProgressPrinter.endedEarly(frames: index, listed: reader.expectedFrames, shortfall: reader.shortfall,
                                                           readError: reader.readError))
            }
            if !json && index > 0 {
                print(String(format: "mean over %d frames: IQAM %.3f%@", index, qualitySum / Double(index),
                             scale.map { String(format: ", QP %.1f", qpSum / Double(qpCount)) + " (\($0.description))" } ?? "")
                      + (enhancer.map { "; tiles per exit: \($0.exitMix)" } ?? ""))
            }
        }
    }

    private static func isYUV(_ f: VideoFormat) -> Bool {
        guard let d = av_pix_fmt_desc_get(f.pixelFormat) else { return false }
        return (d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB)) == 0 && (d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PLANAR)) != 0
    }
}
