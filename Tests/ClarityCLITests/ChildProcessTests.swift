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

    func testAMissingProgramIsAnError() {
        XCTAssertThrowsError(try ChildProcess.run(["clarity-no-such-program"]))
    }
}
