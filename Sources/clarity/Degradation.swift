import ArgumentParser
import ClarityMedia

/// What happens to the 8-bit LR luma before the upscalers see it: nothing, or a codec round
/// trip, as in the training toolkit's `degrade` (the names are the toolkit's too).
enum Degradation: ExpressibleByArgument, CustomStringConvertible, Equatable {
    case clean
    /// One H.264 intra frame at this fixed QP (libx264, preset medium, neutral chroma).
    case h264(qp: Int)

    init?(argument: String) {
        if argument == "clean" { self = .clean; return }
        if argument.hasPrefix("h264qp"), let qp = Int(argument.dropFirst(6)), (0...51).contains(qp) {
            self = .h264(qp: qp)
            return
        }
        return nil
    }

    var description: String {
        switch self {
        case .clean: return "clean"
        case .h264(let qp): return "h264qp\(qp)"
        }
    }

    static var defaultValueDescription: String { "clean" }

    func apply(_ lr: [UInt8], width: Int, height: Int) throws -> [UInt8] {
        switch self {
        case .clean: return lr
        case .h264(let qp): return try LumaRoundTrip.h264(lr, width: width, height: height, qp: qp)
        }
    }
}
