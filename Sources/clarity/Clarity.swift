import ArgumentParser
import ClarityEngine
import ClarityMedia
import ClarityModels
import ClarityProcess
import Foundation

@main
struct Clarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clarity",
        abstract: "Enhance video: remove compression artifacts, upscale, meet a deadline.",
        discussion: """
            Exit codes: 0 done, 1 processing failed, 64 bad option, 65 input is not usable media, \
            66 input missing or unreadable, 69 unsupported codec, 73 output cannot be created, \
            74 write failed (disk full, output closed), 130 interrupted (output finished up to then; \
            the tool ends by the signal, as shells expect, so that a loop of runs stops).
            """,
        version: "clarity \(release); \(FFmpegVersion.description), oneDNN \(Engine.dnnlVersion) (\(Engine.cpuISA)), \(AvailableCores.described)",
        subcommands: [Transcode.self, Pipe.self, Live.self, Probe.self, Models.self, Bench.self])

    /// Clarity's own version, raised with each release.
    static let release = "0.9.0"

    static func main() {
        ProcessName.set("clarity")
        CrashCleanup.install(sayingOutOfMemory: Console.line(error: MediaError.outOfMemory(
            "(the run used up the memory that ulimit -v or ulimit -d allows)").message))
        refuseUnknownCommand()
        do {
            var command = try parseAsRoot(joiningNegativeValues(ForeignNames.arguments()))
            try command.run()
        } catch let stopped as StoppedBySignal {
            stopped.end()
        } catch {
            exit(withError: error)
        }
    }

    /// `--duration -1` as `--duration=-1` (and `--bitrate -5M`): the parser takes a token that
    /// starts with a dash for an option, and would answer "missing value" instead of saying
    /// what is wrong with -1.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        for argument in arguments {
            if let option = joined.last, option.hasPrefix("--"), option != "--", !option.contains("="), argument.count > 1,
               argument.hasPrefix("-"), Double(argument) ?? Double(argument.dropLast()) != nil {
                joined[joined.count - 1] = option + "=" + argument
            } else {
                joined.append(argument)
            }
        }
        return joined
    }

    /// A mistyped command gets a suggestion, where the parser would call it and its
    /// arguments "unexpected".
    private static func refuseUnknownCommand() {
        guard let first = CommandLine.arguments.dropFirst().first, !first.hasPrefix("-") else { return }
        let commands = configuration.subcommands.map { $0._commandName }
        guard first != "help", !commands.contains(first) else { return }
        // A file where the command goes: the command was left out (`clarity in.mp4 out.mp4`).
        let hint = FileManager.default.fileExists(atPath: first)
            ? " (to enhance a file: clarity transcode \(CommandLine.arguments.dropFirst().map(BenchQuality.shellQuoted).joined(separator: " ")))"
            : NearestName.hint(first, among: commands)
        Console.error("unknown command '\(first)'\(hint); commands: \(commands.joined(separator: ", "))")
        Foundation.exit(ExitStatus.usage)
    }
}
