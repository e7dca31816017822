import Foundation

/// A Blu-ray subtitle file (.sup, HDMV PGS), written segment by segment as the format
/// defines them, for tests: FFmpeg reads PGS but cannot make it. Each event shows one
/// two-colour box (white inside a black border two pixels wide; no transparent pixels inside the box) or clears the screen.
struct PGSFile {
    let width: Int
    let height: Int
    private(set) var data = Data()
    private var composition = 0

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Shows a `w`x`h` box at (`x`, `y`) from `seconds`; `forced`: marked as a line to show
    /// even to those who chose no subtitles.
    private mutating func show(at seconds: Double, x: Int, y: Int, w: Int, h: Int, forced: Bool = false) {
        let pts = UInt32(seconds * 90000)
        segment(pts, 0x16, composition(objects: [(x, y)], forced: forced))
        segment(pts, 0x17, window(x: x, y: y, w: w, h: h))
        // Palette 0: entry 1 white, entry 2 black (Y, Cr, Cb, alpha); entry 0 stays transparent.
        segment(pts, 0x14, [0, 0, 1, 235, 128, 128, 255, 2, 16, 128, 128, 255])
        let rle = runLengths(w: w, h: h)
        let length = rle.count + 4
        segment(pts, 0x15, [0, 0, 0, 0xC0, UInt8(length >> 16), UInt8(length >> 8 & 255), UInt8(length & 255)]
                + be16(w) + be16(h) + rle)
        segment(pts, 0x80, [])
    }

    /// Shows a `w`x`h` box at (`x`, `y`) from `start` to `end` seconds.
    mutating func line(_ start: Double, _ end: Double, x: Int, y: Int, w: Int, h: Int, forced: Bool = false) {
        show(at: start, x: x, y: y, w: w, h: h, forced: forced)
        clear(at: end, x: x, y: y, w: w, h: h)
    }

    /// `in.mp4`, a 320x180 H.264 film `seconds` long, in `folder`, and `subs.mkv`, the film with
    /// the lines `draw` puts on a canvas of its size (`subs.sup`).
    static func film(seconds: Int, in folder: URL, lines draw: (inout PGSFile) -> Void) throws {
        try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", String(seconds), "-c:v", "libx264", "in.mp4"], in: folder)
        var pgs = PGSFile(width: 320, height: 180)
        draw(&pgs)
        try pgs.mux(in: folder)
    }

    /// Written as `subs.sup` in `folder`, and muxed with `in.mp4`'s streams into `subs.mkv`
    /// on the same clock.
    func mux(in folder: URL) throws {
        try data.write(to: folder.appendingPathComponent("subs.sup"))
        try Tool.ffmpeg(["-i", "in.mp4", "-copyts", "-i", "subs.sup", "-map", "0", "-map", "1", "-c", "copy", "subs.mkv"], in: folder)
    }

    /// Clears the screen at `seconds` (a composition with no object).
    private mutating func clear(at seconds: Double, x: Int, y: Int, w: Int, h: Int) {
        let pts = UInt32(seconds * 90000)
        segment(pts, 0x16, composition(objects: []))
        segment(pts, 0x17, window(x: x, y: y, w: w, h: h))
        segment(pts, 0x80, [])
    }

    private mutating func composition(objects: [(Int, Int)], forced: Bool = false) -> [UInt8] {
        defer { composition += 1 }
        // Size, frame rate code, number, state (epoch start when showing), no palette update, palette 0.
        var bytes = be16(width) + be16(height) + [0x10] + be16(composition) + [objects.isEmpty ? 0 : 0x80, 0, 0, UInt8(objects.count)]
        // Each object: its id, its window, its flags (0x40: forced), where it goes.
        for (x, y) in objects { bytes += be16(0) + [0, forced ? 0x40 : 0] + be16(x) + be16(y) }
        return bytes
    }

    private func window(x: Int, y: Int, w: Int, h: Int) -> [UInt8] { [1, 0] + be16(x) + be16(y) + be16(w) + be16(h) }

    /// The box's pixels, coded line by line: runs of one colour (0, L, C as PGS codes them).
    private func runLengths(w: Int, h: Int) -> [UInt8] {
        var out: [UInt8] = []
        func run(_ colour: UInt8, _ n: Int) {
            guard n > 0 else { return }
            let long: UInt8 = n < 64 ? 0 : 0x40
            let count: [UInt8] = n < 64 ? [UInt8(n)] : [UInt8(n >> 8) | long, UInt8(n & 255)]
            out += colour == 0 ? [0] + count : [0, count[0] | 0x80] + count.dropFirst() + [colour]
        }
        for row in 0..<h {
            if row < 2 || row >= h - 2 {
                run(2, w)
            } else {
                run(2, 2)
                run(1, w - 4)
                run(2, 2)
            }
            out += [0, 0]
        }
        return out
    }

    private mutating func segment(_ pts: UInt32, _ type: UInt8, _ payload: [UInt8]) {
        data.append(contentsOf: [0x50, 0x47] + be32(pts) + be32(0) + [type] + be16(payload.count) + payload)
    }

    private func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 255), UInt8(v & 255)] }
    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
}
