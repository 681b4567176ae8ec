import CreditProtocol
import Foundation

/// The results of the most frequent reads, written by hand: the JSON `encode` would write with
/// `JSONEncoder` (`.convertToSnakeCase`, `.withoutEscapingSlashes`) — the same members with the
/// same values, nil optionals written as null as the types' `encode(to:)` do — without it.
/// JSONEncoder orders members by a hash; these follow the declaration order. A rule's members
/// (a string map, whose keys JSONEncoder does not convert) are written in sorted key order.
extension WireCoding {
    /// A `balance.get` result.
    static func encode(balance: Balance) -> Data {
        var json = JSONText(escapesSlashes: false, capacity: 96 + 96 * balance.bySessionType.count)
        json.raw(#"{"client":"#)
        json.string(balance.client)
        json.raw(#","total":"#)
        json.int(balance.total)
        json.raw(#","debt":"#)
        json.int(balance.debt)
        json.raw(#","by_session_type":["#)
        for (index, scope) in balance.bySessionType.enumerated() {
            json.raw(index == 0 ? #"{"session_type":"# : #",{"session_type":"#)
            json.string(scope.sessionType)
            json.raw(#","archived":"#)
            json.bool(scope.archived)
            json.raw(#","credits":"#)
            json.int(scope.credits)
            json.raw(#","next_expiry":"#)
            if let expiry = scope.nextExpiry {
                json.raw(#"{"at":"#)
                json.timestamp(expiry.at)
                json.raw(#","credits":"#)
                json.int(expiry.credits)
                json.raw("}")
            } else {
                json.null()
            }
            json.raw("}")
        }
        json.raw("]}")
        return json.data
    }

    /// A `history.list` result.
    static func encode(history page: Page<HistoryItem>) -> Data {
        var json = JSONText(escapesSlashes: false, capacity: 64 + 320 * page.items.count)
        json.raw(#"{"items":["#)
        for (index, item) in page.items.enumerated() {
            if index > 0 { json.raw(",") }
            write(item, to: &json)
        }
        json.raw(#"],"next_cursor":"#)
        optional(page.nextCursor, to: &json)
        json.raw("}")
        return json.data
    }

    private static func write(_ item: HistoryItem, to json: inout JSONText) {
        json.raw(#"{"id":"#)
        json.int(item.id)
        json.raw(#","at":"#)
        json.timestamp(item.at)
        json.raw(#","recorded_at":"#)
        json.timestamp(item.recordedAt)
        json.raw(#","event":"#)
        json.string(item.event.rawValue)
        json.raw(#","client":"#)
        json.string(item.client)
        json.raw(#","session_type":"#)
        json.string(item.sessionType)
        json.raw(#","scope":"#)
        json.string(item.scope ?? item.sessionType)
        json.raw(#","lot":"#)
        if let lot = item.lot { json.int(lot) } else { json.null() }
        json.raw(#","booking":"#)
        optional(item.booking, to: &json)
        json.raw(#","amount":"#)
        json.int(item.amount)
        json.raw(#","credits":"#)
        json.int(item.credits)
        json.raw(#","actor":"#)
        json.string(item.actor)
        json.raw(#","staff":"#)
        optional(item.staff, to: &json)
        json.raw(#","note":"#)
        optional(item.note, to: &json)
        json.raw(#","rule":"#)
        if let rule = item.rule {
            json.raw("{")
            for (index, key) in rule.keys.sorted().enumerated() {
                if index > 0 { json.raw(",") }
                json.string(key)
                json.raw(":")
                json.string(rule[key]!)
            }
            json.raw("}")
        } else {
            json.null()
        }
        json.raw("}")
    }

    private static func optional(_ text: String?, to json: inout JSONText) {
        if let text { json.string(text) } else { json.null() }
    }
}
