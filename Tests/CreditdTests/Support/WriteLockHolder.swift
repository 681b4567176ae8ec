import Foundation

/// Another process (python3's sqlite3) holding a SQLite database's write lock (`BEGIN IMMEDIATE`)
/// until `release()`: anything in creditd that writes waits for it, as it would for a stuck peer.
final class WriteLockHolder {
    private let process = Process()
    private let input = Pipe()

    init(database: String) throws {
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        guard FileManager.default.isExecutableFile(atPath: python.path) else { throw TestFailure("python3 is not installed") }
        let script = """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            connection.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            """
        let output = Pipe()
        process.executableURL = python
        process.arguments = ["-c", script, database]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("locked") else { throw TestFailure("the lock holder did not lock: \(line)") }
    }

    /// Ends the holder (closing its connection releases the lock) and waits for it to exit.
    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { release() }
    }
}
