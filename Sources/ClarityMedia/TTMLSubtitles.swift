import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// TTML subtitles (DFXP, IMSC, EBU-TT-D: streaming services' `.ttml`, `.dfxp`, `.xml`), which
/// FFmpeg 5.1 writes but cannot read, as SRT, which it reads: each paragraph (`p`) a cue, its
/// times resolved as TTML times nested elements (each from its parent's begin), its lines
/// broken where `br` breaks them, its italic, bold, underline and colour (inline or by style,
/// region or parent) kept as SRT's tags, and where its region puts it as ASS's `\an` (which
/// FFmpeg's SRT reader takes). Sizes and fonts are not kept.
public enum TTMLSubtitles {
    public struct Cue: Equatable, Sendable {
        public var start: Double, end: Double
        /// The text with SRT's tags, lines apart by "\n".
        public var text: String

        public init(start: Double, end: Double, text: String) { (self.start, self.end, self.text) = (start, end, text) }
    }

    /// Whether `data` holds TTML: a document whose root is a `tt` element (with any prefix,
    /// `tt:tt`), in UTF-8 or, after its byte-order mark, UTF-16.
    public static func holdsTTML(_ data: Data) -> Bool {
        let start = data.prefix(4096)
        let encoding: String.Encoding = start.starts(with: [0xFF, 0xFE]) ? .utf16LittleEndian : start.starts(with: [0xFE, 0xFF]) ? .utf16BigEndian : .utf8
        let head = encoding == .utf8 ? String(decoding: start, as: UTF8.self)
            : String(data: start.dropFirst(2).prefix((start.count - 2) & ~1), encoding: encoding) ?? ""
        // Before the root only a byte-order mark, the declaration, comments, a doctype, white space.
        let root = #"(?s)^\x{FEFF}?\s*(<\?xml.*?\?>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z_][\w.-]*:)?tt[\s>]"#
        return head.range(of: root, options: .regularExpression) != nil
    }

    /// A TTML file's subtitles.
    public struct Document: Sendable {
        /// By start.
        public var cues: [Cue]
        /// The language the root states (`xml:lang`), in ISO 639-2's three letters, where it
        /// states one that is known.
        public var language: String?
    }

    /// The subtitles of the file `data`; `name` is said in errors. Documents one after another,
    /// each from its XML declaration (an MP4 track's samples, `stpp`, copied out with `ffmpeg
    /// -c copy -f data`), give their cues together: their times are the track's (ISO 14496-30),
    /// and a line that one sample ends where the next goes on with it is one cue.
    public static func read(_ data: Data, name: String) throws -> Document {
        var cues: [Cue] = [], language: String?
        for document in documents(in: data) {
            let reader = Reader()
            let parser = XMLParser(data: document.data)
            parser.delegate = reader
            // (On Linux a document cut short parses "successfully", with an error set.)
            guard parser.parse(), parser.parserError == nil else {
                let code = (parser.parserError as NSError?).map { " (XML error \($0.code))" } ?? ""
                throw MediaError(.notMedia, "\(name) is TTML that cannot be read: line \(document.firstLine + (reader.failedOn ?? parser.lineNumber) - 1): "
                                 + (reader.failure ?? "not well-formed XML\(code)"))
            }
            cues += reader.cues.filter { !$0.text.isEmpty && $0.end > $0.start }
            language = language ?? reader.language.flatMap { Locale(identifier: $0).language.languageCode?.identifier(.alpha3) }
        }
        let joined = cues.sorted { $0.start < $1.start }.reduce(into: [Cue]()) { joined, cue in
            if let last = joined.last, last.text == cue.text, abs(last.end - cue.start) < 0.0005 {
                joined[joined.count - 1].end = cue.end
            } else {
                joined.append(cue)
            }
        }
        return Document(cues: joined, language: language)
    }

    /// `data` cut before each XML declaration but the first, with the line each part starts on.
    private static func documents(in data: Data) -> [(data: Data, firstLine: Int)] {
        let declaration = Data("<?xml".utf8)
        var starts = [data.startIndex]
        var from = data.startIndex + 1
        while from < data.endIndex, let found = data.range(of: declaration, in: from..<data.endIndex) {
            starts.append(found.lowerBound)
            from = found.upperBound
        }
        // (A byte-order mark before the first declaration is a part with no element: left out.)
        return zip(starts, starts.dropFirst() + [data.endIndex]).map { start, end in
            (data[start..<end], 1 + data[data.startIndex..<start].filter { $0 == 0x0A }.count)
        }.filter { $0.data.contains(UInt8(ascii: "<")) }
    }

    /// How TTML in MP4 (`stpp`, which FFmpeg 5.1 reads as data it cannot decode) is burnt or
    /// added all the same: stream `index` of `url` copied out into a file that `cues` reads.
    public static func copyOutHint(stream index: Int, of url: String) -> String {
        "copied out (ffmpeg -i \(url) -map 0:\(index) -c copy -f data subs.ttml), it is burnt or added as a file "
            + "(--burn-subtitles subs.ttml, --add-subtitles subs.ttml)"
    }

    /// `cues` as an SRT file.
    public static func srt(_ cues: [Cue]) -> String {
        func time(_ t: Double) -> String {
            let ms = Int((max(0, t) * 1000).rounded())
            return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        return cues.enumerated().map { "\($0.offset + 1)\n\(time($0.element.start)) --> \(time($0.element.end))\n\($0.element.text)\n\n" }.joined()
    }

    /// The styling attributes an element states or inherits: how its text is drawn, and where
    /// a region places it.
    struct Style {
        /// By local name (`fontStyle`, `color`, `displayAlign`, ...).
        var stated: [String: String] = [:]

        /// `self` over `base`: what `self` states wins.
        func over(_ base: Style) -> Style { Style(stated: base.stated.merging(stated) { _, own in own }) }

        /// The styling attributes among `attributes` (prefixes stripped); a region's place
        /// (`origin`, `extent`) only where `placing`: the root's `extent` is the canvas's.
        init(_ attributes: [String: String], placing: Bool) {
            stated = attributes.filter { Self.drawing.contains($0.key) || (placing && ["origin", "extent"].contains($0.key)) }
        }

        init(stated: [String: String] = [:]) { self.stated = stated }

        static let drawing: Set = ["fontStyle", "fontWeight", "textDecoration", "color", "displayAlign", "textAlign"]

        var italic: Bool { stated["fontStyle"].map { $0 == "italic" || $0 == "oblique" } ?? false }
        var bold: Bool { stated["fontWeight"] == "bold" }
        var underline: Bool { stated["textDecoration"]?.split(separator: " ").contains("underline") ?? false }
        /// "#rrggbb"; nil for white.
        var colour: String? { stated["color"].flatMap(Self.hex) }

        /// ASS's alignment (`\an`, which FFmpeg's SRT reader takes) for where the region puts the
        /// paragraph: the third of the picture its lines are anchored in (by `origin`, `extent`
        /// and `displayAlign`), left or right where `textAlign` says so; nil for bottom centre,
        /// SRT's own. Lengths in %, cells of `cells` (columns, rows) or pixels of `pixels`.
        func alignment(cells: (Double, Double), pixels: (Double, Double)?) -> Int? {
            func pair(_ key: String) -> (Double, Double)? {
                let parts = stated[key]?.split(separator: " ") ?? []
                guard parts.count == 2 else { return nil }
                func length(_ text: Substring, _ cell: Double, _ pixel: Double?) -> Double? {
                    if text.hasSuffix("%") { return Double(text.dropLast()).map { $0 / 100 } }
                    if text.hasSuffix("px") { return pixel.flatMap { p in Double(text.dropLast(2)).map { $0 / p } } }
                    if text.hasSuffix("c") { return Double(text.dropLast()).map { $0 / cell } }
                    return nil
                }
                guard let a = length(parts[0], cells.0, pixels?.0), let b = length(parts[1], cells.1, pixels?.1) else { return nil }
                return (a, b)
            }
            var row = 0  // bottom
            if let top = pair("origin")?.1 {
                let height = pair("extent")?.1 ?? 1 - top
                let anchor = stated["displayAlign"] == "before" ? top : stated["displayAlign"] == "center" ? top + height / 2 : top + height
                row = anchor < 1.0 / 3 ? 2 : anchor <= 2.0 / 3 ? 1 : 0
            } else if let align = stated["displayAlign"], align != "after" {
                row = align == "before" ? 2 : 1  // a region the whole picture
            }
            let column = ["left": 1, "start": 1, "right": 3, "end": 3][stated["textAlign"] ?? ""] ?? 2
            let an = 1 + 3 * row + column - 1
            return an == 2 ? nil : an
        }

        /// A TTML colour ("#rrggbb", "#rrggbbaa", "rgb(r,g,b)", "rgba(r,g,b,a)" or a named one)
        /// as "#rrggbb"; nil for white, SRT's own, and for what cannot be read.
        static func hex(_ text: String) -> String? {
            let t = text.trimmingCharacters(in: .whitespaces).lowercased()
            var rgb: [Int]?
            if t.hasPrefix("#"), t.count == 7 || t.count == 9, let v = Int(t.dropFirst().prefix(6), radix: 16) {
                rgb = [v >> 16, v >> 8 & 255, v & 255]
            } else if t.hasPrefix("rgb"), let open = t.firstIndex(of: "("), let close = t.firstIndex(of: ")") {
                let parts = t[t.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count >= 3 { rgb = Array(parts.prefix(3)) }
            } else {
                rgb = named[t]
            }
            guard let rgb, rgb != [255, 255, 255] else { return nil }
            return String(format: "#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
        }

        /// TTML's named colours (CSS's basic sixteen).
        static let named: [String: [Int]] = [
            "black": [0, 0, 0], "silver": [192, 192, 192], "gray": [128, 128, 128], "white": [255, 255, 255],
            "maroon": [128, 0, 0], "red": [255, 0, 0], "purple": [128, 0, 128], "fuchsia": [255, 0, 255], "magenta": [255, 0, 255],
            "green": [0, 128, 0], "lime": [0, 255, 0], "olive": [128, 128, 0], "yellow": [255, 255, 0],
            "navy": [0, 0, 128], "blue": [0, 0, 255], "teal": [0, 128, 128], "aqua": [0, 255, 255], "cyan": [0, 255, 255],
        ]
    }

    /// The rates that frame and tick times count in (`ttp:frameRate`, `ttp:frameRateMultiplier`,
    /// `ttp:subFrameRate`, `ttp:tickRate`, on the `tt` element).
    public struct Clock {
        var frameRate = 30.0, subFrameRate = 1.0, tickRate = 1.0

        public init(_ attributes: [String: String] = [:]) {
            if let f = attributes["frameRate"].flatMap(Double.init), f > 0 { frameRate = f }
            if let m = attributes["frameRateMultiplier"]?.split(separator: " ").compactMap({ Double($0) }), m.count == 2, m[1] > 0 {
                frameRate *= m[0] / m[1]
            }
            if let s = attributes["subFrameRate"].flatMap(Double.init), s > 0 { subFrameRate = s }
            if let t = attributes["tickRate"].flatMap(Double.init), t > 0 {
                tickRate = t
            } else if attributes["frameRate"] != nil {
                tickRate = frameRate * subFrameRate
            }
        }

        /// Seconds of a TTML time expression: clock time (`01:02:03.5`, `01:02:03:12` with
        /// frames, `01:02:03:12.1` with sub-frames) or an offset (`3.5s`, `1500ms`, `2m`,
        /// `1h`, `75f`, `10000000t`); nil for what is neither.
        public func seconds(_ text: String) -> Double? {
            let t = text.trimmingCharacters(in: .whitespaces)
            let parts = t.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 3 || parts.count == 4 {
                guard let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]) else { return nil }
                var frames = 0.0
                if parts.count == 4 {
                    let f = parts[3].split(separator: ".")
                    guard let whole = f.first.flatMap({ Double($0) }) else { return nil }
                    frames = whole + (f.count > 1 ? (Double(f[1]) ?? 0) / subFrameRate : 0)
                }
                return h * 3600 + m * 60 + s + frames / frameRate
            }
            for (metric, unit) in [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1), ("f", 1 / frameRate), ("t", 1 / tickRate)]
            where t.hasSuffix(metric) {
                return Double(t.dropLast(metric.count)).map { $0 * unit }
            }
            return nil
        }
    }

    /// The document's parser: styles and regions from the head, then each paragraph's timed
    /// runs of styled text.
    private final class Reader: NSObject, XMLParserDelegate {
        private(set) var cues: [Cue] = []
        /// The root's `xml:lang`, where not empty.
        private(set) var language: String?
        private(set) var failure: String?
        /// The line of the first error, where it was met (the parser may read on past it).
        private(set) var failedOn: Int?
        private var clock = Clock()
        /// The canvas's cells (`ttp:cellResolution`, 32 x 15 unless stated) and pixels (the
        /// root's `tts:extent`), for a region's place.
        private var cells = (32.0, 15.0), pixels: (Double, Double)?
        /// Styles by id, as their own attributes and the styles they name.
        private var styles: [String: (own: Style, refs: [String])] = [:]
        private var regions: [String: Style] = [:]
        private struct Open {
            var name: String
            var begin: Double, end: Double?
            var style: Style
            var preserve: Bool
        }
        private var open: [Open] = []
        /// The paragraph being read: its runs of text, "\n" for a line break.
        private var runs: [(text: String, style: Style, preserve: Bool)] = []
        private var inParagraph = false

        private static func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

        private func resolved(_ id: String, seen: Set<String> = []) -> Style {
            guard let s = styles[id], !seen.contains(id) else { return Style() }
            return s.refs.reduce(s.own) { $0.over(resolved($1, seen: seen.union([id]))) }
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes attributeDict: [String: String] = [:]) {
            let name = Self.local(elementName)
            var a: [String: String] = [:]
            for (key, value) in attributeDict { a[Self.local(key)] = value }
            let refs = a["style"]?.split(separator: " ").map(String.init) ?? []
            switch name {
            case "tt":
                clock = Clock(a)
                language = a["lang"].flatMap { $0.isEmpty ? nil : $0 }
                cells = a["cellResolution"].map { $0.split(separator: " ").compactMap { Double($0) } }.flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil } ?? cells
                pixels = a["extent"].map { $0.split(separator: " ").compactMap { Double($0.dropLast(2)) } }.flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
            case "style":
                if let id = a["id"] { styles[id] = (Style(a, placing: true), refs) }
            case "region":
                if let id = a["id"] { regions[id] = refs.reduce(Style(a, placing: true)) { $0.over(resolved($1)) } }
            default: break
            }
            let parent = open.last
            let base = parent?.begin ?? 0
            func time(_ key: String) -> Double? {
                guard let text = a[key] else { return nil }
                guard let s = clock.seconds(text) else {
                    (failure, failedOn) = ("\(key)=\"\(text)\" is not a TTML time", parser.lineNumber)
                    parser.abortParsing()
                    return nil
                }
                return s
            }
            let begin = base + (time("begin") ?? 0)
            let end = time("end").map { base + $0 } ?? time("dur").map { begin + $0 } ?? parent?.end
            // Own attributes over the styles named, over the region's, over the parent's.
            var style = refs.reduce(Style(a, placing: false)) { $0.over(resolved($1)) }
            if let region = a["region"].flatMap({ regions[$0] }) { style = style.over(region) }
            style = style.over(parent?.style ?? Style())
            let preserve = a["space"].map { $0 == "preserve" } ?? parent?.preserve ?? false
            open.append(Open(name: name, begin: begin, end: end, style: style, preserve: preserve))
            if name == "p" { (inParagraph, runs) = (true, []) }
            if name == "br", inParagraph { runs.append(("\n", style, true)) }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = open.popLast() else { return }
            guard element.name == "p" else { return }
            inParagraph = false
            // A paragraph with no end lasts until its parent's; where none states one, 5 s.
            let text = Self.markup(runs)
            let place = element.style.alignment(cells: cells, pixels: pixels).map { "{\\an\($0)}" } ?? ""
            cues.append(Cue(start: element.begin, end: element.end ?? element.begin + 5, text: text.isEmpty ? "" : place + text))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard inParagraph, let element = open.last else { return }
            runs.append((string, element.style, element.preserve))
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if failedOn == nil { failedOn = parser.lineNumber }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
        }

        /// The runs as SRT text: white space collapsed as TTML's default (`xml:space`
        /// "default") does, lines trimmed, each run of one style in its tags.
        private static func markup(_ runs: [(text: String, style: Style, preserve: Bool)]) -> String {
            var pieces: [(text: String, style: Style)] = []
            for run in runs {
                let text = run.preserve ? run.text
                    : run.text.replacingOccurrences(of: #"[ \t\r\n]+"#, with: " ", options: .regularExpression)
                if let last = pieces.last, tags("", last.style) == tags("", run.style), run.text != "\n", last.text != "\n" {
                    pieces[pieces.count - 1].text += text
                } else {
                    pieces.append((text, run.style))
                }
            }
            // Lines, each trimmed (its pieces' outer spaces), then the tags.
            var lines: [[(text: String, style: Style)]] = [[]]
            for piece in pieces {
                let parts = piece.text.split(separator: "\n", omittingEmptySubsequences: false)
                for (i, part) in parts.enumerated() {
                    if i > 0 { lines.append([]) }
                    if !part.isEmpty { lines[lines.count - 1].append((String(part), piece.style)) }
                }
            }
            let tagged = lines.map { line -> String in
                var line = line
                if !line.isEmpty {
                    line[0].text = String(line[0].text.drop { $0 == " " })
                    line[line.count - 1].text = String(line[line.count - 1].text.reversed().drop { $0 == " " }.reversed())
                }
                return line.filter { !$0.text.isEmpty }.map { tags($0.text, $0.style) }.joined()
            }
            return tagged.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed().joined(separator: "\n")
        }

        private static func tags(_ text: String, _ style: Style) -> String {
            var (open, close) = ("", "")
            for (on, tag) in [(style.italic, "i"), (style.bold, "b"), (style.underline, "u")] where on == true {
                open += "<\(tag)>"; close = "</\(tag)>" + close
            }
            if let colour = style.colour { open = "<font color=\"\(colour)\">" + open; close += "</font>" }
            return open + text + close
        }
    }
}
