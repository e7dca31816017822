import CFFmpeg
import ClarityMedia
import Foundation

/// Moves a stream from a reader through a stage into a writer, each on its own thread, with
/// bounded queues between them: back-pressure keeps memory bounded whatever the speeds.
///
/// Formats are negotiated once, at init: the stage learns what the encoder accepts and fixes
/// its output, the writer's streams are laid out, and the header is written.
///
/// Several copies of the stage (`stages`) process consecutive frames at once, each on its own
/// thread, and hand them on in order: for models whose one-frame work does not keep every core
/// busy, frames side by side go faster than one frame split across the cores.
public final class FramePump: @unchecked Sendable {
    public let reader: MediaReader
    /// Interchangeable copies of one stage (same settings; each negotiates the same format).
    public let stages: [FrameStage]
    public let writer: MediaWriter
    public let outputFormat: VideoFormat
    /// Frames that may wait between two stages.
    public let queueDepth: Int
    /// Input streams copied into the output.
    public let copiedStreams: [StreamInfo]
    /// Live mode: frames released at their timestamps and held to a deadline.
    public let deadline: FrameDeadline?

    private let lock = NSLock()
    private var firstError: Error?
    private var stopRequested = false

    public init(reader: MediaReader, stages: [FrameStage], writer: MediaWriter, encoder: EncoderSettings,
                copy streams: [StreamInfo], queueDepth: Int = 3, deadline: FrameDeadline? = nil) throws {
        precondition(!stages.isEmpty, "a pump needs a stage")
        self.reader = reader
        self.deadline = deadline
        self.stages = stages
        self.writer = writer
        self.queueDepth = queueDepth
        var settings = encoder
        let accepted: [AVPixelFormat]
        if let name = settings.pixelFormat {
            guard let f = VideoFormat.pixelFormat(named: name) else {
                throw MediaError(.invalidArgument, "unknown pixel format '\(name)' (see `ffmpeg -pix_fmts`)")
            }
            accepted = [f]
        } else {
            // The input's format where the encoder takes it: what a stage converted the frames
            // to for its own work (grey with alpha to YUVA for the models) goes back.
            let own = try writer.pixelFormats(forCodec: settings.codec)
            let input = reader.videoFormat.pixelFormat
            accepted = own.contains(input) ? [input] : own
        }
        outputFormat = try stages[0].negotiate(input: reader.videoFormat, accepted: accepted)
        for copy in stages.dropFirst() {
            guard try copy.negotiate(input: reader.videoFormat, accepted: accepted) == outputFormat else {
                throw MediaError(.invalidArgument, "the stage's copies disagree on the output format")
            }
        }
        // Fields kept at the input's size go out as fields; resized, their lines are mixed.
        let stored = reader.videoStream.parameters.pointee
        if (outputFormat.width, outputFormat.height) == (Int(stored.width), Int(stored.height)) { settings.fieldOrder = reader.fieldOrder }
        try writer.addVideo(format: outputFormat, encoder: settings, describedLike: reader.videoStream)
        for s in streams { try writer.addCopy(s) }
        try writer.setMetadata(reader.metadata)
        copiedStreams = streams
        // Burnt subtitles of an input read once come with the copied packets.
        var read = Set(streams.map(\.index))
        if case .packets(let input)? = settings.subtitleBurn?.origin { read.insert(input.index) }
        reader.selectCopiedStreams(read)
        try writer.start()
    }

    /// Asks the pump to stop reading; frames already read are still written and the output
    /// is finished properly. Safe from any thread.
    public func stop() {
        lock.lock(); stopRequested = true; lock.unlock()
        reader.interrupt()  // a live source may keep the reader waiting for data that never comes
    }

    private var shouldStop: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopRequested || firstError != nil
    }

    private func fail(_ error: Error) {
        lock.lock()
        if firstError == nil { firstError = error }
        lock.unlock()
    }

    /// Runs to the end of the input (or `stop()`), finishing the output. On error the partial
    /// output is removed and the first error is thrown. `onProgress` runs on the caller's
    /// thread about every `progressInterval` seconds; the final state is the return value.
    @discardableResult
    public func run(progressInterval: Double = 0.5, onProgress: ((PumpProgress) -> Void)? = nil) throws -> PumpProgress {
        let decoded = BoundedQueue<(Int, MediaItem)>(capacity: queueDepth)
        let processed = ReorderQueue<MediaItem>(capacity: queueDepth + stages.count - 1)
        let start = DispatchTime.now().uptimeNanoseconds
        var progress = PumpProgress()
        progress.expectedFrames = reader.expectedFrames
        progress.inputDuration = reader.duration
        let decodedCount = Counter()
        let group = DispatchGroup()

        // A thread the system refuses ends the run with that said, the others winding down.
        func spawn(_ name: String, _ body: @escaping () -> Void) {
            group.enter()
            do {
                try RunThread.start(name, body)
            } catch {
                group.leave()
                fail(error)
                decoded.cancel()
                processed.cancel()
            }
        }
        spawn("clarity-read") { [self] in
            defer { decoded.close(); group.leave() }
            do {
                let timeBase = av_q2d(reader.videoFormat.timeBase)
                var sequence = 0
                while !shouldStop, let item = try reader.read() {
                    if case .frame(let f) = item {
                        f.due = deadline?.release(at: f.pts.map { Double($0) * timeBase })
                        decodedCount.increment()
                    }
                    if !decoded.push((sequence, item)) { return }
                    sequence += 1
                }
            } catch {
                fail(error)
                processed.cancel()
            }
        }
        let working = Counter()
        for stage in stages {
            working.increment()
            spawn("clarity-stage") { [self] in
                defer {
                    if working.decrement() == 0 { processed.close() }
                    group.leave()
                }
                do {
                    while let (n, item) = decoded.pop() {
                        let out: MediaItem
                        switch item {
                        case .frame(let f):
                            let done = try stage.process(f)
                            if let due = done.due { deadline?.stageFinished(due: due) }
                            out = .frame(done)
                        case .packet: out = item
                        }
                        if !processed.push(n, out) { return }
                    }
                } catch {
                    fail(error)
                    decoded.cancel()
                    processed.cancel()
                }
            }
        }

        let timeBase = reader.videoFormat.timeBase
        var lastReport = start
        func update() {
            progress.framesDecoded = decodedCount.value
            progress.expectedFrames = reader.expectedFrames
            progress.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            progress.bytesWritten = writer.bytesWritten
            progress.latency = deadline?.report
            progress.branchTiles = BranchTiles.of(stages)
        }
        do {
            while let item = processed.pop() {
                switch item {
                case .frame(let f):
                    if let pts = f.pts { progress.position = Double(pts) * av_q2d(timeBase) }
                    if deadline?.admit() ?? true {
                        let writing = DispatchTime.now().uptimeNanoseconds
                        try writer.write(f)
                        deadline?.written(after: Double(DispatchTime.now().uptimeNanoseconds - writing) / 1e9)
                        progress.framesWritten += 1
                    } else {
                        writer.leaveOut(f)
                    }
                case .packet(let p):
                    try writer.write(p)
                    progress.packetsCopied += 1
                }
                let now = DispatchTime.now().uptimeNanoseconds
                if let onProgress, Double(now - lastReport) / 1e9 >= progressInterval {
                    lastReport = now
                    update()
                    onProgress(progress)
                }
            }
        } catch {
            fail(error)
            decoded.cancel()
            processed.cancel()
        }
        group.wait()
        lock.lock()
        let error = firstError
        progress.interrupted = stopRequested
        lock.unlock()
        if let error {
            writer.abort()
            throw error
        }
        // An input that gave no frame makes no output (a part that starts after the last
        // frame but before the container's stated end). Frames live mode drops as late were
        // given.
        if decodedCount.value == 0 && !progress.interrupted {
            writer.abort()
            if !reader.range.isAll {
                throw MediaError(.invalidArgument, String(format: "no frame of %@ shows from %.3f s on (its last frame starts before)",
                                                          reader.name, reader.range.start))
            }
            let why = reader.corruptPackets > 0
                ? ": its video's \(reader.corruptPackets) packet(s) could not be decoded (the file is damaged, or cut short)" : ""
            throw MediaError(.notMedia, "\(reader.name) gave no frame to write" + why)
        }
        try writer.finish()
        update()
        progress.corruptPackets = reader.corruptPackets
        progress.corruptFrames = reader.corruptFrames
        progress.truncatedInput = reader.truncated
        progress.inputShortfall = reader.shortfall
        progress.inputReadError = reader.readError
        progress.timestampJumps = reader.timestampJumps
        progress.seamOverlaps = reader.seamOverlaps
        progress.streamsBegunLate = reader.streamsBegunLate
        (progress.undecodableLeadFrames, progress.undecodableLeadSeconds) = reader.undecodableLead
        progress.reshapedFrames = reader.reshapedFrames
        progress.otherShape = reader.firstOtherShape
        progress.droppedPackets = writer.droppedPackets
        progress.droppedFrames = writer.droppedFrames
        progress.framesWritten -= writer.droppedFrames + writer.framesLeftOutToKeepTime
        return progress
    }
}

/// A count shared between threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    /// Takes one off; returns what is left.
    func decrement() -> Int { lock.lock(); defer { lock.unlock() }; count -= 1; return count }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
