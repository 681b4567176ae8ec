import CreditProtocol
import GRDB

/// `daemon.verify`'s checks of the state the workflows of issue 16 add.
extension Verify {
    /// A deactivated client got no lot and no booking after it was deactivated.
    static func clientStates(_ db: Database, _ violations: inout [Violation]) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.id, l.id, NULL FROM client c JOIN lot l ON l.client_id = c.id
            WHERE c.deactivated_at_ms IS NOT NULL AND l.created_at_ms > c.deactivated_at_ms
            UNION ALL
            SELECT c.id, NULL, b.id FROM client c JOIN booking b ON b.client_id = c.id
            WHERE c.deactivated_at_ms IS NOT NULL AND b.created_at_ms > c.deactivated_at_ms
            """)
        for row in rows {
            let lot: Int64? = row[1], booking: String? = row[2]
            violations.append(Violation(check: "client_state", client: row[0], lot: lot, booking: booking,
                                        detail: "a deactivated client got a new \(lot != nil ? "lot" : "booking")"))
        }
    }

    /// `extended` changes no balance; every `transferred_out` and `transferred_in` pair name each
    /// other (out: `to_lot`; in: `from_event`, `from_lot`) with the same credits, out negative and in
    /// positive. One pass over the events of those kinds, matched in memory.
    static func workflowEvents(_ db: Database, _ violations: inout [Violation]) throws {
        struct Transfer { var id: Int64; var client: String; var lot: Int64?; var amount: Int64; var credits: Int64
                          var rule: [String: String] }
        var outs: [Int64: Transfer] = [:]
        var ins: [Transfer] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, kind, client_id, lot_id, amount, credits, rule FROM event
            WHERE kind = 'extended' OR kind = 'transferred_out' OR kind = 'transferred_in'
            """)
        while let row = try rows.next() {
            let kind: String = row[1]
            let event = Transfer(id: row[0], client: row[2], lot: row[3], amount: row[4], credits: row[5],
                                 rule: (row[6] as String?).flatMap(EventRecord.decodeRule) ?? [:])
            switch kind {
            case "extended" where event.amount != 0:
                violations.append(Violation(check: "event_amount", client: event.client, lot: event.lot,
                                            detail: "extended event \(event.id) has amount \(event.amount)"))
            case "transferred_out": outs[event.id] = event
            case "transferred_in": ins.append(event)
            default: break
            }
        }
        var matched: Set<Int64> = []
        for event in ins {
            let from = event.rule["from_event"].flatMap { Int64($0) }.flatMap { outs[$0] }
            guard let from, from.rule["to_lot"] == event.lot.map(String.init), from.credits == event.credits,
                  from.amount == -from.credits, event.amount == event.credits,
                  event.rule["from_lot"] == from.lot.map(String.init) else {
                violations.append(Violation(check: "transfer_link", client: event.client, lot: event.lot,
                                            detail: "transferred_in event \(event.id) has no matching transferred_out"))
                continue
            }
            matched.insert(from.id)
        }
        for out in outs.values.sorted(by: { $0.id < $1.id }) where !matched.contains(out.id) {
            violations.append(Violation(check: "transfer_link", client: out.client, lot: out.lot,
                                        detail: "transferred_out event \(out.id) has no matching transferred_in"))
        }
    }
}
