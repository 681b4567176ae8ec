import ArgumentParser
import Dispatch
import Foundation
import Glibc
import Logging

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
        version: Daemon.version)

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

    @Flag(name: .customLong("fake-backend"), help: .hidden)
    var fakeBackend = false

    func validate() throws {
        if let testClock, Self.parseInstant(testClock) == nil {
            throw ValidationError("--test-clock must be an RFC 3339 instant such as 2026-01-31T09:00:00Z")
        }
    }

    func run() throws {
        let level = ProcessInfo.processInfo.environment["CREDITD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { StderrLogHandler(label: $0, level: level) }
        let logger = Logger(label: "creditd")
        let environment = ProcessInfo.processInfo.environment
        let options = DaemonOptions(
            configLocation: ConfigLocation.resolve(explicit: config, environment: environment),
            socketOverride: socket, databaseOverride: database,
            testClock: testClock.flatMap(Self.parseInstant), fakeBackend: fakeBackend)
        let defaults = ConfigDefaults.current(environment: environment)
        let loaded: DaemonConfig
        do {
            loaded = try options.load(defaults: defaults)
        } catch {
            if checkConfig { print(error.description) } else { logger.error("invalid config:\n\(error.description)") }
            throw ExitCode.failure
        }
        if checkConfig {
            print("\(loaded.sourcePath ?? "embedded default"): ok")
            return
        }
        let daemon = Daemon(options: options, config: loaded, logger: logger)
        let signals = SignalHandlers.install(daemon: daemon, defaults: defaults)
        Task {
            do {
                try await daemon.start()
            } catch {
                logger.error("cannot start: \(error)")
                Systemd.status("failed to start: \(error)")
                Glibc.exit(1)
            }
        }
        withExtendedLifetime(signals) { dispatchMain() }
    }

    static func parseInstant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
