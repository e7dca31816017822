/// Every failure the engine reports, each with a one-line message a user can act on.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// The model file is not a valid safetensors file (truncated, bad header, bad JSON).
    case corruptFile(String)
    /// The model file cannot be read (permissions, an I/O error).
    case unreadableFile(String)
    /// The file is valid safetensors but does not match its own graph (names, dtypes, shapes).
    case mismatch(String)
    /// The graph in `__metadata__` is malformed or uses something the engine does not know.
    case invalidGraph(String)
    /// An input of the wrong shape or size was given to a model or the tiler.
    case badInput(String)
    /// oneDNN refused an operation (status code and what was being done).
    case dnnl(String)
    /// A precision that needs calibration data was asked for before calibration.
    case notCalibrated(String)
    /// Memory ran out (what was being allocated): the run may pass with more, or smaller frames.
    case outOfMemory(String)

    public var description: String {
        switch self {
        case .corruptFile(let m): return "corrupt model file: \(m)"
        case .unreadableFile(let m): return "cannot read the model file \(m)"
        case .mismatch(let m): return "model file does not match its graph: \(m)"
        case .invalidGraph(let m): return "invalid model graph: \(m)"
        case .badInput(let m): return "bad input: \(m)"
        case .dnnl(let m): return "oneDNN: \(m)"
        case .notCalibrated(let m): return "not calibrated: \(m)"
        case .outOfMemory(let m): return "out of memory \(m)"
        }
    }
}
