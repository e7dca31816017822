import ArgumentParser

@main
struct Clarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clarity",
        abstract: "Enhance video: remove compression artifacts, upscale, meet a deadline.",
        discussion: """
            Exit codes: 0 done, 1 processing failed, 64 bad option, 65 input is not usable media, \
            66 input missing or unreadable, 69 unsupported codec, 73 output cannot be created, \
            74 write failed (disk full, output closed), 130 interrupted (output finished up to then).
            """,
        subcommands: [Transcode.self, Pipe.self, Live.self, Probe.self, Models.self, Bench.self])

    static func main() {
        OpenMPWaitPolicy.passiveUnlessSet()
        main(nil)
    }
}
