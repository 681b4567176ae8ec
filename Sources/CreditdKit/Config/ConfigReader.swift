import Foundation
import TOMLKit

/// Typed access to TOML tables that records problems with approximate line numbers.
///
/// TOMLKit reports positions only for syntax errors, so for semantic problems the line is
/// found by looking for the key (or table header) in the source text.
struct ConfigReader {
    private let lines: [Substring]
    private(set) var problems: [ConfigProblem] = []

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    mutating func fail(_ key: String, section: String?, _ message: String) {
        problems.append(ConfigProblem(line: line(of: key, in: section), message: message))
    }

    mutating func checkKeys(_ table: TOMLTable, allowed: Set<String>, section: String?) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let place = section.map { "[\($0)]" } ?? "top level"
            let known = allowed.sorted().joined(separator: ", ")
            fail(key, section: section, "unknown key \"\(key)\" in \(place) (known: \(known))")
        }
    }

    mutating func table(_ table: TOMLTable, _ key: String, section: String?) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let result = value.table else {
            fail(key, section: section, "\(key) must be a table")
            return nil
        }
        return result
    }

    mutating func string(_ table: TOMLTable, _ key: String, section: String) -> String? {
        guard let value = table[key] else { return nil }
        guard let result = value.string else {
            fail(key, section: section, "[\(section)] \(key) must be a string")
            return nil
        }
        return result
    }

    mutating func int(_ table: TOMLTable, _ key: String, section: String) -> Int? {
        guard let value = table[key] else { return nil }
        guard let result = value.int else {
            fail(key, section: section, "[\(section)] \(key) must be an integer")
            return nil
        }
        return result
    }

    mutating func strings(_ table: TOMLTable, _ key: String, section: String) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            fail(key, section: section, "[\(section)] \(key) must be a list of strings")
            return nil
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string else {
                fail(key, section: section, "[\(section)] \(key) must contain only strings")
                return nil
            }
            result.append(text)
        }
        return result
    }

    /// The 1-based line where `key` is set (or its table starts) within `section`, if found.
    private func line(of key: String, in section: String?) -> Int? {
        var current: String?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let header = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                current = header
                let full = section.map { "\($0).\(key)" } ?? key
                if header == full { return index + 1 }
                continue
            }
            guard current == section else { continue }
            if let equals = line.firstIndex(of: "="),
               line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) == key {
                return index + 1
            }
        }
        return nil
    }
}
