import Foundation

/// Arguments that are not UTF-8: file names from a system in another encoding (café.mp4 in
/// Latin-1). Swift reads arguments as UTF-8 and mends what is not, so such a name would name
/// another file: "input not found", or an output written under a mended name. An existing file
/// is opened as it is named and handed on as its descriptor's path (/proc/self/fd/N); any
/// other such argument is refused.
enum ForeignNames {
    /// The arguments after the program's name, ready for the parser.
    static func arguments() -> [String] {
        (1..<Int(CommandLine.argc)).map { i in
            guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { return CommandLine.arguments[i] }
            let fd = open(raw, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return "/proc/self/fd/\(fd)" }
            Console.error("'\(CommandLine.arguments[i])' is not UTF-8 (a name from a system in another encoding?), and names no "
                          + "file to read: give outputs UTF-8 names (convmv renames files into UTF-8)")
            Foundation.exit(ExitStatus.usage)
        }
    }
}
