import CreditProtocol
import Foundation
import Testing
@testable import Store

/// Event rules are written by hand (`Rule.text`); the stored text must stay what
/// `JSONEncoder` with `.sortedKeys` wrote.
@Suite struct RuleEncodingTests {
    static let values = ["", "early", "2026-01-05T09:00:00Z", "a/b", "quote\"back\\slash", "tab\tnl\n\u{1}\u{1f}",
                         "é ü 🎉 \u{2028}", "\u{7f}", "3600", "b-12:x.y_z"]
    static let keys = ["mode", "starts_at", "window_s", "cancelled_at", "decision", "debt", "settled_by", "reason",
                       "expires_at", "repays_debt", "A", "Z", "_", "a1", "a10", "a2", "aB", "a_b", "ab", "z", "é", "e\u{301}"]

    /// A `Rule` built key by key, in any order (as a literal is) or from a dictionary, writes what
    /// JSONEncoder writes for the same map, and both decoders read that text back to the map.
    @Test func matchesJSONEncoder() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var random = Seeded(42)
        for _ in 0..<5000 {
            var map: [String: String] = [:]
            var rule: Rule = [:]
            for _ in 0..<random.below(7) {
                let key = Self.keys[random.below(Self.keys.count)]
                let value = Self.values[random.below(Self.values.count)]
                map[key] = value
                rule[key] = value
            }
            let expected = String(decoding: try! encoder.encode(map), as: UTF8.self)
            #expect(rule.text == expected)
            #expect(Rule(map).text == expected)
            #expect(rule.dictionary == map)
            #expect(EventRecord.decodeRule(expected) == map)
            #expect(RuleText.decode(expected) == map)
        }
    }

    /// A literal's keys are sorted; `adding` keeps the keys a rule has.
    @Test func literalsAreSortedAndAddingKeepsWhatIsThere() {
        let cancel: Rule = ["window_s": "3600", "mode": "auto", "starts_at": "2026-01-05T09:00:00Z"]
        #expect(cancel.text == #"{"mode":"auto","starts_at":"2026-01-05T09:00:00Z","window_s":"3600"}"#)
        #expect(cancel.adding(["mode": "early", "debt": "cancelled"]).text
            == #"{"debt":"cancelled","mode":"auto","starts_at":"2026-01-05T09:00:00Z","window_s":"3600"}"#)
    }

    /// `RuleText.decode` (the history's fast path) reads any text as `decodeRule` does.
    @Test func fastDecodeAgreesWithJSONDecoder() {
        let texts = [#"{}"#, #"{"a":"b"}"#, #"{"a":"b","c":"d"}"#, #"{"a":"b","a":"c"}"#, #"{"é":"e\u0301"}"#,
                     #"{"a":"x\/y"}"#, #"{ "a":"b"}"#, #"{"a":1}"#, #"{"a":"b",}"#, #"{"a":"b"}x"#, #"{"a""b"}"#,
                     #"{"a":"b"#, #"{"a":"#, "{\"a\":\"\u{1}\"}", #"[]"#, #""#, #"{"#, #"}"#, #"{"a":null}"#,
                     #"{"e\u0301":"1","é":"2"}"#, "{\"e\u{301}\":\"1\",\"é\":\"2\"}", #"{"":""}"#, #"{"a":"b" }"#]
        for text in texts {
            #expect(RuleText.decode(text) == EventRecord.decodeRule(text), "\(text)")
        }
    }
}

/// A repeatable stream of numbers (a 64-bit LCG) for the generated rules.
private struct Seeded {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }

    mutating func below(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
