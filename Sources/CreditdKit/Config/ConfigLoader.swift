import CreditProtocol
import Foundation
import TOMLKit

/// One thing wrong with a config file, with the line when it can be told.
struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    var line: Int?
    var message: String

    var description: String { line.map { "line \($0): \(message)" } ?? message }
}

/// A config that cannot be used, with every problem found.
struct ConfigError: Error, Sendable, CustomStringConvertible {
    var path: String?
    var problems: [ConfigProblem]

    var description: String {
        let prefix = path.map { "\($0): " } ?? ""
        return problems.map { prefix + $0.description }.joined(separator: "\n")
    }
}

/// Where the config comes from: a file, or the embedded default.
enum ConfigLocation: Sendable, Equatable {
    case file(String)
    case embedded

    /// `--config PATH`, else `$CONFIGURATION_DIRECTORY/creditd.toml`, else
    /// `/etc/creditd/creditd.toml`, else the embedded default. Only an explicit path must exist.
    static func resolve(explicit: String?, environment: [String: String]) -> ConfigLocation {
        if let explicit { return .file(explicit) }
        var candidates: [String] = []
        if let dir = environment["CONFIGURATION_DIRECTORY"]?.split(separator: ":").first {
            candidates.append(String(dir) + "/creditd.toml")
        }
        candidates.append("/etc/creditd/creditd.toml")
        for path in candidates where FileManager.default.fileExists(atPath: path) { return .file(path) }
        return .embedded
    }
}

/// Reads and validates configuration. Unknown keys are errors, so typos never pass silently.
enum ConfigLoader {
    static func load(_ location: ConfigLocation, defaults: ConfigDefaults) throws(ConfigError) -> DaemonConfig {
        switch location {
        case .embedded:
            return defaults.embeddedConfig
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(path: path, problems: [ConfigProblem(message: "cannot read the file")])
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(path: path, problems: [ConfigProblem(message: "the file is not UTF-8")])
            }
            return try parse(text, path: path, defaults: defaults)
        }
    }

    static func parse(_ text: String, path: String?, defaults: ConfigDefaults) throws(ConfigError) -> DaemonConfig {
        if let problem = ConfigChecks.nulByte(in: text) { throw ConfigError(path: path, problems: [problem]) }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(path: path, problems: [ConfigProblem(line: error.source.begin.line, message: error.description)])
        } catch {
            throw ConfigError(path: path, problems: [ConfigProblem(message: "\(error)")])
        }
        if let problem = ConfigChecks.emptiness(of: root) { throw ConfigError(path: path, problems: [problem]) }
        var reader = ConfigReader(text: text)
        var config = defaults.embeddedConfig
        config.sourcePath = path
        config.access.users = [:]
        reader.checkKeys(root, allowed: ["studio", "daemon", "access", "roles", "metrics"], section: nil)
        if let studio = reader.table(root, "studio", section: nil) { readStudio(studio, into: &config, &reader) }
        if let daemon = reader.table(root, "daemon", section: nil) { readDaemon(daemon, into: &config, &reader) }
        if let metrics = reader.table(root, "metrics", section: nil) { readMetrics(metrics, into: &config, &reader) }
        if let roles = reader.table(root, "roles", section: nil) { readRoles(roles, into: &config.access, &reader) }
        if let access = reader.table(root, "access", section: nil) { readAccess(access, into: &config.access, &reader) }
        if reader.problems.isEmpty { ConfigChecks.ownerless(config.access, &reader) }
        if !reader.problems.isEmpty { throw ConfigError(path: path, problems: reader.problems) }
        return config
    }

    private static func readStudio(_ table: TOMLTable, into config: inout DaemonConfig, _ reader: inout ConfigReader) {
        reader.checkKeys(table, allowed: ["time_zone", "currency"], section: "studio")
        if let zone = reader.string(table, "time_zone", section: "studio") {
            if TimeZone(identifier: zone) == nil {
                reader.fail("time_zone", section: "studio", "unknown time zone \"\(zone)\" (use an IANA name such as Europe/Berlin)")
            } else {
                config.studio.timeZone = zone
                config.studio.namesTimeZone = true
            }
        }
        if let currency = reader.string(table, "currency", section: "studio") {
            if currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                config.studio.currency = currency
            } else {
                reader.fail("currency", section: "studio", "currency must be an ISO 4217 code such as EUR")
            }
        }
    }

    private static func readDaemon(_ table: TOMLTable, into config: inout DaemonConfig, _ reader: inout ConfigReader) {
        reader.checkKeys(table, allowed: ["socket", "database", "idempotency_retention_days"], section: "daemon")
        if let socket = reader.string(table, "socket", section: "daemon") {
            if socket.isEmpty { reader.fail("socket", section: "daemon", "socket must not be empty") }
            // sockaddr_un holds 108 bytes including the terminating NUL.
            else if socket.utf8.count > 107 { reader.fail("socket", section: "daemon", "socket path longer than 107 bytes") }
            else { config.socketPath = socket }
        }
        if let database = reader.string(table, "database", section: "daemon") {
            if database.isEmpty { reader.fail("database", section: "daemon", "database must not be empty") }
            else { config.databasePath = database }
        }
        if let days = reader.int(table, "idempotency_retention_days", section: "daemon") {
            if (1...3650).contains(days) { config.idempotencyRetentionDays = days }
            else { reader.fail("idempotency_retention_days", section: "daemon", "idempotency_retention_days must be 1...3650") }
        }
    }

    private static func readRoles(_ table: TOMLTable, into access: inout AccessPolicy, _ reader: inout ConfigReader) {
        for name in table.keys.sorted() {
            let section = "roles.\(name)"
            guard isValidRoleName(name) else {
                reader.fail(name, section: "roles", "role name \"\(name)\" must be lower-case letters, digits, '_' or '-'")
                continue
            }
            guard let role = reader.table(table, name, section: "roles") else { continue }
            reader.checkKeys(role, allowed: ["permissions"], section: section)
            guard let list = reader.strings(role, "permissions", section: section) else {
                reader.fail(name, section: "roles", "role \(name) needs a permissions list")
                continue
            }
            var permissions = Set<Permission>()
            for item in list {
                if let permission = Permission(rawValue: item) { permissions.insert(permission) }
                else {
                    let known = Permission.allCases.map(\.rawValue).joined(separator: ", ")
                    reader.fail("permissions", section: section, "unknown permission \"\(item)\" (known: \(known))")
                }
            }
            access.roles[name] = permissions
        }
    }

    private static func readAccess(_ table: TOMLTable, into access: inout AccessPolicy, _ reader: inout ConfigReader) {
        var roleOfUser: [String: String] = [:]
        for role in table.keys.sorted() {
            guard access.roles[role] != nil else {
                reader.fail(role, section: "access", "unknown role \"\(role)\" (define it under [roles.\(role)])")
                continue
            }
            guard let members = reader.strings(table, role, section: "access") else { continue }
            for member in members {
                if member.hasPrefix("@") {
                    let group = String(member.dropFirst())
                    if group.isEmpty { reader.fail(role, section: "access", "empty group name in \(role)"); continue }
                    access.groups[group, default: []].append(role)
                } else if member.isEmpty {
                    reader.fail(role, section: "access", "empty user name in \(role)")
                } else if let other = roleOfUser[member] {
                    // A user with two roles is almost always a mistake; say so instead of guessing.
                    reader.fail(role, section: "access", "user \"\(member)\" is listed under both \(other) and \(role)")
                } else {
                    roleOfUser[member] = role
                    access.users[member] = [role]
                }
            }
        }
    }

    static func isValidRoleName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}
