import Foundation
import Testing

/// An independent client (python3's stdlib `socket` and `json`) against the real daemon.
@Suite struct PythonClientTests {
    @Test func pythonStdlibClientConversation() throws {
        // Given a running daemon and python3
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "python3 is not installed")
        let daemon = try DaemonProcess()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("client.py")
        // When the Python client runs its conversation
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, daemon.socketPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Then every reply was as it expected
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("ok"))
    }
}
