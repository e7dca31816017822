import Foundation

/// A parsed safetensors file: 8-byte little-endian header length, a JSON header, raw
/// little-endian data. Written here (the format is tiny) so every field can be checked and
/// a truncated or corrupt file gives an error that says what is wrong.
public struct SafetensorsFile: Sendable {
    public struct Tensor: Sendable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    /// The header's `__metadata__` (string to string).
    public var metadata: [String: String]
    public var tensors: [String: Tensor]

    public init(metadata: [String: String], tensors: [String: Tensor]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Parses and checks a whole file. Only `F32` tensors are accepted (the model format).
    public init(data: Data) throws {
        guard data.count >= 8 else { throw EngineError.corruptFile("\(data.count) bytes, too short for a safetensors header") }
        let bytes = [UInt8](data.prefix(8))
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw EngineError.corruptFile("header length \(headerLength) exceeds the file (\(data.count) bytes): truncated?")
        }
        let start = data.startIndex
        let headerData = data.subdata(in: (start + 8)..<(start + 8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw EngineError.corruptFile("the header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = data.count - dataStart
        metadata = [:]
        tensors = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw EngineError.corruptFile("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shapeN = entry["shape"] as? [NSNumber],
                  let offsetsN = entry["data_offsets"] as? [NSNumber], offsetsN.count == 2 else {
                throw EngineError.corruptFile("tensor '\(name)': needs dtype, shape and data_offsets [begin, end]")
            }
            guard dtype == "F32" else { throw EngineError.mismatch("tensor '\(name)' has dtype \(dtype); the model format uses F32") }
            let shape = shapeN.map { $0.intValue }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw EngineError.corruptFile("tensor '\(name)': negative dimension") }
            let begin = offsetsN[0].intValue, end = offsetsN[1].intValue
            let count = shape.reduce(1, *)
            guard begin >= 0, end >= begin, end - begin == count * 4 else {
                throw EngineError.corruptFile("tensor '\(name)': data_offsets [\(begin), \(end)] do not hold \(shape) F32 values")
            }
            guard end <= dataLength else {
                throw EngineError.corruptFile("tensor '\(name)' ends at byte \(end) of a \(dataLength)-byte data section: truncated file")
            }
            ranges.append((begin, end, name))
            var values = [Float](repeating: 0, count: count)
            let lo = start + dataStart + begin, hi = start + dataStart + end
            values.withUnsafeMutableBytes { dst in _ = data.copyBytes(to: dst, from: lo..<hi) }
            // Little-endian on disk; convert on a big-endian host.
            if UInt32(1).littleEndian != 1 { values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) } }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw EngineError.corruptFile("tensors '\(a.2)' and '\(b.2)' overlap in the data section")
        }
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw EngineError.unreadableFile("\(url.path) (\(error.localizedDescription))")
        }
        try self.init(data: data)
    }

    /// Serializes (tensors sorted by name, header padded to 8 bytes).
    public func serialized() -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for n in names {
            let t = tensors[n]!
            header[n] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.values.count * 4]]
            offset += t.values.count * 4
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for n in names {
            tensors[n]!.values.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }
}
