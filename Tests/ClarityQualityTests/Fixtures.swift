import Foundation
import XCTest

/// The fixtures written by Fixtures/make_fixtures.py (images and Python / skimage scores).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: data("fixtures.json"))
        return try XCTUnwrap(object as? [String: Any])
    }

    /// A binary PGM (P5) or PPM (P6) with maxval 255: (width, height, channels, samples).
    static func netpbm(_ name: String) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        let bytes = [UInt8](try data(name))
        var fields: [Int] = [], magic = "", i = 0
        func skipSpace() {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "#") {
                    while i < bytes.count && bytes[i] != 10 { i += 1 }
                } else if bytes[i] == 32 || (9...13).contains(bytes[i]) {
                    i += 1
                } else { break }
            }
        }
        func token() -> String {
            skipSpace()
            let start = i
            while i < bytes.count && !(bytes[i] == 32 || (9...13).contains(bytes[i])) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        magic = token()
        for _ in 0..<3 { fields.append(try XCTUnwrap(Int(token()), "bad header in \(name)")) }
        i += 1  // the single whitespace byte after maxval
        let channels = magic == "P6" ? 3 : 1
        XCTAssert(magic == "P5" || magic == "P6", "\(name): not a binary PGM/PPM")
        XCTAssertEqual(fields[2], 255, "\(name): maxval must be 255")
        let count = fields[0] * fields[1] * channels
        XCTAssertEqual(bytes.count - i, count, "\(name): wrong payload size")
        return (fields[0], fields[1], channels, Array(bytes[i..<(i + count)]))
    }

    /// A raw little-endian float32 plane.
    static func float32(_ name: String, count: Int) throws -> [Float] {
        let d = try data(name)
        XCTAssertEqual(d.count, count * 4, "\(name): wrong size")
        return d.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
