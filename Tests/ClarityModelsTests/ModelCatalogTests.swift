import ClarityModels
import XCTest

/// How a `--model` argument finds a bundled model: a full name, or a family at the requested
/// scale, else the nearest scale above (then the nearest below).
final class ModelCatalogTests: XCTestCase {
    func testFamiliesPickTheNearestScale() throws {
        XCTAssertEqual(try ModelCatalog.load("bicubicpp", scale: 2).graph.name, "bicubicpp-c32-x2")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp", scale: 3).graph.name, "bicubicpp-c32-x3")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp", scale: 4).graph.scale, 3, "none above: the nearest below")
        XCTAssertEqual(try ModelCatalog.load("esr-max", scale: 2).graph.scale, 3, "none at x2: the nearest above")
        XCTAssertEqual(try ModelCatalog.load("bicubicpp-c8-x3", scale: 2).graph.name, "bicubicpp-c8-x3", "a full name is taken as it is")
        XCTAssertThrowsError(try ModelCatalog.load("nosuch", scale: 3)) { error in
            XCTAssertTrue("\(error)".contains("no bundled model or family 'nosuch'"), "\(error)")
        }
    }
}
