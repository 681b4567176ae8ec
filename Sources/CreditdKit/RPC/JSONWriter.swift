import Foundation

/// Writes a `JSONValue` as JSON text, byte for byte as `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` does, without the encoder's containers and boxes: every error reply,
/// echoed id and re-encoded params goes through here, and the generic encoder cost more than the
/// rest of a bad line's handling (and a third of each fuzzer execution).
///
/// Same output: keys in UTF-8 byte order; strings with `"` and `\` escaped, `\b \t \n \f \r`, other
/// control characters as `\u00xx`, everything else (including `/`, DEL, U+2028) as UTF-8; integers
/// in decimal. Doubles, rare here (ids and error details are integers or strings), are written by
/// `JSONEncoder` itself so their formatting cannot drift; a non-finite one fails the whole value.
enum JSONWriter {
    struct NonFiniteNumber: Error {}

    static func write(_ value: JSONValue) throws(NonFiniteNumber) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        try write(value, into: &out)
        return Data(out)
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) throws(NonFiniteNumber) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .double(let number):
            guard number.isFinite, let text = try? doubleEncoder.encode(number) else { throw NonFiniteNumber() }
            out.append(contentsOf: text)
        case .string(let text): string(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // By UTF-8 bytes, as JSONEncoder's .sortedKeys (not String's `<`, which compares canonical forms).
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let doubleEncoder = JSONEncoder()

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
