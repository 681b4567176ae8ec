import Foundation
import Testing
@testable import CreditdKit

// The references and generators of JSONDifferentialTests and WriterDifferentialTests.

/// Values in one comparable form: numbers as doubles (-0 equal to 0), booleans, strings, null,
/// arrays, objects. Foundation's two decoders round some long numbers differently in the last
/// bit (JSONSerialization reads 7255052392098813845e14 one ulp off, JSONDecoder and Python agree);
/// no param is fractional, so numbers are equal within a few ulps.
indirect enum Canonical: Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([Canonical]), object([String: Canonical])
    case none

    static func == (a: Canonical, b: Canonical) -> Bool {
        switch (a, b) {
        case (.null, .null), (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || abs(x - y) <= 4 * max(x.ulp, y.ulp)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        case (.object(let x), .object(let y)): return x.keys.sorted() == y.keys.sorted() && x.keys.allSatisfy { x[$0]! == y[$0]! }
        default: return false
        }
    }

    var description: String { "\(self)" }

    static func of(_ value: JSONValue?) -> Canonical {
        switch value {
        case nil: return .none
        case .null?: return .null
        case .bool(let flag)?: return .bool(flag)
        case .int(let number)?: return .number(Double(number))
        case .double(let number)?: return .number(number)
        case .string(let text)?: return .string(text)
        case .array(let elements)?: return .array(elements.map { of($0) })
        case .object(let members)?: return .object(members.mapValues { of($0) })
        }
    }

    static func of(foundation value: Any) -> Canonical {
        if value is NSNull { return .null }
        if let text = value as? String { return .string(text) }
        if let number = value as? NSNumber {
            if "\(type(of: number))".contains("Boolean") { return .bool(number.boolValue) }
            return .number(number.doubleValue)
        }
        if let elements = value as? [Any] { return .array(elements.map { of(foundation: $0) }) }
        if let members = value as? [String: Any] { return .object(members.mapValues { of(foundation: $0) }) }
        return .none
    }

    static func of(_ members: [ParamsScanner.Member]) -> Canonical {
        var object: [String: JSONValue] = [:]
        for member in members {
            switch member.value {
            case .string(let text): object[member.key] = .string(text)
            case .integer(let number): object[member.key] = .int(number)
            case .bool(let flag): object[member.key] = .bool(flag)
            case .null: object[member.key] = .null
            }
        }
        return of(JSONValue.object(object))
    }
}

/// Generated candidate texts: JSON values of every kind, with a defect now and then.
enum JSONCandidates {
    static func text(_ g: inout SplitMix64) -> String {
        var out = ""
        value(&g, depth: 0, into: &out)
        switch g.next(upTo: 12) {
        case 0: out += [" x", "]", ",", "{}", " 1", "\u{0}"][g.next(upTo: 6)]
        case 1: out = [" ", "\n", "\t", "\r\n ", "\u{A0}", "\u{FEFF}"][g.next(upTo: 6)] + out
        case 2: out += [" ", "\n", "\t ", "\r"][g.next(upTo: 4)]
        default: break
        }
        return out
    }

    static func value(_ g: inout SplitMix64, depth: Int, into out: inout String) {
        switch g.next(upTo: depth >= 4 ? 5 : 8) {
        case 0: out += ["null", "true", "false", "nul", "True", "NaN", "Infinity", "-Infinity", "undefined"][g.next(upTo: g.next(upTo: 6) == 0 ? 9 : 3)]
        case 1, 2: number(&g, into: &out)
        case 3, 4: string(&g, into: &out)
        case 5:
            out += "["
            let count = g.next(upTo: 4)
            for k in 0..<count {
                if k > 0 { out += g.next(upTo: 40) == 0 ? ",," : "," }
                space(&g, into: &out)
                value(&g, depth: depth + 1, into: &out)
            }
            if count > 0 || g.next(upTo: 20) == 0, g.next(upTo: 12) == 0 { out += "," }  // a trailing comma
            out += "]"
        default:
            out += "{"
            let count = g.next(upTo: 4)
            var keys: [String] = []
            for k in 0..<count {
                if k > 0 { out += "," }
                space(&g, into: &out)
                let key: String
                if !keys.isEmpty, g.next(upTo: 10) == 0 {
                    key = keys[g.next(upTo: keys.count)]  // a duplicate name
                } else if g.next(upTo: 20) == 0 {
                    out += "k\(k):"  // an unquoted name
                    value(&g, depth: depth + 1, into: &out)
                    continue
                } else {
                    var text = ""
                    string(&g, into: &text)
                    key = text
                }
                keys.append(key)
                out += key
                space(&g, into: &out)
                out += g.next(upTo: 50) == 0 ? "=" : ":"
                space(&g, into: &out)
                value(&g, depth: depth + 1, into: &out)
            }
            if count > 0, g.next(upTo: 12) == 0 { out += "," }  // a trailing comma
            out += "}"
        }
    }

    static func space(_ g: inout SplitMix64, into out: inout String) {
        if g.next(upTo: 4) == 0 { out += [" ", "\n", "\t", "\r", "  \n"][g.next(upTo: 5)] }
    }

    static func number(_ g: inout SplitMix64, into out: inout String) {
        let special = ["0", "-0", "01", "-01", "1.", ".5", "1e", "1e+", "+1", "0x1F", "1.5e3", "-2.5E-3", "1e400", "-1e400",
                       "1e-400", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                       "123456789012345678901234567890", "0.1000000000000000055511151231257827", "1E2", "-", "00", "0.0e0"]
        if g.next(upTo: 3) == 0 {
            out += special[g.next(upTo: special.count)]
        } else {
            let magnitude = g.next(upTo: 4) == 0 ? Int64(bitPattern: g.raw()) : Int64(g.next(upTo: 100_000)) - 50_000
            out += String(magnitude)
            if g.next(upTo: 5) == 0 { out += "." + String(g.next(upTo: 1000)) }
            if g.next(upTo: 8) == 0 { out += ["e", "E", "e+", "e-"][g.next(upTo: 4)] + String(g.next(upTo: 30)) }
        }
    }

    /// A string with every escape class, raw Unicode, and sometimes a defect.
    static func string(_ g: inout SplitMix64, into out: inout String) {
        let pieces = ["a", "Z", "0", " ", "é", "漢", "😀", "\u{7F}", "\u{85}", "\u{2028}", "\u{202E}", "e\u{301}",
                      "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u0000", "\\u001F",
                      "\\uD83D\\uDE00", "\\ud83d\\ude00", "\\u2028"]
        let defects = ["\\ud800", "\\udc00", "\\udc00\\ud800", "\\ud800\\u0041", "\\x", "\\u12", "\\U0041", "\u{1}", "\t",
                       "\n", "\\", "\\'"]
        out += "\""
        for _ in 0..<g.next(upTo: 6) {
            out += g.next(upTo: 25) == 0 ? defects[g.next(upTo: defects.count)] : pieces[g.next(upTo: pieces.count)]
        }
        if g.next(upTo: 60) != 0 { out += "\"" }
    }
}

/// A deterministic generator (SplitMix64) driven by the property test's seeds.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func raw() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upTo bound: Int) -> Int { Int(raw() % UInt64(bound)) }
}

/// Python 3's `json` module (json_reference.py) as a long-running strict RFC 8259 oracle.
final class PythonJSONReference {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered: [UInt8] = []

    init() throws {
        let python = "/usr/bin/python3"
        try #require(FileManager.default.isExecutableFile(atPath: python), "python3 is not installed")
        process.executableURL = URL(fileURLWithPath: python)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("json_reference.py")
        process.arguments = ["-u", script.path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// "ok", "dup" or "no" for one candidate text.
    func verdict(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined() + "\n"
        input.fileHandleForWriting.write(Data(hex.utf8))
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { return "python exited" }
            buffered += chunk
        }
    }
}
