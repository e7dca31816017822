import CFFmpeg

/// What a file says about itself besides its streams' data: tags (title, artist, language)
/// and chapters. Carried from the input to the output, as ffmpeg does by default.
public struct MediaMetadata: Sendable, Equatable {
    public struct Chapter: Sendable, Equatable {
        /// Seconds on the output's clock.
        public var start: Double
        public var end: Double
        public var tags: [String: String]
    }

    public var tags: [String: String] = [:]
    public var chapters: [Chapter] = []

    public init() {}

    /// Tags that describe one encoding, not the content: the writer's own take their place
    /// (Matroska's ALPHA_MODE says whether this encoding of VP8/VP9 carries alpha).
    static func describesContent(_ key: String) -> Bool {
        let k = key.uppercased()
        return !(["ENCODER", "BPS", "DURATION", "ALPHA_MODE"].contains(k) || k.hasPrefix("NUMBER_OF_") || k.hasPrefix("_STATISTICS"))
    }

    /// The tags of an FFmpeg dictionary that describe the content.
    static func tags(_ dictionary: OpaquePointer?) -> [String: String] {
        var tags: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let e = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            let key = String(cString: e.pointee.key)
            if describesContent(key) { tags[key] = String(cString: e.pointee.value) }
            entry = e
        }
        return tags
    }

    /// Sets `tags` into an FFmpeg dictionary.
    static func set(_ tags: [String: String], into dictionary: inout OpaquePointer?) {
        for (k, v) in tags.sorted(by: { $0.key < $1.key }) { av_dict_set(&dictionary, k, v, 0) }
    }
}
