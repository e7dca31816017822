/// Where channel c of pixel (n, y, x) lives in a float tensor: element
/// n*batch + (c / block)*channelBlock + y*row + x*pixel + c % block.
///
/// Plain NHWC is the case block = 1; oneDNN's blocked conv outputs (`aBcd8b`) have block 8.
/// Swift layers that read channels per pixel take any such layout, so a convolution's output
/// is read where oneDNN wrote it, with no reorder in between.
struct ChannelLayout: Sendable {
    var block: Int
    var batch: Int
    var channelBlock: Int
    var row: Int
    var pixel: Int

    static func nhwc(height h: Int, width w: Int, channels c: Int) -> ChannelLayout {
        ChannelLayout(block: 1, batch: h * w * c, channelBlock: 1, row: w * c, pixel: c)
    }

    /// Offset of channel `c` from the start of its pixel.
    @inline(__always)
    func channel(_ c: Int) -> Int { (c / block) * channelBlock + c % block }

    /// Channel 0 of `count` pixels of a row starting at `line` into consecutive floats.
    @inline(__always)
    func copyRow(_ line: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        if pixel == 1 {
            out.update(from: line, count: count)
        } else {
            for x in 0..<count { out[x] = line[x * pixel] }
        }
    }
}
