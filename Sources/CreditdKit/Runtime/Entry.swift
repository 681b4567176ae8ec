import Dispatch
import Foundation
import Glibc
import Logging

/// What `creditd`'s command line asks for.
package struct LaunchRequest: Sendable {
    package var config: String?
    package var socket: String?
    package var database: String?
    package var testClock: Date?
    package var checkConfig: Bool

    package init(config: String?, socket: String?, database: String?, testClock: Date?, checkConfig: Bool) {
        self.config = config
        self.socket = socket
        self.database = database
        self.testClock = testClock
        self.checkConfig = checkConfig
    }
}

/// The daemon's entry point: loads the config, then serves until SIGTERM. Never returns when
/// serving; returns the exit status for `--check-config` and for an invalid config.
package func launchDaemon(_ request: LaunchRequest) -> Int32 {
    let level = ProcessInfo.processInfo.environment["CREDITD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { StderrLogHandler(label: $0, level: level) }
    let logger = Logger(label: "creditd")
    let environment = ProcessInfo.processInfo.environment
    let options = DaemonOptions(
        configLocation: ConfigLocation.resolve(explicit: request.config, environment: environment),
        socketOverride: request.socket, databaseOverride: request.database,
        testClock: request.testClock)
    let defaults = ConfigDefaults.current(environment: environment)
    let loaded: DaemonConfig
    do {
        loaded = try options.load(defaults: defaults)
    } catch {
        if request.checkConfig { print(error.description) } else { logger.error("invalid config:\n\(error.description)") }
        return 1
    }
    if request.checkConfig {
        print("\(loaded.sourcePath ?? "embedded default"): ok")
        return 0
    }
    let daemon = Daemon(options: options, config: loaded, logger: logger)
    let signals = SignalHandlers.install(daemon: daemon, defaults: defaults)
    // Start-up runs here on the main thread, blocking on NIO futures; no Swift concurrency
    // anywhere (see `Dispatcher` for why an idle daemon must never touch it).
    do {
        try daemon.start()
    } catch {
        logger.error("cannot start: \(error)")
        Systemd.status("failed to start: \(error)")
        return 1
    }
    withExtendedLifetime(signals) { dispatchMain() }
}

/// The daemon's version, for `--version`.
package let creditdVersion = Daemon.version
