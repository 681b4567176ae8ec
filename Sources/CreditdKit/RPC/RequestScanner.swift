import CreditProtocol
import Foundation

/// The fast path of `RPCParser` for the common request line: one JSON-RPC call object.
///
/// A strict byte-level scan that validates the whole line and records where the top-level
/// members (`jsonrpc`, `id`, `method`, `params`) and the top-level keys of `params` are, so the
/// params are typed-decoded exactly once (by the backend) and unknown keys are refused from the
/// scan, without building a `JSONValue` tree or re-encoding anything.
///
/// It answers only when the outcome is certain to be what the general path (`JSONValue` via
/// Foundation's decoder, then `RPCParser.item`) would produce; for anything unusual it returns
/// nil and the general path runs. "Unusual" is: a batch; a line that is not valid JSON; nesting
/// beyond the limit; `\u` escapes or raw control characters in strings; numbers with a
/// fraction, an exponent, `-0` or more than 18 digits; objects anywhere but the top level and
/// the params object; duplicate keys; escapes in keys or in `jsonrpc`/`id`/`method`; an envelope
/// the general path would refuse (wrong `jsonrpc`, an id that is not a string, an integer or
/// null, a method that is not a string, params that are not an object). UTF-8 is validated by
/// the caller before the scan.
enum RequestScanner {
    static func scan(_ line: ArraySlice<UInt8>) -> RPCRequest? {
        line.withUnsafeBufferPointer { buffer -> RPCRequest? in
            guard let base = buffer.baseAddress else { return nil }
            var scanner = Scanner(base: base, end: buffer.count)
            return scanner.request()
        }
    }

    private enum Kind { case string, escapedString, integer, literalNull, other, object }

    /// A value's position in the line and what it is.
    private struct Member {
        var start: Int
        var end: Int
        var kind: Kind
    }

    private struct Scanner {
        let base: UnsafePointer<UInt8>
        let end: Int
        var i = 0

        init(base: UnsafePointer<UInt8>, end: Int) {
            self.base = base
            self.end = end
        }

        @inline(__always) func byte(_ at: Int) -> UInt8 { base[at] }

        @inline(__always) mutating func skipSpace() {
            while i < end {
                let b = base[i]
                guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
                i += 1
            }
        }

        /// The top-level call object, or nil for the general path.
        mutating func request() -> RPCRequest? {
            skipSpace()
            guard i < end, byte(i) == UInt8(ascii: "{") else { return nil }
            i += 1
            var jsonrpc: Member?
            var id: Member?
            var method: Member?
            var params: Member?
            var paramKeys: [String] = []
            var otherKeys: [Range<Int>] = []
            skipSpace()
            guard i < end else { return nil }
            if byte(i) == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    guard let key = keyRange() else { return nil }
                    skipSpace()
                    guard i < end, byte(i) == UInt8(ascii: ":") else { return nil }
                    i += 1
                    skipSpace()
                    let which: Int
                    if matches(key, "jsonrpc") { which = 0 }
                    else if matches(key, "id") { which = 1 }
                    else if matches(key, "method") { which = 2 }
                    else if matches(key, "params") { which = 3 }
                    else { which = 4 }
                    if which == 3 {
                        guard params == nil else { return nil }
                        let start = i
                        if i < end, byte(i) == UInt8(ascii: "{") {
                            guard paramsObject(keys: &paramKeys) else { return nil }
                            params = Member(start: start, end: i, kind: .object)
                        } else {
                            guard let kind = value(depth: 1) else { return nil }
                            params = Member(start: start, end: i, kind: kind)
                        }
                    } else {
                        let start = i
                        guard let kind = value(depth: 1) else { return nil }
                        let member = Member(start: start, end: i, kind: kind)
                        switch which {
                        case 0: guard jsonrpc == nil else { return nil }; jsonrpc = member
                        case 1: guard id == nil else { return nil }; id = member
                        case 2: guard method == nil else { return nil }; method = member
                        default:
                            // Unknown top-level members are ignored, but a duplicate needs the general path.
                            for other in otherKeys where equal(other, key) { return nil }
                            otherKeys.append(key)
                        }
                    }
                    skipSpace()
                    guard i < end else { return nil }
                    if byte(i) == UInt8(ascii: ",") { i += 1; continue }
                    guard byte(i) == UInt8(ascii: "}") else { return nil }
                    i += 1
                    break
                }
            }
            skipSpace()
            guard i == end else { return nil }
            return envelope(jsonrpc: jsonrpc, id: id, method: method, params: params, paramKeys: paramKeys)
        }

        /// The request when the envelope is one the general path accepts as it is.
        func envelope(jsonrpc: Member?, id: Member?, method: Member?, params: Member?,
                      paramKeys: [String]) -> RPCRequest? {
            guard let jsonrpc, jsonrpc.kind == .string, jsonrpc.end - jsonrpc.start == 5,
                  byte(jsonrpc.start + 1) == UInt8(ascii: "2"), byte(jsonrpc.start + 2) == UInt8(ascii: "."),
                  byte(jsonrpc.start + 3) == UInt8(ascii: "0") else { return nil }
            var requestID: JSONValue?
            if let id {
                switch id.kind {
                case .literalNull: requestID = .null
                case .string: requestID = .string(text(id.start + 1, id.end - 1))
                case .integer:
                    guard let value = Int64(text(id.start, id.end)) else { return nil }
                    requestID = .int(value)
                default: return nil
                }
            }
            guard let method, method.kind == .string else { return nil }
            let methodName = text(method.start + 1, method.end - 1)
            let paramsData: Data
            if let params {
                guard params.kind == .object else { return nil }
                paramsData = Data(UnsafeBufferPointer(start: base + params.start, count: params.end - params.start))
            } else {
                paramsData = Data("{}".utf8)
            }
            return RPCRequest(id: requestID, methodName: methodName, params: paramsData, paramKeys: paramKeys)
        }

        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
        }

        func matches(_ range: Range<Int>, _ name: StaticString) -> Bool {
            guard range.count == name.utf8CodeUnitCount else { return false }
            let expected = name.utf8Start
            for k in 0..<range.count where base[range.lowerBound + k] != expected[k] { return false }
            return true
        }

        func equal(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
            guard a.count == b.count else { return false }
            return memcmp(base + a.lowerBound, base + b.lowerBound, a.count) == 0
        }

        /// A key without escapes: the range of its characters (between the quotes).
        mutating func keyRange() -> Range<Int>? {
            guard i < end, byte(i) == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            guard string() == .string else { return nil }
            return start..<(i - 1)
        }

        /// The params object: its keys (unique, without escapes) and values (no nested objects).
        mutating func paramsObject(keys: inout [String]) -> Bool {
            i += 1  // {
            var ranges: [Range<Int>] = []
            skipSpace()
            guard i < end else { return false }
            if byte(i) == UInt8(ascii: "}") { i += 1; return true }
            while true {
                skipSpace()
                guard let key = keyRange() else { return false }
                guard ranges.count < 64 else { return false }
                for other in ranges where equal(other, key) { return false }
                ranges.append(key)
                skipSpace()
                guard i < end, byte(i) == UInt8(ascii: ":") else { return false }
                i += 1
                skipSpace()
                guard value(depth: 2) != nil else { return false }
                skipSpace()
                guard i < end else { return false }
                if byte(i) == UInt8(ascii: ",") { i += 1; continue }
                guard byte(i) == UInt8(ascii: "}") else { return false }
                i += 1
                break
            }
            keys = ranges.map { text($0.lowerBound, $0.upperBound) }
            return true
        }

        /// One value that is not an object, at `depth` (the containers around it); nil when the
        /// general path must decide.
        mutating func value(depth: Int) -> Kind? {
            guard i < end else { return nil }
            switch byte(i) {
            case UInt8(ascii: "\""):
                return string()
            case UInt8(ascii: "["):
                guard depth + 1 <= Limits.jsonDepthMax else { return nil }
                i += 1
                skipSpace()
                guard i < end else { return nil }
                if byte(i) == UInt8(ascii: "]") { i += 1; return .other }
                while true {
                    skipSpace()
                    guard value(depth: depth + 1) != nil else { return nil }
                    skipSpace()
                    guard i < end else { return nil }
                    if byte(i) == UInt8(ascii: ",") { i += 1; continue }
                    guard byte(i) == UInt8(ascii: "]") else { return nil }
                    i += 1
                    return .other
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return integer()
            case UInt8(ascii: "t"): return literal("true") ? .other : nil
            case UInt8(ascii: "f"): return literal("false") ? .other : nil
            case UInt8(ascii: "n"): return literal("null") ? .literalNull : nil
            default:
                return nil
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard end - i >= count else { return false }
            let expected = word.utf8Start
            for k in 0..<count where base[i + k] != expected[k] { return false }
            i += count
            return true
        }

        /// `-?(0|[1-9][0-9]{0,17})`, not followed by a fraction or an exponent; not `-0`.
        mutating func integer() -> Kind? {
            var j = i
            if byte(j) == UInt8(ascii: "-") { j += 1 }
            let digitsStart = j
            while j < end, byte(j) &- UInt8(ascii: "0") < 10 { j += 1 }
            let digits = j - digitsStart
            guard digits >= 1, digits <= 18 else { return nil }
            if byte(digitsStart) == UInt8(ascii: "0") {
                guard digits == 1, digitsStart == i else { return nil }  // no leading zeros, no -0
            }
            if j < end {
                let next = byte(j)
                guard next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E") else { return nil }
            }
            i = j
            return .integer
        }

        /// A string at `i` (the opening quote); simple escapes only, no control characters.
        mutating func string() -> Kind? {
            i += 1
            var escaped = false
            while i < end {
                let b = base[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return escaped ? .escapedString : .string
                }
                if b < 0x20 { return nil }
                if b == UInt8(ascii: "\\") {
                    guard i + 1 < end else { return nil }
                    switch base[i + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        escaped = true
                        i += 2
                        continue
                    default:
                        return nil  // \u (and anything invalid): the general path decides
                    }
                }
                i += 1
            }
            return nil
        }
    }
}
