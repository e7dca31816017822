import ClarityProcess
import Foundation
import XCTest

/// The runner every CLI test (and the benchmarks) start children with.
final class ChildProcessTests: XCTestCase {
    func testCapturesBothStreamsWithoutDeadlockAndKeepsTheExitStatus() throws {
        // 1 MiB on each stream: more than a pipe holds, so both must be drained together.
        let r = try ChildProcess.run(["/bin/sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; exit 3"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stdout.count, 1 << 20)
        XCTAssertEqual(r.stderr.count, 1 << 20)
    }

    func testRunsInTheGivenFolderAndFindsProgramsOnPath() throws {
        let r = try ChildProcess.run(["pwd"], directory: "/tmp")
        XCTAssertEqual(r.stdoutText, "/tmp\n")
    }

    func testASignalEndsWithOneHundredTwentyEightPlusItsNumber() throws {
        let p = try ChildProcess(["sleep", "30"], stdout: .discard, stderr: .discard)
        XCTAssertTrue(p.isRunning)
        p.send(SIGINT)
        XCTAssertEqual(try p.wait().status, 128 + SIGINT)
        XCTAssertFalse(p.isRunning)
    }

    /// A streamed output is read by the caller while the child runs (here 4 MiB, far more
    /// than a pipe holds); the captured one still comes with the result.
    func testAStreamedOutputIsReadAsTheChildWrites() throws {
        let p = try ChildProcess(["/bin/sh", "-c", "head -c 4194304 /dev/zero; echo done >&2"], stdout: .stream)
        let fd = try XCTUnwrap(p.outputPipe)
        var total = 0
        var chunk = [UInt8](repeating: 1, count: 65536)
        while case let n = chunk.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }), n > 0 {
            XCTAssertTrue(chunk[0..<n].allSatisfy { $0 == 0 })
            total += n
        }
        XCTAssertEqual(total, 4 << 20)
        let r = try p.wait()
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderrText, "done\n")
        XCTAssertTrue(r.stdout.isEmpty)
        XCTAssertThrowsError(try ChildProcess(["true"], stdout: .stream, stderr: .stream))
    }

    func testAMissingProgramIsAnError() {
        XCTAssertThrowsError(try ChildProcess.run(["clarity-no-such-program"]))
    }
}
