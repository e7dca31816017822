import CFFmpeg

/// Whether interlaced 29.97 fps video is film telecined (3:2 pulldown), so that `--deinterlace
/// film` would give back its 23.976 frames where bwdif keeps five frames of every four, two of
/// them woven from two film frames. FFmpeg's idet says, frame by frame, whether a field
/// repeats the previous frame's: in telecined film two of every five do, always at the same two
/// places of the five-frame cycle; true interlaced video repeats none, and a still picture
/// repeats fields everywhere, with no cycle.
public enum TelecineCheck {
    /// On `frames` consecutive frames from a fifth into the file (past logos and black).
    static func looksTelecined(_ sampler: FrameSampler, format: VideoFormat, duration: Double?, frames: Int = 40) -> Bool {
        guard let chain = try? FilterChain(format: format, filters: [("idet", nil)], purpose: "telecine check"),
              var frame = duration.map({ sampler.frame(near: $0 / 5) }) ?? sampler.next() else { return false }
        var repeated: [Bool] = []
        func drain() {
            while let out = try? chain.pull() {
                let value = av_dict_get(out.avFrame.pointee.metadata, "lavfi.idet.repeated.current_frame", nil, 0)
                    .map { String(cString: $0.pointee.value) }
                repeated.append(value == "top" || value == "bottom")
            }
        }
        for _ in 0..<frames {
            guard frame.width == format.width, frame.height == format.height, (try? chain.push(frame)) != nil else { return false }
            drain()
            guard let next = sampler.next() else { break }
            frame = next
        }
        _ = try? chain.push(nil)
        drain()
        return isPulldown(repeated)
    }

    /// Two of every five frames repeat a field (30-50%), nine in ten of them at the same two
    /// places of the cycle; too few frames say nothing.
    public static func isPulldown(_ repeated: [Bool]) -> Bool {
        let count = repeated.filter { $0 }.count
        guard repeated.count >= 30, (0.3...0.5).contains(Double(count) / Double(repeated.count)) else { return false }
        var phases = [Int](repeating: 0, count: 5)
        for (i, r) in repeated.enumerated() where r { phases[i % 5] += 1 }
        return Double(phases.sorted(by: >).prefix(2).reduce(0, +)) >= 0.9 * Double(count)
    }
}
