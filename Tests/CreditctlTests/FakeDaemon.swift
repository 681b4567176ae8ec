import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny stand-in for creditd: a Unix socket server thread answering canned JSON-RPC, so the
/// creditctl binary can be run end to end before the real daemon exists.
final class FakeDaemon: @unchecked Sendable {
    /// What the handler answers: a result object's JSON text, or an error.
    enum Reply {
        case result(String)
        case error(code: Int, message: String, reason: String, extra: String = "")
    }

    let path: String
    private let listener: Int32
    private let handler: @Sendable (String, [String: Any]) -> Reply
    private let lock = NSLock()
    private var requests: [(method: String, params: [String: Any])] = []

    /// Starts listening on a fresh socket path.
    init(handler: @escaping @Sendable (_ method: String, _ params: [String: Any]) -> Reply) throws {
        path = NSTemporaryDirectory() + "fake-creditd-\(UUID().uuidString.prefix(8)).sock"
        self.handler = handler
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The (method, params) of every call received so far, in order.
    var received: [(method: String, params: [String: Any])] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    /// Stops listening and removes the socket file.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            buffer += chunk[0..<n]
            while let newline = buffer.firstIndex(of: 10) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                var reply = Array(answer(line).utf8)
                reply.append(10)
                var offset = 0
                while offset < reply.count {
                    let written = reply.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    private func answer(_ line: Data) -> String {
        let json = try? JSONSerialization.jsonObject(with: line)
        if let batch = json as? [[String: Any]] {
            return "[" + batch.map(answerOne).joined(separator: ",") + "]"
        }
        return answerOne(json as? [String: Any] ?? [:])
    }

    private func answerOne(_ request: [String: Any]) -> String {
        let method = request["method"] as? String ?? ""
        let params = request["params"] as? [String: Any] ?? [:]
        let id = request["id"].map { "\($0)" } ?? "null"
        lock.lock()
        requests.append((method, params))
        lock.unlock()
        switch handler(method, params) {
        case .result(let text):
            return #"{"jsonrpc":"2.0","id":\#(id),"result":\#(text)}"#
        case .error(let code, let message, let reason, let extra):
            return #"{"jsonrpc":"2.0","id":\#(id),"error":{"code":\#(code),"message":"\#(message)","data":{"reason":"\#(reason)"\#(extra)}}}"#
        }
    }
}

/// Runs the built creditctl binary and captures what it prints.
struct CtlRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The creditctl binary beside the test bundle in `.build/<config>/`.
    static var binary: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On Linux the runner may live inside `creditdPackageTests.xctest` or beside it.
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("creditctl")
    }

    /// Runs `creditctl args` with the extra environment and optional stdin file.
    static func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> CtlRun {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CREDITD_SOCKET")
        environment.removeValue(forKey: "CREDITD_STAFF")
        for (key, value) in env { environment[key] = value }
        process.environment = environment
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        // Files, not pipes: a large stderr (every bad import line) cannot block the child.
        let outURL = URL(fileURLWithPath: NSTemporaryDirectory() + "ctl-out-\(UUID().uuidString)")
        let errURL = URL(fileURLWithPath: NSTemporaryDirectory() + "ctl-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        return CtlRun(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
