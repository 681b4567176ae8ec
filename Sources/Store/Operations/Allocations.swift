import CreditProtocol
import GRDB

/// The credits a booking took, per lot (or as debt): stored in the booking's row (schema v4), held
/// until a cancellation or waiver gives all of them back.
enum Allocations {
    /// Whether a booking of `status` still holds what it took.
    static func held(_ status: BookingStatus) -> Bool {
        status != .cancelledEarly && status != .cancelledWaived
    }

    /// `[[lot, credits], ...]`, `null` for debt: the text of `booking.allocations`.
    static func encode(_ allocations: [Allocation]) -> String {
        var text = "["
        for (index, allocation) in allocations.enumerated() {
            precondition(allocation.credits >= 1)
            if index > 0 { text += "," }
            text += "["
            text += allocation.lot.map { String($0) } ?? "null"
            text += ","
            text += String(allocation.credits)
            text += "]"
        }
        return text + "]"
    }

    /// Reads `encode`'s text. Anything else is not a ledger this Store wrote.
    static func decode(_ text: String) throws -> [Allocation] {
        var allocations: [Allocation] = []
        var bytes = Substring(text).utf8[...]
        func expect(_ byte: UInt8) throws {
            guard bytes.first == byte else { throw corrupt(text) }
            bytes = bytes.dropFirst()
        }
        func number() throws -> Int64 {
            let digits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard !digits.isEmpty, digits.count <= 18, let value = Int64(Substring(digits)) else { throw corrupt(text) }
            bytes = bytes.dropFirst(digits.count)
            return value
        }
        try expect(UInt8(ascii: "["))
        while bytes.first == UInt8(ascii: "[") {
            bytes = bytes.dropFirst()
            var lot: Int64?
            if bytes.starts(with: "null".utf8) { bytes = bytes.dropFirst(4) } else { lot = try number() }
            try expect(UInt8(ascii: ","))
            allocations.append(Allocation(lot: lot, credits: try number()))
            try expect(UInt8(ascii: "]"))
            if bytes.first == UInt8(ascii: ",") { bytes = bytes.dropFirst() }
        }
        try expect(UInt8(ascii: "]"))
        guard bytes.isEmpty, allocations.allSatisfy({ $0.credits >= 1 }) else { throw corrupt(text) }
        return allocations
    }

    private static func corrupt(_ text: String) -> LedgerError {
        .internalError("a booking's allocations are not readable: \(text.prefix(80))")
    }

    private static let insertDebtSQL = HotSQL("""
        INSERT INTO debt (client_id, id, booking_id, scope, credits) VALUES (?, ?, ?, ?, ?)
        """)

    /// Records an open debt; `usedEvent` is the id of the `used` event that took the credits.
    static func insertDebt(_ tx: Tx, client: String, usedEvent: Int64, booking: String, scope: String,
                           credits: Int64) throws {
        precondition(credits >= 1 && usedEvent >= 1)
        try tx.statement(insertDebtSQL).run { bind in
                bind(client); bind(usedEvent); bind(booking); bind(scope); bind(credits)
            }
    }

    private static let setSQL = HotSQL("UPDATE booking SET allocations = ? WHERE id = ?")

    /// Replaces a booking's allocations (a debt repaid from a new lot).
    static func set(_ tx: Tx, booking: String, _ allocations: [Allocation]) throws {
        try tx.statement(setSQL).run { bind in bind(encode(allocations)); bind(booking) }
    }

    /// Gives back what a booking holds: into the very lots the credits came from (a lot that is no
    /// longer live takes them and loses them at once), or by cancelling the debt. The caller sets
    /// the status that says they are returned.
    static func giveBack(_ tx: Tx, held: [Allocation], booking: Booking, note: String?,
                         rule: Rule) throws {
        let client = booking.client
        for allocation in held {
            guard let lotId = allocation.lot else {
                try tx.db.execute(sql: "DELETE FROM debt WHERE client_id = ? AND booking_id = ?",
                                  arguments: [client, booking.id])
                guard tx.db.changesCount == 1 else {
                    throw LedgerError.internalError("booking \(booking.id) holds debt without a debt row")
                }
                try tx.append(.returned, client: client, scope: booking.sessionType, amount: allocation.credits,
                              credits: allocation.credits, booking: booking.id, note: note,
                              rule: rule.adding(["debt": "cancelled"]), sessionType: booking.sessionType)
                continue
            }
            guard let lot = try LotRecord.fetch(tx, id: lotId) else {
                throw LedgerError.internalError("booking \(booking.id) names missing lot \(lotId)")
            }
            guard lot.remaining + allocation.credits <= lot.quantity else {
                throw LedgerError.internalError("returning booking \(booking.id)'s credits overfills lot \(lotId)")
            }
            try tx.append(.returned, client: client, scope: lot.scope, amount: allocation.credits,
                          credits: allocation.credits, lot: lot, booking: booking.id, note: note, rule: rule,
                          sessionType: booking.sessionType)
            if lot.refunded {
                try tx.append(.refunded, client: client, scope: lot.scope, amount: -allocation.credits,
                              credits: allocation.credits, lot: lot, booking: booking.id,
                              rule: ["reason": "returned into a refunded lot"], sessionType: booking.sessionType)
            } else if !lot.isLive(atMs: tx.nowMs) {
                try tx.append(.expired, client: client, scope: lot.scope, amount: -allocation.credits,
                              credits: allocation.credits, lot: lot, booking: booking.id,
                              rule: ["reason": "returned into an expired lot",
                                     "expires_at": lot.expiresAtMs.map { Timestamp(ms: $0).description } ?? ""],
                              sessionType: booking.sessionType)
            } else {
                try LotRecord.setRemaining(tx, id: lot.id, lot.remaining + allocation.credits)
            }
        }
    }
}
