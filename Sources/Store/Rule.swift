import CreditProtocol
import Foundation

/// Why an event happened: a small flat string map (`{"decision":"early",...}`), stored as JSON
/// with sorted keys, as `JSONEncoder` with `.sortedKeys` writes it.
///
/// The booking paths build one or two per call from literals. As a dictionary that meant hashing
/// every key, then sorting the pairs again to write the text (~3 % of the writer's time); here the
/// pairs are kept sorted as they are added and the text is written in one pass.
struct Rule: ExpressibleByDictionaryLiteral, Equatable, Sendable {
    struct Pair: Equatable, Sendable {
        var key: String
        var value: String
    }

    /// In key order (String's `<`, which is byte order for the ASCII keys the Store writes).
    private(set) var pairs: [Pair] = []

    init(dictionaryLiteral elements: (String, String)...) {
        pairs.reserveCapacity(elements.count)
        for (key, value) in elements { self[key] = value }
    }

    init(_ dictionary: [String: String]) {
        pairs = dictionary.map { Pair(key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    subscript(key: String) -> String? {
        get { pairs.first { $0.key == key }?.value }
        set {
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.insert(Pair(key: key, value: newValue), at: pairs.firstIndex { key < $0.key } ?? pairs.endIndex)
            }
        }
    }

    /// This rule with the keys of `other` it lacks (a key it has keeps its own value).
    func adding(_ other: Rule) -> Rule {
        var rule = self
        for pair in other.pairs where rule[pair.key] == nil { rule[pair.key] = pair.value }
        return rule
    }

    var dictionary: [String: String] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The stored text. When nothing needs escaping (the rules the Store writes) it is assembled
    /// directly; anything else takes JSONText, or JSONEncoder for non-ASCII keys (whose sorted
    /// order is not byte order).
    var text: String {
        if pairs.allSatisfy({ Self.isPlain($0.key, asciiOnly: true) && Self.isPlain($0.value, asciiOnly: false) }) {
            return plainText
        }
        if pairs.allSatisfy({ $0.key.utf8.allSatisfy { $0 < 0x80 } }) {
            var json = JSONText(escapesSlashes: true, capacity: 128)
            json.raw("{")
            for (index, pair) in pairs.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(pair.key)
                json.raw(":")
                json.string(pair.value)
            }
            json.raw("}")
            return String(decoding: json.bytes, as: UTF8.self)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(dictionary), as: UTF8.self)) ?? "{}"
    }

    /// `{"k":"v","k2":"v2"}` for pairs that need no escaping.
    private var plainText: String {
        // 2 braces, per pair 4 quotes and a colon, commas between pairs.
        let count = pairs.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 5 } + max(pairs.count - 1, 0)
        var pairs = pairs
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func put(_ byte: UInt8) {
                precondition(at < out.count)
                out[at] = byte
                at += 1
            }
            func put(_ text: inout String) {
                text.withUTF8 { utf8 in
                    precondition(at + utf8.count <= out.count)
                    _ = UnsafeMutableBufferPointer(rebasing: out[at..<(at + utf8.count)]).initialize(from: utf8)
                    at += utf8.count
                }
            }
            put(UInt8(ascii: "{"))
            for index in pairs.indices {
                if index > 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "\""))
                put(&pairs[index].key)
                put(UInt8(ascii: "\""))
                put(UInt8(ascii: ":"))
                put(UInt8(ascii: "\""))
                put(&pairs[index].value)
                put(UInt8(ascii: "\""))
            }
            put(UInt8(ascii: "}"))
            return at
        }
    }

    /// Text JSONEncoder writes as it is (with its default `\/` for slashes): no control character,
    /// quote, backslash or slash; and, for a key, ASCII only (sorted keys then sort by bytes).
    private static func isPlain(_ text: String, asciiOnly: Bool) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            utf8.allSatisfy {
                $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "/")
                    && (!asciiOnly || $0 < 0x80)
            }
        }
    }
}
