import CreditProtocol

/// RFC 8259 checked byte by byte before Foundation's decoder sees a line.
///
/// Foundation's `JSONDecoder` and `JSONSerialization` accept trailing commas (`[1,]`,
/// `{"id":0,}`), which RFC 8259 does not, so every line the general path decodes is checked here
/// first. What it refuses besides the grammar, and how the daemon answers:
/// - a `\u` escape that is a lone or reversed surrogate (no Unicode text has one): not JSON, -32700;
/// - the same member name twice in one object (after escapes are resolved; RFC 8259 leaves the
///   meaning open, and a ledger must not guess which `credits` was meant): -32600;
/// - a number beyond a 64-bit double (`1e400`; RFC 8259 §9 lets implementations limit the
///   range): -32600 `limit_exceeded`.
/// The caller has checked UTF-8 and bounded the nesting (`JSONDepth`); depth is bounded here too.
enum StrictJSON {
    enum Failure: Error, Equatable {
        /// Not JSON text; `at` is the byte offset where it stops being JSON.
        case syntax(String, at: Int)
        case duplicateKey(String)
        case numberOutOfRange(String)
    }

    /// Nil when `bytes` is one RFC 8259 JSON text (surrounded by optional whitespace).
    static func check(_ bytes: ArraySlice<UInt8>) -> Failure? {
        bytes.withUnsafeBufferPointer { buffer -> Failure? in
            var reader = Reader(bytes: buffer)
            do throws(Failure) {
                reader.skipSpace()
                try reader.value(depth: 0)
                reader.skipSpace()
                guard reader.i == buffer.count else { throw reader.syntax("text after the JSON value") }
                // A duplicate counts only in a text that is JSON all through.
                return reader.firstDuplicate.map { .duplicateKey($0) }
            } catch {
                return error
            }
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var firstDuplicate: String?

        func syntax(_ message: String) -> Failure { .syntax(message, at: i) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 {
                i += 1
            }
        }

        mutating func value(depth: Int) throws(Failure) {
            guard i < bytes.count else { throw syntax("a value is missing") }
            switch bytes[i] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw syntax("not a JSON value")
            }
        }

        mutating func object(depth: Int) throws(Failure) {
            guard depth <= Limits.jsonDepthMax else { throw syntax("nested deeper than \(Limits.jsonDepthMax)") }
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
            var keys = Set<[UInt8]>()
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw syntax("a member name is missing") }
                let key = try string()
                if !keys.insert(key).inserted, firstDuplicate == nil {
                    firstDuplicate = String(decoding: key, as: UTF8.self)
                }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw syntax("':' is missing") }
                i += 1
                skipSpace()
                try value(depth: depth)
                skipSpace()
                guard i < bytes.count else { throw syntax("the object is not closed") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { throw syntax("',' or '}' is missing") }
                i += 1
                return
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            guard depth <= Limits.jsonDepthMax else { throw syntax("nested deeper than \(Limits.jsonDepthMax)") }
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                skipSpace()
                try value(depth: depth)  // a trailing comma ends up here, before ']': refused
                skipSpace()
                guard i < bytes.count else { throw syntax("the array is not closed") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { throw syntax("',' or ']' is missing") }
                i += 1
                return
            }
        }

        /// A string at the opening quote; returns its UTF-8 with escapes resolved (keys are compared).
        mutating func string() throws(Failure) -> [UInt8] {
            i += 1
            var text: [UInt8] = []
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""):
                    i += 1
                    return text
                case 0x00..<0x20:
                    throw syntax("a control character in a string must be escaped")
                case UInt8(ascii: "\\"):
                    try escape(into: &text)
                default:
                    text.append(byte)
                    i += 1
                }
            }
            throw syntax("the string is not closed")
        }

        mutating func escape(into text: inout [UInt8]) throws(Failure) {
            guard i + 1 < bytes.count else { throw syntax("an escape is cut off") }
            let simple: UInt8?
            switch bytes[i + 1] {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default: throw syntax("not a JSON escape")
            }
            if let simple {
                text.append(simple)
                i += 2
                return
            }
            i += 2
            let unit = try hex4()
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw syntax("a lone surrogate in a \\u escape")
                }
                i += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw syntax("a lone surrogate in a \\u escape") }
                scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw syntax("a lone surrogate in a \\u escape")
            }
            text.append(contentsOf: String(Character(Unicode.Scalar(scalarValue)!)).utf8)
        }

        mutating func hex4() throws(Failure) -> UInt16 {
            guard i + 4 <= bytes.count else { throw syntax("a \\u escape needs four hex digits") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[i]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw syntax("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt16(digit)
                i += 1
            }
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within a double's range.
        mutating func number() throws(Failure) {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("a number needs digits") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                guard i >= bytes.count || !isDigit(bytes[i]) else { throw syntax("a number has a leading zero") }
            } else {
                digits()
            }
            var plain = i - start <= 18
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("a fraction needs digits") }
                digits()
                plain = false
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("an exponent needs digits") }
                digits()
                plain = false
            }
            guard !plain else { return }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            guard let number = Double(text), number.isFinite else { throw .numberOutOfRange(text) }
        }

        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        mutating func digits() {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - i >= count else { throw syntax("not a JSON value") }
            for k in 0..<count where bytes[i + k] != word.utf8Start[k] { throw syntax("not a JSON value") }
            i += count
        }
    }
}
