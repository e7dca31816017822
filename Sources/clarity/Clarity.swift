import ArgumentParser

@main
struct Clarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clarity",
        abstract: "Enhance video: remove compression artifacts, upscale, meet a deadline.",
        subcommands: [])
}
