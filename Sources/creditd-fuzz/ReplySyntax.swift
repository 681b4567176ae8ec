// The reply oracle: every reply line must be one JSON object (RFC 8259, strictly) and nothing
// else. A byte scan that allocates nothing: decoding each reply with Foundation's JSONDecoder
// (into a JSONValue tree) took a quarter of each execution under ASan.
#if FUZZING
import Foundation

enum ReplySyntax {
    /// Deeper than any reply the daemon writes; bounds the scan's recursion.
    static let depthMax = 256

    /// True when `line` is exactly one JSON object, from `{` to `}`, with no raw newline (the
    /// protocol is line-delimited).
    static func isObjectLine(_ line: Data) -> Bool {
        line.withUnsafeBytes { raw in
            var scan = Scan(bytes: raw.bindMemory(to: UInt8.self))
            guard scan.peek() == UInt8(ascii: "{"), raw.last == UInt8(ascii: "}"), scan.value(),
                  scan.index == scan.bytes.count else { return false }
            return !raw.contains(UInt8(ascii: "\n"))
        }
    }

    private struct Scan {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        /// A value with the whitespace around it.
        mutating func value() -> Bool {
            skipSpace()
            guard let byte = peek() else { return false }
            let ok: Bool
            switch byte {
            case UInt8(ascii: "{"): ok = container(close: UInt8(ascii: "}"), keyed: true)
            case UInt8(ascii: "["): ok = container(close: UInt8(ascii: "]"), keyed: false)
            case UInt8(ascii: "\""): ok = string()
            case UInt8(ascii: "t"): ok = literal("true")
            case UInt8(ascii: "f"): ok = literal("false")
            case UInt8(ascii: "n"): ok = literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): ok = number()
            default: ok = false
            }
            skipSpace()
            return ok
        }

        /// An object (`keyed`) or an array, from its opening bracket.
        mutating func container(close: UInt8, keyed: Bool) -> Bool {
            depth += 1
            defer { depth -= 1 }
            guard depth <= ReplySyntax.depthMax else { return false }
            index += 1
            skipSpace()
            if take(close) { return true }
            while true {
                if keyed {
                    skipSpace()
                    guard string() else { return false }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return false }
                }
                guard value() else { return false }
                if take(close) { return true }
                guard take(UInt8(ascii: ",")) else { return false }
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func digits() -> Int {
            let start = index
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and within a Double's range.
        mutating func number() -> Bool {
            let start = index
            guard numberSyntax() else { return false }
            // Short integers are always in range; anything else is parsed (rare in replies).
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            if text.count <= 18, !text.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
                return true
            }
            return Double(String(decoding: text, as: UTF8.self))?.isFinite == true
        }

        mutating func numberSyntax() -> Bool {
            _ = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                // no leading zeros
            } else {
                guard let first = peek(), first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { return false }
                _ = digits()
            }
            if take(UInt8(ascii: ".")), digits() == 0 { return false }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                if digits() == 0 { return false }
            }
            return true
        }

        /// A string from its opening quote: valid UTF-8, no raw control characters, only JSON's
        /// escapes, and `\u` surrogates only in high-low pairs.
        mutating func string() -> Bool {
            guard take(UInt8(ascii: "\"")) else { return false }
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: "\""): index += 1; return true
                case UInt8(ascii: "\\"): guard escape() else { return false }
                case 0x00..<0x20: return false
                case 0x20..<0x80: index += 1
                default: guard utf8Sequence() else { return false }
                }
            }
            return false
        }

        mutating func escape() -> Bool {
            index += 1
            guard let byte = peek() else { return false }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return true
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return false }
                if (0xDC00...0xDFFF).contains(unit) { return false }
                guard (0xD800...0xDBFF).contains(unit) else { return true }
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4() else { return false }
                return (0xDC00...0xDFFF).contains(low)
            default:
                return false
            }
        }

        mutating func hex4() -> UInt16? {
            guard bytes.count - index >= 4 else { return nil }
            var unit: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                unit = unit << 4 | UInt16(digit)
                index += 1
            }
            return unit
        }

        /// One multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
        mutating func utf8Sequence() -> Bool {
            let lead = bytes[index]
            let count: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: count = 2
            case 0xE0: count = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: count = 3
            case 0xED: count = 3; secondRange = 0x80...0x9F
            case 0xF0: count = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: count = 4
            case 0xF4: count = 4; secondRange = 0x80...0x8F
            default: return false
            }
            guard bytes.count - index >= count, secondRange.contains(bytes[index + 1]) else { return false }
            for offset in 2..<count where !(0x80...0xBF).contains(bytes[index + offset]) { return false }
            index += count
            return true
        }
    }
}
#endif
