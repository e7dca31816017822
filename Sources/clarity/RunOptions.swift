import ArgumentParser
import CFFmpeg
import ClarityEngine
import ClarityMedia
import Foundation

/// How a run talks to the user and uses the machine; shared by every processing command.
struct RunOptions: ParsableArguments {
    enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
        case auto, json, none
    }

    @Option(help: "Progress on stderr: auto (a live line when stderr is a terminal), json (one JSON object per line), none.")
    var progress: ProgressMode = .auto

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Also show FFmpeg's own warnings.")
    var verbose = false

    @Option(help: "Threads the encoder, scalers and models share; 0 = one per core this process may use (as taskset or a container's CPU quota allows: `clarity --version` counts them). Decoding, enhancing and encoding overlap, so a run may keep more cores busy than this at times; taskset -c 0 holds it to one.")
    var threads = 0

    var totalThreads: Int { threads > 0 ? threads : AvailableCores.count }

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
    }

    /// Silences FFmpeg's log unless asked; Clarity reports problems itself. SVT-AV1 prints its
    /// banner and configuration past FFmpeg's log, unless its own variable says otherwise
    /// (1: errors only; a value already set is the user's).
    func configureLogging() {
        FFmpegLog.show(verbose: verbose)
        setenv("SVT_LOG", verbose ? "2" : "1", 0)
    }
}
