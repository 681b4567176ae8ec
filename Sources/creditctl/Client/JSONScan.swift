import Foundation

/// A minimal JSON scanner that finds the byte ranges of values without decoding them.
///
/// `--json` must print the daemon's result exactly as sent, so replies are split into their
/// members by range rather than parsed and re-serialised (which would reorder keys).
enum JSONScan {
    struct Malformed: Error {}

    static func skipSpace(_ b: [UInt8], _ i: Int) -> Int {
        var i = i
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }

    /// The index just past the value that starts at `i` (after any leading space).
    static func valueEnd(_ b: [UInt8], _ i: Int) throws(Malformed) -> Int {
        var i = skipSpace(b, i)
        guard i < b.count else { throw Malformed() }
        switch b[i] {
        case UInt8(ascii: "\""):
            return try stringEnd(b, i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""): i = try stringEnd(b, i); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            throw Malformed()
        default:
            // A number, true, false or null: runs until a delimiter.
            let begin = i
            while i < b.count, !",}] \n\r\t".utf8.contains(b[i]) { i += 1 }
            guard i > begin else { throw Malformed() }
            return i
        }
    }

    /// The index just past the string whose opening quote is at `i`.
    static func stringEnd(_ b: [UInt8], _ i: Int) throws(Malformed) -> Int {
        var i = i + 1
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        throw Malformed()
    }

    /// The members of the object spanning `range`, each key decoded and each value as a range.
    static func members(_ b: [UInt8], _ range: Range<Int>) throws(Malformed) -> [(key: String, value: Range<Int>)] {
        var i = skipSpace(b, range.lowerBound)
        guard i < range.upperBound, b[i] == UInt8(ascii: "{") else { throw Malformed() }
        i = skipSpace(b, i + 1)
        var out: [(String, Range<Int>)] = []
        if i < range.upperBound, b[i] == UInt8(ascii: "}") { return out }
        while i < range.upperBound {
            guard b[i] == UInt8(ascii: "\"") else { throw Malformed() }
            let keyEnd = try stringEnd(b, i)
            let key = try decodeString(Array(b[i..<keyEnd]))
            i = skipSpace(b, keyEnd)
            guard i < range.upperBound, b[i] == UInt8(ascii: ":") else { throw Malformed() }
            let valueStart = skipSpace(b, i + 1)
            let valueEnd = try valueEnd(b, valueStart)
            out.append((key, valueStart..<valueEnd))
            i = skipSpace(b, valueEnd)
            guard i < range.upperBound else { throw Malformed() }
            if b[i] == UInt8(ascii: "}") { return out }
            guard b[i] == UInt8(ascii: ",") else { throw Malformed() }
            i = skipSpace(b, i + 1)
        }
        throw Malformed()
    }

    /// The elements of the array spanning `range`.
    static func elements(_ b: [UInt8], _ range: Range<Int>) throws(Malformed) -> [Range<Int>] {
        var i = skipSpace(b, range.lowerBound)
        guard i < range.upperBound, b[i] == UInt8(ascii: "[") else { throw Malformed() }
        i = skipSpace(b, i + 1)
        var out: [Range<Int>] = []
        if i < range.upperBound, b[i] == UInt8(ascii: "]") { return out }
        while i < range.upperBound {
            let end = try valueEnd(b, i)
            out.append(i..<end)
            i = skipSpace(b, end)
            guard i < range.upperBound else { throw Malformed() }
            if b[i] == UInt8(ascii: "]") { return out }
            guard b[i] == UInt8(ascii: ",") else { throw Malformed() }
            i = skipSpace(b, i + 1)
        }
        throw Malformed()
    }

    /// Decodes a quoted JSON string (escapes included).
    static func decodeString(_ quoted: [UInt8]) throws(Malformed) -> String {
        // The common case, no escapes, needs no JSON parser.
        if !quoted.contains(UInt8(ascii: "\\")), quoted.count >= 2 {
            return String(decoding: quoted[1..<(quoted.count - 1)], as: UTF8.self)
        }
        guard let value = try? JSONSerialization.jsonObject(with: Data(quoted), options: .fragmentsAllowed) as? String
        else { throw Malformed() }
        return value
    }
}
