/// A stream the user picks: by its index, as ffprobe numbers streams (ffmpeg's `-map 0:2`), or
/// by the language its tag states (eng, fra, ...; ffmpeg's `-map 0:m:language:eng`), which
/// picks every such stream.
public enum StreamChoice: Equatable, Sendable, CustomStringConvertible {
    case index(Int)
    case language(String)

    /// A whole number is an index; two or three letters are a language; anything else is not
    /// a choice.
    public init?(_ text: String) {
        if let index = Int(text) {
            self = .index(index)
        } else if (2...3).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isLetter }) {
            self = .language(text.lowercased())
        } else {
            return nil
        }
    }

    /// Whether this choice picks `stream`.
    public func picks(_ stream: StreamInfo) -> Bool {
        switch self {
        case .index(let index): return stream.index == index
        case .language(let language): return stream.language == language
        }
    }

    public var description: String {
        switch self {
        case .index(let index): return "\(index)"
        case .language(let language): return language
        }
    }
}
