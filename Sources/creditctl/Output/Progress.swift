import Foundation

/// A progress bar on standard error, drawn only when it is a terminal so logs and pipes stay clean.
final class Progress {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private var lastDrawn = -1
    private var lastTime = Date.distantPast

    /// A bar for `total` steps; `enabled` defaults to whether stderr is a TTY.
    init(total: Int, label: String, enabled: Bool = Console.stderrIsTTY) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
    }

    /// Redraws at most every 100 ms, and on the last step.
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastTime) >= 0.1, done != lastDrawn else { return }
        lastTime = now
        lastDrawn = done
        FileHandle.standardError.write(Data(Progress.bar(done: done, total: total, label: label).utf8))
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled, lastDrawn >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// `\r<label> [#####.....]  50% 5/10`.
    static func bar(done: Int, total: Int, label: String, width: Int = 30) -> String {
        let fraction = Double(min(done, total)) / Double(max(total, 1))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = String(Int(fraction * 100))
        return "\r\(label) [\(bar)] \(String(repeating: " ", count: 3 - percent.count))\(percent)% \(done)/\(total)"
    }
}
