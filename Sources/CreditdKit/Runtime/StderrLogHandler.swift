import Foundation
import Glibc
import Logging

/// Writes log lines to stderr with sd-daemon priority prefixes (`<3>` error ... `<7>` debug),
/// which journald turns into priorities; on a terminal they are harmless.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func prefix(for level: Logger.Level) -> String {
        switch level {
        case .critical: return "<2>"
        case .error: return "<3>"
        case .warning: return "<4>"
        case .notice: return "<5>"
        case .info: return "<6>"
        case .debug, .trace: return "<7>"
        }
    }

    func log(event: LogEvent) {
        var all = self.metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let prefix = Self.prefix(for: event.level)
        // Every physical line carries the priority, since journald splits at newlines.
        var line = prefix + event.message.description.replacingOccurrences(of: "\n", with: "\n" + prefix)
        if !all.isEmpty {
            line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        // One write(2) per line, so concurrent lines never interleave mid-line.
        line.append("\n")
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { if errno == EINTR { continue }; return }
            offset += written
        }
    }
}
