import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to the standard streams. Swift 6 forbids the C `stdout`/`stderr` globals, so this
/// goes through file descriptors, buffering so large exports do not make a syscall per line.
public final class Sink {
    private let fd: Int32
    private let closeOnFinish: Bool
    /// For file sinks: the file being written and the name it gets when complete.
    private let rename: (from: String, to: String)?
    private var buffer: [UInt8] = []

    /// A sink writing to an open descriptor.
    public init(fd: Int32, closeOnFinish: Bool = false) {
        self.fd = fd
        self.closeOnFinish = closeOnFinish
        self.rename = nil
        buffer.reserveCapacity(1 << 16)
    }

    private init(fd: Int32, rename: (from: String, to: String)) {
        self.fd = fd
        self.closeOnFinish = true
        self.rename = rename
        buffer.reserveCapacity(1 << 16)
    }

    /// A sink for `path`. It writes `path.partial` and renames it on `finish()`, so an export
    /// that fails half way never leaves a file that looks complete.
    public static func file(_ path: String) throws -> Sink {
        let partial = path + ".partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CtlError.badInput("cannot write \(partial): \(String(cString: strerror(errno)))") }
        return Sink(fd: fd, rename: (partial, path))
    }

    /// Appends text.
    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            // stdout closed (e.g. `| head`): nothing more can be said, so stop quietly.
            if n <= 0 { break }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes a file sink, giving it its final name.
    public func finish() throws {
        flush()
        guard closeOnFinish else { return }
        let failed = fsync(fd) != 0
        close(fd)
        guard let rename else { return }
        if failed || Foundation.rename(rename.from, rename.to) != 0 {
            throw CtlError.badInput("cannot write \(rename.to): \(String(cString: strerror(errno)))")
        }
    }
}

/// The process's standard output and error.
enum Console {
    /// Standard output, buffered; flushed at exit by `Creditctl.main`.
    nonisolated(unsafe) static let out = Sink(fd: 1)

    /// Writes a line to standard error at once.
    static func error(_ text: String) {
        out.flush()
        let line = text.hasSuffix("\n") ? text : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Whether standard error is a terminal (progress bars go there).
    static var stderrIsTTY: Bool { isatty(2) == 1 }
}

/// The single place results are printed: the daemon's raw result for `--json`, else a human form.
struct Output {
    /// Print raw JSON results instead of tables.
    let json: Bool

    /// Prints `raw` exactly as the daemon sent it with `--json`, else `human()`.
    func emit(raw: [UInt8], human: () -> String) {
        if json {
            Console.out.write(raw)
            Console.out.write("\n")
        } else {
            let text = human()
            Console.out.write(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
        }
    }
}
