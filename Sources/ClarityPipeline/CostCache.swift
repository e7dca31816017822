import ClarityEngine
import Foundation

/// Start-up costs kept on disk per machine and configuration: a later run with the same
/// models, frame size, tiles and threads starts from them instead of timing again, so it
/// starts sooner and a stall of the machine during its start-up cannot bias it. Running
/// frames still move the figures as they go (`BranchCostModel`).
public struct CostCache: Sendable {
    /// Where the figures are kept, one JSON file per configuration.
    public let directory: URL
    /// Time afresh and replace what is kept (after a hardware or system change).
    public var refresh: Bool

    public init(directory: URL, refresh: Bool = false) {
        self.directory = directory
        self.refresh = refresh
    }

    /// `$XDG_CACHE_HOME/clarity/costs`, else `~/.cache/clarity/costs`.
    public static func userDefault(refresh: Bool = false) -> CostCache {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return CostCache(directory: base.appendingPathComponent("clarity/costs"), refresh: refresh)
    }

    /// The CPU's model name and its cores ("Intel(R) Xeon(R) Processor, 2 cores").
    public static let cpu: String = {
        let name = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(name), \(AvailableCores.count) cores"
    }()

    /// This machine and this build, as costs depend on both: `cpu`, and the running
    /// program's size and modification time (a new build of Clarity may run the same models
    /// at another speed, so it times them afresh).
    public static let machine: String = {
        var program = stat()
        let build = stat("/proc/self/exe", &program) == 0 ? "build \(program.st_size) bytes at \(program.st_mtim.tv_sec)" : "build unknown"
        return "\(cpu); \(build)"
    }()

    /// The figures kept for `configuration` in `cache` when they pass `usable`; else
    /// `timing`'s, which `cache` then keeps. `kept` says which.
    public static func figures<Figures: Codable>(in cache: CostCache?, for configuration: String,
                                                 usable: (Figures) -> Bool = { _ in true },
                                                 timing: () throws -> Figures) rethrows -> (figures: Figures, kept: Bool) {
        if let kept = cache?.figures(for: configuration, as: Figures.self), usable(kept) { return (kept, true) }
        let timed = try timing()
        cache?.keep(timed, for: configuration)
        return (timed, false)
    }

    private struct Entry<Figures: Codable>: Codable {
        var configuration: String
        var figures: Figures
    }

    /// The kept figures of `configuration`; nil when there are none, they are unreadable,
    /// or `refresh` is set.
    public func figures<Figures: Codable>(for configuration: String, as: Figures.Type = Figures.self) -> Figures? {
        guard !refresh, let data = try? Data(contentsOf: file(for: configuration)) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let entry = try? decoder.decode(Entry<Figures>.self, from: data), entry.configuration == configuration else { return nil }
        return entry.figures
    }

    /// Keeps `figures` for `configuration`, whole or not at all (written aside, then renamed).
    /// A cache that cannot be written only costs the next run its timing: no error.
    public func keep<Figures: Codable>(_ figures: Figures, for configuration: String) {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(Entry(configuration: configuration, figures: figures)) else { return }
        let target = file(for: configuration)
        let aside = target.appendingPathExtension("\(getpid()).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: aside)
            guard rename(aside.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: aside)
        }
    }

    /// One file per configuration, named by its 64-bit FNV-1a hash (the file holds the
    /// configuration itself, which a read checks).
    private func file(for configuration: String) -> URL {
        let hash = configuration.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        return directory.appendingPathComponent(String(format: "%016llx.json", hash))
    }
}
