/// A tile's core of an early-exit run's output that differs from its input
/// (`Tiler.runEarlyExitCores`): `width` x `height` samples whose top-left one is at (`x`, `y`)
/// of the output, row by row. A frame that ran few tiles is written back core by core.
public struct ChangedCore: Sendable {
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int
    public let samples: [Float]
}

extension Plane {
    /// This plane with `cores` written over it.
    public func writing(_ cores: [ChangedCore]) -> Plane {
        var out = self
        for core in cores { out.write(core) }
        return out
    }

    /// Writes `core` in place.
    public mutating func write(_ core: ChangedCore) {
        precondition(core.x + core.width <= width && core.y + core.height <= height, "core outside the plane")
        data.withUnsafeMutableBufferPointer { out in
            core.samples.withUnsafeBufferPointer { from in
                for r in 0..<core.height {
                    (out.baseAddress! + (core.y + r) * width + core.x).update(from: from.baseAddress! + r * core.width, count: core.width)
                }
            }
        }
    }
}

extension IntegerSamples {
    /// Writes `cores` into a plane of integer samples rows `stride` bytes apart, cores in parallel.
    public static func store(_ cores: [ChangedCore], into target: UnsafeMutablePointer<UInt8>, stride: Int, wide: Bool, maxValue: Float) {
        let bytes = wide ? 2 : 1
        parallelChunks(cores.count) { chunk in
            for core in cores[chunk] {
                core.samples.withUnsafeBufferPointer { samples in
                    for r in 0..<core.height {
                        store(samples.baseAddress! + r * core.width, count: core.width,
                              into: target + (core.y + r) * stride + core.x * bytes, wide: wide, maxValue: maxValue)
                    }
                }
            }
        }
    }
}
