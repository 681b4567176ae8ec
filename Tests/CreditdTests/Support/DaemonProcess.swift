import Foundation
import Glibc

/// The real `creditd` binary on the real SQLite ledger, started on a temporary directory, on a
/// test clock at `LedgerDaemon.clockStart` unless the arguments choose otherwise.
final class DaemonProcess {
    let directory: URL
    let socketPath: String
    let process: Process
    let logURL: URL

    /// Starts the daemon and waits until its socket accepts connections.
    /// `prepare` runs on the fresh directory before the daemon starts.
    /// `environment` (given the directory) is added to the daemon's; `launcher` is a command to run creditd through
    /// (e.g. systemd-socket-activate), given the socket path and returning the arguments before creditd's.
    /// `arguments` (given the directory) come last, so they override the defaults (the last option wins).
    /// `testClock` false runs it on the system clock (so does `--test-clock` in `extraArguments`, which then rules).
    init(config: String? = nil, extraArguments: [String] = [], testClock: Bool = true, waitUntilServing: Bool = true,
         launcher: ((String) -> [String])? = nil,
         environment extra: (URL) -> [String: String] = { _ in [:] },
         prepare: (URL) throws -> Void = { _ in },
         arguments extraForDirectory: (URL) -> [String] = { _ in [] }) throws {
        directory = try Self.makeTemporaryDirectory()
        try prepare(directory)
        socketPath = directory.appendingPathComponent("creditd.sock").path
        logURL = directory.appendingPathComponent("creditd.log")
        var arguments = ["--socket", socketPath, "--database", directory.appendingPathComponent("ledger.sqlite").path]
        if testClock && !extraArguments.contains("--test-clock") { arguments += ["--test-clock", LedgerDaemon.clockStart] }
        if let config {
            let configURL = directory.appendingPathComponent("creditd.toml")
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            arguments += ["--config", configURL.path]
        }
        process = Process()
        if let launcher {
            let prefix = launcher(socketPath)
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [try Self.binary().path] + arguments + extraArguments
                + extraForDirectory(directory)
        } else {
            process.executableURL = try Self.binary()
            process.arguments = arguments + extraArguments + extraForDirectory(directory)
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        // Never let the daemon talk to a real service manager from a test run.
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "WATCHDOG_USEC", "CONFIGURATION_DIRECTORY"] {
            environment[key] = nil
        }
        // Debug logging lets tests wait on what the daemon did instead of sleeping.
        environment["CREDITD_LOG_LEVEL"] = "debug"
        environment.merge(extra(directory)) { $1 }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardError = log
        process.standardOutput = log
        try process.run()
        if waitUntilServing { try waitForSocket() }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The daemon's stderr so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func connect() throws -> LineClient { try LineClient(path: socketPath) }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(30)) throws -> Int32 {
        try Self.waitUntil(timeout: timeout, "creditd to exit") { !self.process.isRunning }
        return process.terminationStatus
    }

    /// Polls `condition` until true or the deadline passes.
    static func waitUntil(timeout: Duration = .seconds(30), _ what: String, _ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for \(what)") }
            usleep(10_000)
        }
    }

    private func waitForSocket() throws {
        try Self.waitUntil(timeout: .seconds(60), "the socket at \(socketPath)") {
            guard process.isRunning else { return true }
            return (try? LineClient(path: socketPath)) != nil
        }
        guard process.isRunning else { throw TestFailure("creditd exited: \(log)") }
    }

    /// The built binary: $CREDITD_BINARY, else next to the test bundle, else .build/debug.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["CREDITD_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("creditd"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("creditd"))
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("creditd"))
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/creditd"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw TestFailure("creditd binary not found (looked at \(candidates.map(\.path)))")
    }

    static func makeTemporaryDirectory() throws -> URL {
        var template = Array("/tmp/creditd-test-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return URL(fileURLWithPath: String(cString: path))
    }
}
