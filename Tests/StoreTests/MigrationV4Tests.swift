import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

/// Schema v4 moves allocations into their bookings and open debts into `debt`.
@Suite struct MigrationV4Tests {
    /// A v3 ledger with debt: `d1` took the only credit and owes one, `d2` owes one (newer), `r1`'s
    /// debt was cancelled by an early cancellation. Allocation ids are AUTOINCREMENT order.
    static let v3Rows = """
        INSERT INTO studio (id, time_zone, currency) VALUES (1, 'UTC', 'EUR');
        INSERT INTO session_type (id, name, requires_credit, credit_cost, allow_negative, late_cancel_window_s,
            late_cancel_grace_s, created_at_ms, booked) VALUES ('open', 'Open gym', 1, 1, 1, 0, 0, 1000, 1);
        INSERT INTO client (id, name, created_at_ms) VALUES ('c1', 'Client 1', 1000);
        INSERT INTO lot (id, client_id, scope, source, quantity, remaining, effective_at_ms, actor, created_at_ms)
            VALUES (1, 'c1', 'open', 'manual', 1, 0, 1000, 'alice', 1000);
        INSERT INTO booking (id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
            cancelled_at_ms, complete_at_ms, created_at_ms) VALUES
            ('d1', 'c1', 'open', 900000000, 903600000, 2, 'booked', NULL, 903600000, 2000),
            ('d2', 'c1', 'open', 900000000, 903600000, 1, 'booked', NULL, 903600000, 3000),
            ('r1', 'c1', 'open', 900000000, 903600000, 1, 'cancelled_early', 4500, NULL, 4000);
        INSERT INTO allocation (booking_id, client_id, scope, lot_id, credits, state, created_at_ms) VALUES
            ('d1', 'c1', 'open', 1, 1, 'held', 2000), ('d1', 'c1', 'open', NULL, 1, 'held', 2000),
            ('d2', 'c1', 'open', NULL, 1, 'held', 3000), ('r1', 'c1', 'open', NULL, 1, 'returned', 4000);
        INSERT INTO event (id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, booking_id, amount, credits, actor)
            VALUES (1, 'issued', 1000, 1000, 'c1', 'open', 1, NULL, 1, 1, 'alice'),
                   (2, 'used', 2000, 2000, 'c1', 'open', 1, 'd1', -1, 1, 'alice'),
                   (3, 'used', 2000, 2000, 'c1', 'open', NULL, 'd1', -1, 1, 'alice'),
                   (4, 'used', 3000, 3000, 'c1', 'open', NULL, 'd2', -1, 1, 'alice'),
                   (5, 'used', 4000, 4000, 'c1', 'open', NULL, 'r1', -1, 1, 'alice'),
                   (6, 'returned', 4500, 4500, 'c1', 'open', NULL, 'r1', 1, 1, 'alice');
        """

    @Test func allocationsMoveIntoBookingsAndOpenDebtsKeepTheirOrder() throws {
        // Given a v3 ledger file with two open debts and a cancelled one
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        try {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator().migrate(queue, upTo: "v3-write-path")
            try queue.write { db in try db.execute(sql: MigrationV4Tests.v3Rows) }
        }()

        // When the current Store opens it
        let ledger = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR"))

        // Then each booking lists what it took, in order, and only held debts are open, oldest first
        let d1 = try ledger.booking("d1").allocations, r1 = try ledger.booking("r1").allocations
        #expect(d1 == [Allocation(lot: 1, credits: 1), Allocation(lot: nil, credits: 1)])
        #expect(r1 == [Allocation(lot: nil, credits: 1)])
        let debts = try ledger.read { db in try String.fetchAll(db, sql: "SELECT booking_id FROM debt ORDER BY client_id, id") }
        #expect(debts == ["d1", "d2"])
        let tables = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE name = 'allocation'") }
        #expect(tables == 0)
        #expect(try ledger.verify().ok)
        let actor = Actor(user: "alice")
        #expect(try ledger.balance(BalanceParams(client: "c1"), nowMs: 5000).debt == 2)

        // When one credit is issued, it repays the oldest debt (d1's), which now names the new lot
        let issued = try ledger.perform(Ledger.creditIssue(CreditIssueParams(client: "c1", sessionType: "open",
                                                                             credits: 1), by: actor), nowMs: 5000)
        #expect(issued.debtRepaid == 1)
        let lot = issued.lots[0].id
        let repaid = try ledger.booking("d1").allocations
        #expect(repaid == [Allocation(lot: 1, credits: 1), Allocation(lot: lot, credits: 1)])
        #expect(try ledger.balance(BalanceParams(client: "c1"), nowMs: 5000).debt == 1)

        // When d2 is cancelled early, its debt is cancelled; then the ledger still verifies clean
        _ = try ledger.perform(Ledger.bookingCancel(BookingCancelParams(id: "d2", mode: .early), by: actor), nowMs: 5000)
        #expect(try ledger.balance(BalanceParams(client: "c1"), nowMs: 5000).debt == 0)
        let left = try ledger.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM debt") }
        #expect(left == 0)
        #expect(try ledger.verify().ok)
    }

    @Test func verifyFindsADebtRowThatNoBookingOwes() throws {
        // Given a ledger with an open debt
        let f = try Fixture()
        try f.type("pt", allowNegative: true)
        try f.client("c1")
        try f.book("b1", "c1", "pt")
        #expect(try f.ledger.verify().ok)
        // When its debt row is changed behind the Store's back
        try f.ledger.writer.write { db in try db.execute(sql: "UPDATE debt SET credits = 2") }
        // Then verify reports it
        let checks = try f.ledger.verify().violations.map(\.check)
        #expect(checks.contains("booking_debt"))
    }
}
