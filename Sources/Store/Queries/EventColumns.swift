import CreditProtocol
import Foundation

extension EventRecord {
    /// The current row of a `SELECT \(EventRecord.columns)` as a history item (what `init(row:)`
    /// then `item` give for a GRDB row), its rule read straight into the item's map.
    static func item(columns row: Columns) -> HistoryItem {
        HistoryItem(
            id: row.int64(0), at: Timestamp(ms: row.int64(2)), recordedAt: Timestamp(ms: row.int64(3)),
            event: EventKind(rawValue: row.string(1)) ?? .issued, client: row.string(4),
            sessionType: row.stringOrNil(18) ?? row.string(5),
            lot: row.int64OrNil(6), booking: row.stringOrNil(8), amount: row.int64(12), credits: row.int64(13),
            actor: row.string(14), staff: row.stringOrNil(15), note: row.stringOrNil(16),
            rule: row.stringOrNil(17).flatMap(RuleText.decode), scope: row.string(5))
    }
}

/// Reading a stored rule (`Rule.text`) back into its string map.
enum RuleText {
    /// `EventRecord.decodeRule`, without `JSONDecoder` for the text `Rule.text` writes for plain
    /// strings: `{"key":"value",...}` with no escapes, no spaces and no repeated key. Anything
    /// else is left to `decodeRule`, so the result is always its result.
    static func decode(_ text: String) -> [String: String]? {
        var text = text
        let fast = text.withUTF8 { bytes -> [String: String]? in
            guard let base = bytes.baseAddress else { return nil }
            return plain(UnsafeBufferPointer(start: base, count: bytes.count))
        }
        return fast ?? EventRecord.decodeRule(text)
    }

    private static func plain(_ b: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        let quote = UInt8(ascii: "\"")
        guard b.count >= 2, b[0] == UInt8(ascii: "{"), b[b.count - 1] == UInt8(ascii: "}") else { return nil }
        var rule: [String: String] = [:]
        var i = 1
        /// A string starting at `i` (its opening quote) without escapes or control characters.
        func string() -> String? {
            guard i < b.count, b[i] == quote else { return nil }
            let start = i + 1
            var j = start
            while j < b.count, b[j] != quote {
                guard b[j] >= 0x20, b[j] != UInt8(ascii: "\\") else { return nil }
                j += 1
            }
            guard j < b.count else { return nil }
            i = j + 1
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)
        }
        if b.count == 2 { return rule }
        while true {
            guard let key = string(), i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let value = string(), rule[key] == nil else { return nil }
            rule[key] = value
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}"), i == b.count - 1 else { return nil }
            return rule
        }
    }
}
