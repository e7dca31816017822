import ClarityModels
import XCTest

/// "Did you mean": edit distance, and when a name is too far from every candidate to suggest.
final class NearestNameTests: XCTestCase {
    func testDistanceCountsEdits() {
        let d = { (a: String, b: String) in NearestName.distance(Array(a), Array(b)) }
        XCTAssertEqual(d("", "abc"), 3)
        XCTAssertEqual(d("abc", ""), 3)
        XCTAssertEqual(d("kitten", "sitting"), 3)
        XCTAssertEqual(d("lanzcos", "lanczos"), 2, "a swap is two substitutions")
        XCTAssertEqual(d("bench", "bench"), 0)
    }

    func testSuggestsOnlyWhatIsClose() {
        let commands = ["transcode", "pipe", "live", "probe", "models", "bench"]
        XCTAssertEqual(NearestName.suggest("transcod", among: commands), "transcode")
        XCTAssertEqual(NearestName.suggest("Probe", among: commands), "probe")
        XCTAssertEqual(NearestName.suggest("trans", among: commands), "transcode", "a prefix")
        XCTAssertNil(NearestName.suggest("xyz", among: commands))
        XCTAssertNil(NearestName.suggest("ab", among: commands), "too short to guess from")
        XCTAssertEqual(NearestName.hint("pip", among: commands), " (did you mean 'pipe'?)")
        XCTAssertEqual(NearestName.hint("zzzz", among: commands), "")
    }

    func testFamiliesAreNamesUpToTheirSizes() {
        XCTAssertEqual(ModelCatalog.family(of: "bicubicpp-c32-x3"), "bicubicpp")
        XCTAssertEqual(ModelCatalog.family(of: "esr-tm-k5-c4-x2-res"), "esr-tm")
        XCTAssertEqual(ModelCatalog.family(of: "rbqe-lite"), "rbqe-lite")
    }
}
