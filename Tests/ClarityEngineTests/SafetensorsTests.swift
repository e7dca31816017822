import ClarityEngine
import Foundation
import XCTest

/// Round trip and clear errors for truncated, corrupt and mismatched model files.
final class SafetensorsTests: XCTestCase {
    static let model = try! RandomModels.bicubicPlusPlus(channels: 8, scale: 3, seed: 3)

    func message(_ data: Data) -> String {
        do { _ = try Model(data: data); return "no error" } catch { return "\(error)" }
    }

    func testRoundTripThroughAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clarity-\(UUID()).safetensors")
        try Self.model.serialized().write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try Model(contentsOf: url)
        XCTAssertEqual(loaded.graph.name, Self.model.graph.name)
        XCTAssertEqual(loaded.graph.receptiveRadius, 8)
        let x = RandomModels.input(n: 1, h: 10, w: 12, seed: 1)
        XCTAssertEqual(try loaded.run(x), try Self.model.run(x))
    }

    func testTruncatedFile() {
        let d = Self.model.serialized()
        XCTAssertTrue(message(d.prefix(d.count - 10)).contains("truncated"), message(d.prefix(d.count - 10)))
        XCTAssertTrue(message(d.prefix(5)).contains("too short"))
        XCTAssertTrue(message(d.prefix(40)).contains("truncated"))
    }

    func testCorruptHeader() {
        var d = Self.model.serialized()
        d[8] = 0x21  // "!" where the JSON object should open
        XCTAssertTrue(message(d).contains("not a JSON object"), message(d))
    }

    func testMismatchedShapeMissingAndExtraTensors() {
        var f = SafetensorsFile(metadata: ["clarity": Self.model.graph.jsonText()],
                                tensors: RandomModels.weights(for: Self.model.graph, seed: 1))
        var bad = f
        bad.tensors["conv1.weight"] = .init(shape: [8, 8, 5, 5], values: [Float](repeating: 0, count: 1600))
        XCTAssertTrue(message(bad.serialized()).contains("'conv1.weight' has shape [8, 8, 5, 5], the graph needs [8, 8, 3, 3]"))
        bad = f
        bad.tensors["conv2.weight"] = nil
        XCTAssertTrue(message(bad.serialized()).contains("missing tensor 'conv2.weight'"))
        bad = f
        bad.tensors["stray.bias"] = .init(shape: [1], values: [0])
        XCTAssertTrue(message(bad.serialized()).contains("unexpected tensor 'stray.bias'"))
        f.metadata = [:]
        XCTAssertTrue(message(f.serialized()).contains("no 'clarity' key"))
    }

    func testBadGraph() {
        var f = SafetensorsFile(metadata: ["clarity": Self.model.graph.jsonText().replacingOccurrences(of: "\"conv0\"]", with: "\"nope\"]")],
                                tensors: RandomModels.weights(for: Self.model.graph, seed: 1))
        XCTAssertTrue(message(f.serialized()).contains("reads 'nope'"), message(f.serialized()))
        f.metadata["clarity"] = Self.model.graph.jsonText().replacingOccurrences(of: "pixel_shuffle", with: "pixel_juggle")
        XCTAssertTrue(message(f.serialized()).contains("unknown op 'pixel_juggle'"))
    }

    func testWrongDtype() {
        let header = #"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8)); d.append(contentsOf: [0, 0])
        XCTAssertTrue(message(d).contains("dtype F16"))
    }
}
