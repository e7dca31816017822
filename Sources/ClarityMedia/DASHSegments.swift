import Foundation

/// The files a DASH manifest on disk names (`.mpd`): each representation's initialization
/// segment and media segments, from a SegmentTemplate with a SegmentTimeline (as FFmpeg's
/// DASH muxer writes them) or a SegmentList. FFmpeg reads them one after another and skipped
/// a missing one unsaid (a second of video gone, exit 0).
enum DASHSegments {
    /// A named file, and where the manifest names it ("representation 0, segment 2").
    struct Named {
        let name: String
        let place: String
    }

    /// An element's tag (closing or not), and an attribute's name and value.
    private static let tag = try! NSRegularExpression(pattern: #"<(/?)([A-Za-z:]+)([^>]*?)(/?)>"#)
    private static let attribute = try! NSRegularExpression(pattern: #"([A-Za-z:]+)\s*=\s*"([^"]*)""#)

    /// Whether `text` is a DASH manifest.
    static func isManifest(_ text: String) -> Bool { text.prefix(512).contains("<MPD") }

    /// The files `text` names, in order; empty where it names them in a way not read here (a
    /// BaseURL, a timeline that repeats to the end, a template without a timeline), which
    /// FFmpeg is left to open.
    static func named(in text: String) -> [Named] {
        struct Template {
            var initialization: String?, media: String?
            var startNumber = 1
            var timeline: [(start: Int?, duration: Int, repeats: Int)] = []
        }
        var adaptation = Template(), representation: Template?
        var representationID = "", bandwidth = ""
        var named: [Named] = []
        var inRepresentation = false
        var listed = 0
        let whole = text as NSString
        for match in tag.matches(in: text, range: NSRange(location: 0, length: whole.length)) {
            let closing = whole.substring(with: match.range(at: 1)) == "/"
            let element = whole.substring(with: match.range(at: 2)).split(separator: ":").last.map(String.init) ?? ""
            let body = whole.substring(with: match.range(at: 3))
            var values: [String: String] = [:]
            for a in attribute.matches(in: body, range: NSRange(location: 0, length: (body as NSString).length)) {
                let key = (body as NSString).substring(with: a.range(at: 1)).split(separator: ":").last.map(String.init) ?? ""
                values[key] = (body as NSString).substring(with: a.range(at: 2))
            }
            let place = "representation \(representationID)"
            switch (element, closing) {
            case ("BaseURL", false): return []
            case ("AdaptationSet", false): adaptation = Template()
            case ("Representation", false):
                (inRepresentation, representation, listed) = (true, nil, 0)
                (representationID, bandwidth) = (values["id"] ?? "", values["bandwidth"] ?? "")
            case ("SegmentTemplate", false):
                var t = inRepresentation ? representation ?? adaptation : adaptation
                t.initialization = values["initialization"] ?? t.initialization
                t.media = values["media"] ?? t.media
                t.startNumber = values["startNumber"].flatMap(Int.init) ?? t.startNumber
                if inRepresentation { representation = t } else { adaptation = t }
            case ("S", false):
                guard let duration = values["d"].flatMap(Int.init) else { return [] }
                let repeats = values["r"].flatMap(Int.init) ?? 0
                if repeats < 0 { return [] }
                let entry = (start: values["t"].flatMap(Int.init), duration: duration, repeats: repeats)
                if inRepresentation, representation != nil { representation!.timeline.append(entry) } else { adaptation.timeline.append(entry) }
            case ("Initialization", false):
                if let source = values["sourceURL"] { named.append(Named(name: source, place: "\(place), initialization")) }
            case ("SegmentURL", false):
                listed += 1
                if let media = values["media"] { named.append(Named(name: media, place: "\(place), segment \(listed)")) }
            case ("Representation", true):
                inRepresentation = false
                let t = representation ?? adaptation
                let fill = { (pattern: String, number: Int, time: Int) in
                    expand(pattern, id: representationID, bandwidth: bandwidth, number: number, time: time)
                }
                if let initialization = t.initialization {
                    named.append(Named(name: fill(initialization, t.startNumber, 0), place: "\(place), initialization"))
                }
                guard let media = t.media else { break }
                if t.timeline.isEmpty { return [] }
                var (number, time) = (t.startNumber, 0)
                for s in t.timeline {
                    time = s.start ?? time
                    for _ in 0...s.repeats {
                        named.append(Named(name: fill(media, number, time), place: "\(place), segment \(number)"))
                        (number, time) = (number + 1, time + s.duration)
                    }
                }
            default: break
            }
        }
        return named
    }

    /// A template's name with its identifiers filled in: `$RepresentationID$`, `$Bandwidth$`,
    /// `$Number$` and `$Time$`, the last two with a printf width (`$Number%05d$`); `$$` is `$`.
    static func expand(_ pattern: String, id: String, bandwidth: String, number: Int, time: Int) -> String {
        var out = "", rest = Substring(pattern)
        while let open = rest.firstIndex(of: "$") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "$") else { return out + rest[open...] }
            let identifier = after[..<close]
            rest = after[after.index(after: close)...]
            let name = identifier.prefix { $0 != "%" }, format = identifier.dropFirst(name.count)
            let width = format.hasPrefix("%0") ? Int(format.dropFirst(2).dropLast()) ?? 0 : 0
            let padded = { (n: Int) in String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
            switch name {
            case "": out += "$"
            case "RepresentationID": out += id
            case "Bandwidth": out += bandwidth
            case "Number": out += padded(number)
            case "Time": out += padded(time)
            default: out += "$" + identifier + "$"
            }
        }
        return out + rest
    }
}
