import ClarityMedia
import XCTest

/// The rule that reads idet's repeated fields: a 3:2 cycle, not just many repeats.
final class TelecineCheckTests: XCTestCase {
    /// Frames of a cycle of five, the given places repeating a field.
    func cycle(_ places: Set<Int>, frames: Int = 40, from start: Int = 0) -> [Bool] {
        (start..<(start + frames)).map { places.contains($0 % 5) }
    }

    func testPulldownIsTwoPlacesOfEveryFive() {
        XCTAssertTrue(TelecineCheck.isPulldown(cycle([2, 4])))
        XCTAssertTrue(TelecineCheck.isPulldown(cycle([0, 3], from: 3)), "any phase")
        var noisy = cycle([1, 3])
        noisy[7] = true  // one stray repeat in 40 frames
        XCTAssertTrue(TelecineCheck.isPulldown(noisy))
    }

    func testOtherPatternsAreNot() {
        XCTAssertFalse(TelecineCheck.isPulldown(cycle([])), "interlaced video repeats no field")
        XCTAssertFalse(TelecineCheck.isPulldown(cycle([0, 1, 2, 3, 4])), "a still picture repeats every field")
        XCTAssertFalse(TelecineCheck.isPulldown(cycle([2])), "one in five")
        XCTAssertFalse(TelecineCheck.isPulldown((0..<40).map { ($0 * 7 + $0 / 3) % 5 < 2 }), "40% repeats with no fixed places")
        XCTAssertFalse(TelecineCheck.isPulldown(cycle([2, 4], frames: 20)), "too few frames to tell")
    }
}
