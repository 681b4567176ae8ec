import CreditProtocol
import Foundation

/// Studio-wide settings (`[studio]`).
struct StudioSettings: Sendable, Equatable {
    /// IANA time zone for local dates and cycle boundaries.
    var timeZone: String
    /// ISO 4217 currency of package prices.
    var currency: String
    /// Whether the config file names `time_zone`. Only a named zone is held against an existing
    /// ledger's (a mismatch stops the start); the system's zone, used when none is named, only
    /// seeds a new database, so moving the server to another zone never stops the daemon.
    var namesTimeZone = false
}

/// The daemon's whole configuration, as read from TOML or the embedded default.
struct DaemonConfig: Sendable, Equatable {
    var studio: StudioSettings
    /// Path of the Unix socket to bind when systemd passes none.
    var socketPath: String
    /// Path of the SQLite database.
    var databasePath: String
    /// Days an idempotency key is kept.
    var idempotencyRetentionDays: Int
    var access: AccessPolicy
    /// `[metrics] listen`: where to serve GET /metrics over HTTP (loopback only); nil: not served.
    var metricsListen: MetricsListenAddress? = nil
    /// The file it came from; nil for the embedded default.
    var sourcePath: String?
}

/// Values used where the config file says nothing, derived from the environment.
struct ConfigDefaults: Sendable {
    var timeZone: String
    var socketPath: String
    var databasePath: String
    var currency = "EUR"
    /// The user that becomes owner in the embedded default.
    var invokingUser: String

    /// Defaults for this process: systemd's directories when set, else `./.creditd/`;
    /// the time zone from TZ, then /etc/localtime, then UTC.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> ConfigDefaults {
        let local = FileManager.default.currentDirectoryPath + "/.creditd"
        // systemd may list several directories separated by ':'; the first is ours.
        let state = environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? local
        let runtime = environment["RUNTIME_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? local
        return ConfigDefaults(
            timeZone: systemTimeZone(environment: environment),
            socketPath: runtime + "/creditd.sock",
            databasePath: state + "/ledger.sqlite",
            invokingUser: UserDatabase.userName(uid: getuid()))
    }

    /// The embedded default configuration: the invoking user is owner.
    var embeddedConfig: DaemonConfig {
        var access = AccessPolicy(roles: AccessPolicy.defaultRoles, users: [:], groups: [:])
        access.users[invokingUser] = ["owner"]
        return DaemonConfig(
            studio: StudioSettings(timeZone: timeZone, currency: currency),
            socketPath: socketPath, databasePath: databasePath,
            idempotencyRetentionDays: Limits.idempotencyRetentionDaysDefault, access: access, sourcePath: nil)
    }

    static func systemTimeZone(environment: [String: String]) -> String {
        if var tz = environment["TZ"], !tz.isEmpty {
            if tz.hasPrefix(":") { tz.removeFirst() }
            if let range = tz.range(of: "zoneinfo/") { tz = String(tz[range.upperBound...]) }
            if TimeZone(identifier: tz) != nil { return tz }
        }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/etc/localtime"),
           let range = target.range(of: "zoneinfo/") {
            let name = String(target[range.upperBound...])
            if TimeZone(identifier: name) != nil { return name }
        }
        return "UTC"
    }
}
