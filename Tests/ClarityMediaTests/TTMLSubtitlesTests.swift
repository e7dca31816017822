import ClarityMedia
import Foundation
import XCTest

/// TTML read as SRT: times as TTML resolves them, text as it is shown, styles as SRT's tags.
final class TTMLSubtitlesTests: XCTestCase {
    func testTimeExpressions() {
        let clock = TTMLSubtitles.Clock(["frameRate": "25", "subFrameRate": "2", "tickRate": "10000000"])
        XCTAssertEqual(clock.seconds("01:02:03"), 3723)
        XCTAssertEqual(clock.seconds("00:00:01.250"), 1.25)
        XCTAssertEqual(clock.seconds("00:00:01:10"), 1.4)           // 10 frames of 25
        XCTAssertEqual(clock.seconds("00:00:01:10.1"), 1.42)        // and a sub-frame of 2
        XCTAssertEqual(clock.seconds("2.5s"), 2.5)
        XCTAssertEqual(clock.seconds("1500ms"), 1.5)
        XCTAssertEqual(clock.seconds("2m"), 120)
        XCTAssertEqual(clock.seconds("0.5h"), 1800)
        XCTAssertEqual(clock.seconds("50f"), 2)
        XCTAssertEqual(clock.seconds("25000000t"), 2.5)
        XCTAssertNil(clock.seconds("soon"))
        XCTAssertNil(clock.seconds("1:2"))
        // NTSC's 30000/1001, and ticks counted in frames where no tick rate is stated.
        let ntsc = TTMLSubtitles.Clock(["frameRate": "30", "frameRateMultiplier": "1000 1001"])
        XCTAssertEqual(ntsc.seconds("00:00:00:30")!, 1.001, accuracy: 1e-12)
        XCTAssertEqual(ntsc.seconds("60t")!, 2.002, accuracy: 1e-12)
        XCTAssertEqual(TTMLSubtitles.Clock().seconds("3t"), 3, "one tick a second by default")
    }

    /// A document as streaming services write them: prefixed elements, times from the
    /// parent's begin, frames and ticks, `dur`, styles by reference (chained) and inline, a
    /// region's white left out, white space collapsed, `br`, an entity.
    func testParagraphsBecomeCues() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tt:tt xmlns:tt="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
                   xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="25" ttp:tickRate="10000000" xml:lang="de-AT">
             <tt:head><tt:styling>
              <tt:style xml:id="it" tts:fontStyle="italic"/>
              <tt:style xml:id="yellow" tts:color="#FFFF00FF" style="it"/>
             </tt:styling>
             <tt:layout><tt:region xml:id="r1" tts:color="white" tts:textDecoration="underline"/></tt:layout></tt:head>
             <tt:body><tt:div begin="1s">
              <tt:p begin="00:00:00:12" end="00:00:02.000">Hallo   <tt:span style="it">Welt</tt:span><tt:br/>
                 zweite &amp; Zeile </tt:p>
              <tt:p begin="20000000t" dur="1.5s" region="r1"><tt:span style="yellow">gelb</tt:span> und <tt:span tts:fontWeight="bold">fett</tt:span></tt:p>
              <tt:p begin="5s" end="6s">   </tt:p>
             </tt:div></tt:body>
            </tt:tt>
            """
        let read = try TTMLSubtitles.read(Data(document.utf8), name: "film.ttml")
        XCTAssertEqual(read.language, "deu", "xml:lang in ISO 639-2's letters")
        let cues = read.cues
        XCTAssertEqual(cues, [
            TTMLSubtitles.Cue(start: 1.48, end: 3, text: "Hallo <i>Welt</i>\nzweite & Zeile"),
            TTMLSubtitles.Cue(start: 3, end: 4.5, text: "<font color=\"#ffff00\"><i><u>gelb</u></i></font><u> und </u><b><u>fett</u></b>"),
        ])
        XCTAssertEqual(TTMLSubtitles.srt(cues), "1\n00:00:01,480 --> 00:00:03,000\nHallo <i>Welt</i>\nzweite & Zeile\n\n"
                       + "2\n00:00:03,000 --> 00:00:04,500\n<font color=\"#ffff00\"><i><u>gelb</u></i></font><u> und </u><b><u>fett</u></b>\n\n")
    }

    /// Where a region puts a paragraph becomes ASS's `\an` before its text (which FFmpeg's SRT
    /// reader takes): the third of the picture its lines are anchored in, by the region's origin
    /// and extent (in %, cells or pixels) and its `displayAlign`, and `textAlign`'s side;
    /// nothing for bottom centre. A colour white inside a coloured paragraph is white.
    func testRegionsPlaceParagraphs() throws {
        let document = """
            <tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
                ttp:cellResolution="50 30" tts:extent="1920px 1080px">
            <head><layout>
              <region xml:id="top" tts:origin="10% 5%" tts:extent="80% 20%" tts:displayAlign="after"/>
              <region xml:id="bottom" tts:origin="10% 80%" tts:extent="80% 15%" tts:displayAlign="after"/>
              <region xml:id="whole" tts:displayAlign="center"/>
              <region xml:id="cells" tts:origin="2c 1c" tts:extent="46c 4c"/>
              <region xml:id="pixels" tts:origin="0px 900px" tts:extent="1920px 180px" tts:textAlign="right"/>
            </layout></head>
            <body><div>
              <p begin="1s" end="2s" region="top">a</p>
              <p begin="2s" end="3s" region="top" tts:textAlign="left">b</p>
              <p begin="3s" end="4s" region="bottom">c</p>
              <p begin="4s" end="5s" region="whole">d</p>
              <p begin="5s" end="6s" region="cells">e</p>
              <p begin="6s" end="7s" region="pixels" tts:color="yellow">f <span tts:color="white">g</span></p>
            </div></body></tt>
            """
        XCTAssertEqual(try TTMLSubtitles.read(Data(document.utf8), name: "f.ttml").cues.map(\.text), [
            "{\\an8}a", "{\\an7}b", "c", "{\\an5}d", "{\\an8}e", "{\\an3}<font color=\"#ffff00\">f </font>g",
        ])
    }

    /// `xml:space="preserve"` keeps spaces and line breaks; a paragraph with no end of its own
    /// ends with its parent; cues come by start.
    func testPreservedSpaceAndInheritedEnds() throws {
        let document = """
            <tt xmlns="http://www.w3.org/ns/ttml"><body><div begin="10s" end="20s">
            <p begin="5s" xml:space="preserve">two  spaces
            and a line</p>
            <p begin="1s" end="2s">first</p>
            </div></body></tt>
            """
        let read = try TTMLSubtitles.read(Data(document.utf8), name: "f.ttml")
        XCTAssertNil(read.language, "none stated")
        XCTAssertEqual(read.cues, [
            TTMLSubtitles.Cue(start: 11, end: 12, text: "first"),
            TTMLSubtitles.Cue(start: 15, end: 20, text: "two  spaces\nand a line"),
        ])
    }

    /// A document in UTF-16 (after its byte-order mark, either way round) is read as one in UTF-8.
    func testUTF16Documents() throws {
        let document = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><tt xmlns=\"http://www.w3.org/ns/ttml\"><body><p begin=\"1s\" end=\"2s\">Grüße</p></body></tt>"
        for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian] {
            let mark: [UInt8] = encoding == .utf16LittleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
            let data = Data(mark) + document.data(using: encoding)!
            XCTAssertTrue(TTMLSubtitles.holdsTTML(data))
            XCTAssertEqual(try TTMLSubtitles.read(data, name: "f.ttml").cues, [TTMLSubtitles.Cue(start: 1, end: 2, text: "Grüße")])
        }
        XCTAssertFalse(TTMLSubtitles.holdsTTML(Data("1\n00:00:01,000 --> 00:00:02,000\n<tt>\n".utf8)), "an SRT cue's text")
    }

    /// Documents one after another (an MP4 track's samples copied out), the first after a
    /// byte-order mark: their cues together, a line that goes on from one to the next one cue,
    /// and an error's line counted from the start of the whole.
    func testDocumentsOneAfterAnother() throws {
        func document(_ paragraphs: String) -> String {
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><div>\(paragraphs)</div></body></tt>\n"
        }
        let samples = "\u{FEFF}" + document("<p begin=\"0.5s\" end=\"1s\">Hello</p>")
            + document("<p begin=\"1s\" end=\"1.8s\">Hello</p><p begin=\"1.2s\" end=\"2s\">Again</p>")
        XCTAssertEqual(try TTMLSubtitles.read(Data(samples.utf8), name: "subs.ttml").cues, [
            TTMLSubtitles.Cue(start: 0.5, end: 1.8, text: "Hello"),
            TTMLSubtitles.Cue(start: 1.2, end: 2, text: "Again"),
        ])
        XCTAssertThrowsError(try TTMLSubtitles.read(Data((samples + document("<p begin=\"3s\">x</div>")).utf8), name: "subs.ttml").cues) {
            XCTAssertTrue("\($0)".contains("subs.ttml is TTML that cannot be read: line 6: not well-formed XML"), "\($0)")
        }
    }

    func testUnreadableDocumentsSayWhere() {
        for (document, words) in [("<tt><body>\n<p begin=\"1s\">a</body></tt>", "f.ttml is TTML that cannot be read: line 2: not well-formed XML"),
                                  ("<tt><body><p begin=\"soon\">a</p></body></tt>", "f.ttml is TTML that cannot be read: line 1: begin=\"soon\" is not a TTML time")] {
            XCTAssertThrowsError(try TTMLSubtitles.read(Data(document.utf8), name: "f.ttml").cues) {
                XCTAssertTrue("\($0)".contains(words), "\($0)")
            }
        }
    }
}
