import CFFmpeg

/// The canvas a picture subtitle stream is drawn on, and pictures moved from one canvas to
/// another. DVB states its canvas in a display definition segment inside its packets (HD
/// broadcasts; without one it is 720x576), which FFmpeg's demuxer does not report; a DVD
/// subtitle track is set up on one canvas from the start, so a picture drawn on another is
/// scaled onto it, as a player scales the stated canvas onto the video.
struct SubtitleCanvas: Equatable {
    var width: Int
    var height: Int

    /// DVB's canvas where no display definition states one (standard definition).
    static let dvbDefault = SubtitleCanvas(width: 720, height: 576)

    /// Gives the picture subtitle streams of `ctx` that state no canvas (DVB's, whose display
    /// definition is inside its packets) the one ffmpeg draws them on: the largest video's
    /// size, else DVB's 720x576. A DVD subtitle track in MP4 needs one from the start.
    static func stateWhereMissing(in ctx: UnsafeMutablePointer<AVFormatContext>) {
        let streams = (0..<Int(ctx.pointee.nb_streams)).map { ctx.pointee.streams[$0]!.pointee }
        let videos = streams.filter { $0.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO && ($0.disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 }
        let width = videos.map(\.codecpar.pointee.width).max() ?? 0, height = videos.map(\.codecpar.pointee.height).max() ?? 0
        for par in streams.map(\.codecpar!) where par.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE
            && (par.pointee.width <= 0 || par.pointee.height <= 0) {
            guard let props = avcodec_descriptor_get(par.pointee.codec_id)?.pointee.props, (props & AV_CODEC_PROP_BITMAP_SUB) != 0 else { continue }
            (par.pointee.width, par.pointee.height) = width > 0 && height > 0 ? (width, height) : (Int32(dvbDefault.width), Int32(dvbDefault.height))
        }
    }

    /// The canvas a DVB packet's display definition segment states; nil when it holds none.
    static func statedByDVB(_ packet: AVPacket) -> SubtitleCanvas? {
        guard let data = packet.data, packet.size > 2 else { return nil }
        let bytes = UnsafeBufferPointer(start: data, count: Int(packet.size))
        func be16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        // Segments (sync 0x0f, type, page id, length), after the PES data identifier 0x20 and
        // stream id 0 where the demuxer leaves them in.
        var i = bytes[0] == 0x20 ? 2 : 0
        while i + 6 <= bytes.count, bytes[i] == 0x0f {
            let type = bytes[i + 1], length = be16(i + 4)
            if type == 0x14, length >= 5, i + 11 <= bytes.count {
                return SubtitleCanvas(width: be16(i + 7) + 1, height: be16(i + 9) + 1)
            }
            i += 6 + length
        }
        return nil
    }

    /// Moves and scales `subtitle`'s pictures from this canvas onto `target` (nearest
    /// neighbour: the pictures hold palette indices).
    func scale(_ subtitle: inout AVSubtitle, onto target: SubtitleCanvas) {
        guard self != target, width > 0, height > 0 else { return }
        for r in 0..<Int(subtitle.num_rects) {
            guard let rect = subtitle.rects[r], let source = rect.pointee.data.0, rect.pointee.w > 0, rect.pointee.h > 0 else { continue }
            let (w, h, stride) = (Int(rect.pointee.w), Int(rect.pointee.h), Int(rect.pointee.linesize.0))
            let x = Int(rect.pointee.x) * target.width / width, y = Int(rect.pointee.y) * target.height / height
            let newWidth = max(1, (Int(rect.pointee.x) + w) * target.width / width - x)
            let newHeight = max(1, (Int(rect.pointee.y) + h) * target.height / height - y)
            guard let scaled = av_malloc(newWidth * newHeight)?.assumingMemoryBound(to: UInt8.self) else { continue }
            for row in 0..<newHeight {
                let from = source + min(h - 1, row * h / newHeight) * stride
                for column in 0..<newWidth { scaled[row * newWidth + column] = from[min(w - 1, column * w / newWidth)] }
            }
            av_free(source)
            rect.pointee.data.0 = scaled
            rect.pointee.linesize.0 = Int32(newWidth)
            (rect.pointee.x, rect.pointee.y) = (Int32(x), Int32(y))
            (rect.pointee.w, rect.pointee.h) = (Int32(newWidth), Int32(newHeight))
        }
    }
}
