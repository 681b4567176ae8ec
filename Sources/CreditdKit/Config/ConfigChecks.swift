import CreditProtocol
import TOMLKit

/// Checks on a config file as a whole, beyond its keys: what would make it silently useless.
enum ConfigChecks {
    /// A NUL byte, which the TOML parser (C++, NUL-terminated strings) takes for the end of the
    /// file: everything after it would be ignored without a word (a file starting with one is an
    /// empty config that locks every caller out).
    static func nulByte(in text: String) -> ConfigProblem? {
        guard let index = text.utf8.firstIndex(of: 0) else { return nil }
        let line = text.utf8[..<index].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        return ConfigProblem(line: line, message: "the file contains a NUL byte (the rest of the file would be ignored)")
    }

    /// A file with no settings at all: almost always a truncated or wrongly copied file.
    static func emptiness(of root: TOMLTable) -> ConfigProblem? {
        guard root.keys.isEmpty else { return nil }
        return ConfigProblem(message: "the file sets nothing: with no [access] nobody could use creditd "
            + "(delete the file to run on the embedded default, or see systemd/creditd.toml)")
    }

    /// Whether some user or group holds `owner` (or a role of its own with every permission):
    /// without one nobody can take backups or administer the daemon, and a reload that drops the
    /// last owner would lock the studio out of its own ledger until someone edits the file as root.
    static func ownerless(_ access: AccessPolicy, _ reader: inout ConfigReader) {
        let everything = Set(Permission.allCases)
        let granted = Set(access.users.values.joined()).union(access.groups.values.joined())
        guard !granted.contains(where: { access.roles[$0]?.isSuperset(of: everything) ?? false }) else { return }
        reader.fail("access", section: nil, "no user or group is mapped to owner: nobody could take backups or "
            + "administer creditd (add e.g. owner = [\"root\"] under [access])")
    }
}
