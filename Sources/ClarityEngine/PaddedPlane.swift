/// A one-channel input copied into rows with zeros around it: what the C kernels for
/// one-channel convolutions read, so that they need no edge cases (the zeros are the
/// convolution's padding). `pad` rows above and below, `pad` zeros left of each row, and the
/// rest of `rowLength` zeros on the right.
struct PaddedPlane {
    let width: Int
    let height: Int
    let pad: Int
    let rowLength: Int

    /// Padded rows per image.
    var rows: Int { height + 2 * pad }

    /// Floats for `batch` images.
    func count(batch: Int) -> Int { batch * rows * rowLength }

    /// Copies input rows `range` (counted over the batch) into `padded`, whose zeros the caller
    /// wrote once.
    func copy(rows range: Range<Int>, of src: UnsafePointer<Float>, layout l: ChannelLayout,
              into padded: UnsafeMutablePointer<Float>) {
        for r in range {
            let (b, y) = (r / height, r % height)
            let line = src + b * l.batch + y * l.row
            l.copyRow(line, count: width, into: padded + (b * rows + y + pad) * rowLength + pad)
        }
    }

    /// The padded row that holds input row `y - pad` of image `b`: a convolution's output row
    /// reads `kernel` rows from the one its first tap reads.
    func row(_ y: Int, image b: Int, in padded: UnsafePointer<Float>) -> UnsafePointer<Float> {
        padded + (b * rows + y) * rowLength
    }
}
