import Foundation

/// Where creditctl looks for the daemon's socket.
public enum SocketPath {
    /// The socket of a daemon started by systemd (`creditd.socket`).
    public static let systemPath = "/run/creditd/creditd.sock"
    /// The socket of a daemon started by hand in the current directory (its embedded default).
    public static let localPath = "./.creditd/creditd.sock"

    /// Resolves the socket: `--socket`, then `$CREDITD_SOCKET`, then `./.creditd/creditd.sock`
    /// when it exists, else `/run/creditd/creditd.sock`.
    ///
    /// - Parameters:
    ///   - option: the `--socket` value, if given.
    ///   - environment: the process environment.
    ///   - exists: whether a path exists (injected so tests need no files).
    public static func resolve(option: String?, environment: [String: String],
                               exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["CREDITD_SOCKET"], !env.isEmpty { return env }
        // A developer's daemon in this directory wins over the system one, as the daemon itself
        // defaults to ./.creditd when systemd gives it no runtime directory.
        return exists(localPath) ? localPath : systemPath
    }

    /// How to start the daemon so that it listens on `path`, for the "not running" message.
    static func startHint(for path: String) -> String {
        if path == systemPath { return "sudo systemctl start creditd.socket" }
        if path == localPath { return "creditd (in this directory)" }
        return "creditd --socket \(path)"
    }
}
