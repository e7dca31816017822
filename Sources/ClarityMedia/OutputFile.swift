import CFFmpeg
import Foundation

/// An output written under a temporary name in the same folder and renamed into place only
/// when complete, so a failed or interrupted run never leaves a half-written file behind.
///
/// A numbered picture sequence (`frame%04d.png`, FFmpeg's pattern) is written the same way:
/// every picture under a temporary pattern, all renamed when the run completes.
public final class OutputFile {
    public let finalPath: String
    /// `finalPath` as messages name it (stdout rather than pipe:1).
    public var name: String { PipeName.shown(finalPath) }
    /// Where bytes go while writing: the temporary path, or the pipe or device itself.
    public private(set) var writingPath: String
    /// Written in place: stdout, a FIFO, a device, a network URL, or a muxer's own files.
    public private(set) var writesInPlace: Bool
    /// A network URL (udp://, srt://, rtmp://, ...): its container comes from --format.
    public let isURL: Bool
    /// A numbered picture sequence: `finalPath` and `writingPath` are patterns.
    public let isSequence: Bool
    /// The name whose extension tells the container and the codec: the final path, or the
    /// file's that stdout was sent to (`- > out.png`).
    public var formatName: String { redirected?.path ?? finalPath }
    /// One file, however named (stdout sent to one too): not a pipe, a device, a network
    /// stream, a sequence, or a muxer's own files. A picture format's holds one picture.
    public var isOneFile: Bool { !isSequence && (!writesInPlace || redirected != nil) }
    /// A standard stream redirected to a file, written by the file's path, and its descriptor.
    private let redirected: (descriptor: Int32, path: String)?
    /// Whether the finished file may replace one of its name (there at the start, or made
    /// while the run wrote).
    private let overwrite: Bool
    private var settled = false
    /// Pictures of a sequence counted into `bytesWritten` so far, and their bytes.
    private var counted: (pictures: Int, bytes: Int64) = (0, 0)

    /// `sources` are the files the run reads (its input, subtitle files): an output that is one
    /// of them, by whatever path, is refused even with `overwrite`, as ffmpeg refuses it, since
    /// the enhanced copy would replace the only original.
    public init(_ path: String, overwrite: Bool, sources: [String] = []) throws {
        isURL = path.contains("://")
        self.overwrite = overwrite
        let descriptor = PipeCapacity.descriptor(of: path, standard: 1) ?? RedirectedFile.descriptor(named: path)
        if descriptor != nil || isURL {
            finalPath = descriptor.map { "pipe:\($0)" } ?? path
            // A stream the shell sent to a file (> out.mkv) is written as that file, which
            // can be sought: an MP4's index goes first, a Matroska states its length.
            redirected = descriptor.flatMap { fd in RedirectedFile.path(of: fd, empty: true).map { (fd, $0) } }
            // Added to the input (`clarity transcode in.ts - >> in.ts`), the output would be read
            // back as input for ever, as `cat in.ts >> in.ts` would.
            if let fd = descriptor, Self.identity(path, standard: 1)?.regular == true, let (_, source) = Self.firstShared([path], sources) {
                let sentTo = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? "a file"
                throw MediaError(.outputUnwritable, "output \(PipeName.shown(finalPath)) is sent to \(sentTo), "
                                 + "\(source == sentTo ? "the input" : "which is the input \(PipeName.shown(source))"): write the enhanced copy elsewhere")
            }
            writingPath = redirected?.path ?? finalPath
            writesInPlace = true
            isSequence = false
            descriptor.map(PipeCapacity.enlarge)
            return
        }
        redirected = nil
        finalPath = path
        isSequence = PictureSequence.isPattern(path)
        var info = stat()
        if !isSequence && stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG && (info.st_mode & S_IFMT) != S_IFDIR {
            // A device or FIFO (/dev/null, a named pipe): written in place, nothing to rename.
            writingPath = path
            writesInPlace = true
            return
        }
        writesInPlace = false
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        let first = isSequence ? PictureSequence.picture(path, PictureSequence.firstWritten) ?? path : path
        // A sequence's pictures replace those of their numbers there are, from the first written on.
        let replaced = isSequence ? PictureSequence.numbers(path).filter { $0 >= PictureSequence.firstWritten }
            .compactMap { PictureSequence.picture(path, $0) } : [path]
        if let (output, source) = Self.firstShared(replaced, sources) {
            let input = source == output ? "the input" : PictureSequence.files(of: source) != [source] ? "a picture of the input \(source)"
                : "the input \(PipeName.shown(source))"
            throw MediaError(.outputUnwritable, "output \(output) is \(input): write the enhanced copy elsewhere")
        }
        if FileManager.default.fileExists(atPath: first, isDirectory: &isDir) {
            if isDir.boolValue { throw MediaError(.outputUnwritable, "output is a folder: \(path)") }
            if !overwrite { throw MediaError(.outputUnwritable, "output exists: \(first) (use --overwrite to replace it)") }
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw MediaError(.outputUnwritable, "output folder does not exist: \(folder)")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw MediaError(.outputUnwritable, "cannot write to folder: \(folder)")
        }
        let ext = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
        let stem = ".\(url.deletingPathExtension().lastPathComponent).clarity-"
        writingPath = url.deletingLastPathComponent().appendingPathComponent(stem + "\(getpid())\(ext)").path
        TemporaryFiles.shared.register(writingPath, sequence: isSequence)
        if !isSequence { Self.removeLeftovers(in: folder, stem: stem, ext: ext) }
    }

    /// The first of `outputs` that is a file of `sources` (a sequence's: any of its pictures), and that source.
    private static func firstShared(_ outputs: [String], _ sources: [String]) -> (output: String, source: String)? {
        var read: [[UInt64]: String] = [:]
        for source in sources {
            for file in PictureSequence.files(of: source) { if let id = identity(file, standard: 0)?.id { read[id] = read[id] ?? source } }
        }
        return outputs.lazy.compactMap { output in identity(output, standard: 1).flatMap { read[$0.id] }.map { (output, $0) } }.first
    }

    /// The file a path names, whatever the path (links, `./`, another case on a folder that
    /// ignores it): stdin, stdout, `pipe:N` and `/dev/fd/N` by their descriptors (`standard`
    /// for `-`), whose file the shell chose.
    private static func identity(_ path: String, standard: Int32) -> (id: [UInt64], regular: Bool)? {
        var info = stat()
        if let fd = PipeCapacity.descriptor(of: path, standard: standard) ?? RedirectedFile.descriptor(named: path) {
            guard fstat(fd, &info) == 0 else { return nil }
        } else if stat(path, &info) != 0 {
            return nil
        }
        return ([UInt64(info.st_dev), UInt64(info.st_ino)], info.st_mode & S_IFMT == S_IFREG)
    }

    /// Removes what runs killed outright (no chance to clean up: SIGKILL, a power cut) left
    /// half-written under this output's temporary names: those of processes no longer alive.
    private static func removeLeftovers(in folder: String, stem: String, ext: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(stem) && name.hasSuffix(ext) {
            guard let pid = Int32(name.dropFirst(stem.count).dropLast(ext.count)), pid != getpid(),
                  kill(pid, 0) == -1 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }

    /// For a muxer that opens files of its own (HLS and DASH: a playlist and its segments,
    /// which players read while they grow; FFmpeg's null muxer: none): written in place under
    /// the final name, since a renamed playlist would point at segments named after the
    /// temporary one.
    func writeInPlace() {
        guard !writesInPlace, !isSequence else { return }
        TemporaryFiles.shared.unregister(writingPath)
        writingPath = finalPath
        writesInPlace = true
    }

    /// The temporary paths written: the file, or a sequence's pictures with their final paths.
    private var written: [(writing: String, final: String)] {
        guard isSequence else { return [(writingPath, finalPath)] }
        var pictures: [(String, String)] = []
        var n = PictureSequence.firstWritten
        while let w = PictureSequence.picture(writingPath, n), let f = PictureSequence.picture(finalPath, n), access(w, F_OK) == 0 {
            pictures.append((w, f))
            n += 1
        }
        return pictures
    }

    /// Moves the finished file (or every picture of a sequence) under its final name.
    public func commit() throws {
        guard !settled else { return }
        settled = true
        // What the shell writes next through the descriptor follows the file
        // ({ clarity ... -; clarity ... -; } > both.ts joins the two).
        if let redirected { lseek(redirected.descriptor, 0, SEEK_END) }
        guard !writesInPlace else { return }
        TemporaryFiles.shared.unregister(writingPath)
        let files = written
        if isSequence { counted = (files.count, files.compactMap { Self.size($0.writing) }.reduce(0, +)) }
        if !isSequence && !overwrite, let file = files.first {
            let placed = try Self.placeNew(file.writing, as: file.final)
            guard placed == file.final else {
                throw MediaError(.outputUnwritable, "output \(file.final) appeared while this run wrote it, and is kept: "
                                 + "the enhanced copy is \(placed) (--overwrite replaces it)")
            }
            return
        }
        for (k, file) in files.enumerated() where rename(file.writing, file.final) != 0 {
            let reason = String(cString: strerror(errno))
            for rest in files[k...] { unlink(rest.writing) }
            throw MediaError(.outputUnwritable, "cannot move output into place at \(file.final): \(reason)")
        }
    }

    /// Moves `writing` under `final`, or where something of that name is there already (made
    /// by another program, or another run, since the start), under the first free
    /// `<name>-2.<ext>`, `-3`, ...: `link` refuses to replace, where `rename` replaces. Where
    /// links fail (FAT), a look comes before the rename. Returns the name taken.
    private static func placeNew(_ writing: String, as final: String) throws -> String {
        let ext = (final as NSString).pathExtension
        let (stem, dotted) = ((final as NSString).deletingPathExtension, ext.isEmpty ? "" : "." + ext)
        for n in 1...1000 {
            let name = n == 1 ? final : "\(stem)-\(n)\(dotted)"
            if link(writing, name) == 0 {
                unlink(writing)
                return name
            }
            if errno == EEXIST { continue }
            // No links here (FAT, some network file systems): a look, then the rename.
            if access(name, F_OK) == 0 { continue }
            if rename(writing, name) == 0 { return name }
            let reason = String(cString: strerror(errno))
            unlink(writing)
            throw MediaError(.outputUnwritable, "cannot move output into place at \(name): \(reason)")
        }
        unlink(writing)
        throw MediaError(.outputUnwritable, "cannot move output into place at \(final): it and a thousand numbered names beside it are taken")
    }

    /// Removes what was written.
    public func discard() {
        guard !settled else { return }
        settled = true
        // A file stdout was sent to is left empty, as the shell made it.
        if let redirected { ftruncate(redirected.descriptor, 0) }
        guard !writesInPlace else { return }
        for file in written { unlink(file.writing) }
        TemporaryFiles.shared.unregister(writingPath)
    }

    deinit { discard() }

    /// Bytes written so far (0 for a pipe).
    public var bytesWritten: Int64 {
        guard !writesInPlace else { return redirected.flatMap { Self.size($0.path) } ?? 0 }
        guard isSequence else { return Self.size(writingPath) ?? 0 }
        guard !settled else { return counted.bytes }
        // Pictures are written in order: one is complete once the next exists, and only the
        // new ones are looked at.
        func picture(_ k: Int) -> String? { PictureSequence.picture(writingPath, PictureSequence.firstWritten + k) }
        while let next = picture(counted.pictures + 1), access(next, F_OK) == 0, let done = picture(counted.pictures).flatMap(Self.size) {
            counted = (counted.pictures + 1, counted.bytes + done)
        }
        return counted.bytes + (picture(counted.pictures).flatMap(Self.size) ?? 0)
    }

    private static func size(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }
}
