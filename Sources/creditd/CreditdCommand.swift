import ArgumentParser
import Foundation
import CreditdKit

/// `creditd`: the session-credit ledger daemon.
@main
struct CreditdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditd",
        abstract: "Session-credit ledger daemon for fitness studios.",
        discussion: """
            Serves JSON-RPC 2.0 (one JSON object per line) on a Unix socket: the socket systemd \
            passes, else --socket, else the config's [daemon] socket. Config: --config, else \
            $CONFIGURATION_DIRECTORY/creditd.toml, else /etc/creditd/creditd.toml, else a built-in \
            default that makes the invoking user owner.
            """,
        version: creditdVersion)

    @Option(help: ArgumentHelp("Config file (TOML).", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("Unix socket path to serve, overriding the config.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("SQLite database path, overriding the config.", valueName: "path"))
    var database: String?

    @Option(name: .customLong("test-clock"), help: ArgumentHelp("Run on a test clock starting at this RFC 3339 instant (never in production).", valueName: "rfc3339"))
    var testClock: String?

    @Flag(name: .customLong("check-config"), help: "Validate the config, report what is wrong, and exit 0 (valid) or 1.")
    var checkConfig = false

    func validate() throws {
        if let testClock, Self.parseInstant(testClock) == nil {
            throw ValidationError("--test-clock must be an RFC 3339 instant such as 2026-01-31T09:00:00Z")
        }
    }

    func run() throws {
        let status = launchDaemon(LaunchRequest(
            config: config, socket: socket, database: database, testClock: testClock.flatMap(Self.parseInstant),
            checkConfig: checkConfig))
        if status != 0 { throw ExitCode(status) }
    }

    static func parseInstant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
