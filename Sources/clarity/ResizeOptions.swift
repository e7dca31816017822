import ArgumentParser
import ClarityMedia
import ClarityModels
import ClarityPipeline

/// The processing stage's size: a factor or an exact size, and the classical filter.
struct ResizeOptions: ParsableArguments {
    @Option(help: "Upscale by this factor (e.g. 3 turns 1280x720 into 3840x2160), with the Bicubic++ model unless --model or --filter says otherwise.")
    var scale: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Output size, WIDTHxHEIGHT (e.g. 3840x2160), as the picture is shown (a phone's portrait video: 2160x3840); -1 (or -2) for one side keeps the input's aspect as shown (3840x-1; an anamorphic 1440x1080 broadcast becomes 3840x2160 of square pixels). Or by name, the shorter side with the aspect kept: 360p ... 1080p, 1440p, 4k (2160p), 8k (4320p): 4k makes a 16:9 film 3840x2160, a 1920x800 scope film 5184x2160, a portrait clip 2160x3840.", valueName: "WxH|4k"))
    var size: String?

    @Option(help: "Classical filter: \(ScaleFilter.names) (default: bicubic). Named, it also resizes luma, instead of the default model.")
    var filter: String?

    @Flag(help: "Before and after, side by side in each frame: the left half is the classical --filter resize of the same input (what ffmpeg -vf scale gives), the right half the enhanced picture. Needs something learned: upscaling by a model (the default), --preset or --deartifact.")
    var compare = false

    func validate() throws {
        if scale != nil && size != nil { throw ValidationError("give --scale or --size, not both") }
        if let scale, !(scale > 0 && scale <= 16) { throw ValidationError("--scale must be above 0 and at most 16") }
        _ = try target()
        _ = try scaleFilter()
    }

    func target() throws -> ResizeTarget? {
        if let scale { return .factor(scale) }
        return try size.map(Self.parse(size:))
    }

    /// Named sizes: the shorter side as shown.
    static let namedSizes = ["240p": 240, "360p": 360, "480p": 480, "576p": 576, "720p": 720, "1080p": 1080, "1440p": 1440,
                             "2160p": 2160, "4k": 2160, "uhd": 2160, "4320p": 4320, "8k": 4320]

    /// `WIDTHxHEIGHT`, either side -1 or -2 to follow from the other and the input's aspect;
    /// or a named size.
    static func parse(size: String) throws -> ResizeTarget {
        if let side = namedSizes[size.lowercased()] { return .shorterSide(side) }
        let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        // -1 or -2 (ffmpeg's ways): this side follows from the other.
        func side(_ text: Substring) -> Int?? {
            guard let v = Int(text) else { return nil }
            return v > 0 ? .some(v) : (v == -1 || v == -2 ? .some(nil) : nil)
        }
        guard parts.count == 2, let w = side(parts[0]), let h = side(parts[1]), w != nil || h != nil else {
            throw ValidationError("--size must look like 3840x2160, 3840x-1 to keep the input's aspect, or 4k, 1080p, ...")
        }
        return .size(width: w, height: h)
    }

    /// Whether the output is asked to be larger than `input` (any size, before the input is
    /// known).
    func upscales(_ input: VideoFormat?) throws -> Bool {
        guard let target = try target() else { return false }
        guard let input else { if case .factor(let k) = target { return k > 1 } else { return true } }
        let size = target.inStoredPixels(of: input).dimensions(of: input)
        return size.width > input.width || size.height > input.height
    }

    func scaleFilter() throws -> ScaleFilter {
        guard let filter else { return .bicubic }
        guard let f = ScaleFilter(rawValue: filter) else {
            throw ValidationError("unknown filter '\(filter)'\(NearestName.hint(filter, among: ScaleFilter.allCases.map(\.rawValue))); "
                                  + "choose from \(ScaleFilter.names)")
        }
        return f
    }
}
