import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

/// Migrations applied to a database that already holds a ledger written by an older version.
@Suite struct MigrationTests {
    /// A v2 ledger (as the shipped daemon wrote it): one client, a lot, a kept booking and an early-
    /// cancelled one, their allocations and events (ids from AUTOINCREMENT), and an edited note.
    static let v2Rows = """
        INSERT INTO studio (id, time_zone, currency) VALUES (1, 'UTC', 'EUR');
        INSERT INTO session_type (id, name, requires_credit, credit_cost, allow_negative, late_cancel_window_s,
            late_cancel_grace_s, created_at_ms) VALUES ('yoga', 'Yoga', 1, 1, 0, 86400, 0, 1000);
        INSERT INTO client (id, name, created_at_ms) VALUES ('c1', 'Client 1', 1000);
        INSERT INTO lot (id, client_id, scope, source, quantity, remaining, effective_at_ms, actor, created_at_ms)
            VALUES (1, 'c1', 'yoga', 'manual', 5, 4, 1000, 'alice', 1000);
        INSERT INTO booking (id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
            complete_at_ms, created_at_ms) VALUES ('b1', 'c1', 'yoga', 900000000, 903600000, 1, 'booked', 903600000, 2000);
        INSERT INTO booking (id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status,
            cancelled_at_ms, created_at_ms) VALUES ('b2', 'c1', 'yoga', 900000000, 903600000, 1, 'cancelled_early', 3000, 2000);
        INSERT INTO allocation (booking_id, client_id, scope, lot_id, credits, state, created_at_ms)
            VALUES ('b1', 'c1', 'yoga', 1, 1, 'held', 2000), ('b2', 'c1', 'yoga', 1, 1, 'returned', 2000);
        INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, amount, credits, actor, note)
            VALUES ('issued', 1000, 1000, 'c1', 'yoga', 1, 5, 5, 'alice', 'welcome');
        INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, booking_id, amount, credits, actor)
            VALUES ('used', 2000, 2000, 'c1', 'yoga', 1, 'b1', -1, 1, 'alice'),
                   ('used', 2000, 2000, 'c1', 'yoga', 1, 'b2', -1, 1, 'alice');
        INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, booking_id, amount, credits, actor, rule)
            VALUES ('returned', 3000, 3000, 'c1', 'yoga', 1, 'b2', 1, 1, 'alice', '{"decision":"early"}');
        INSERT INTO note_edit (event_id, note, actor, at_ms) VALUES (1, 'welcome', 'alice', 1000), (1, 'hello', 'bob', 4000);
        UPDATE event SET note = 'hello' WHERE id = 1;
        """

    static func dump(_ db: Database, _ sql: String) throws -> [String] {
        try Row.fetchAll(db, sql: sql).map { $0.description }
    }

    static let dumps = [
        """
        SELECT rowid, id, client_id, session_type_id, starts_at_ms, ends_at_ms, credit_cost, status, cancelled_at_ms,
            cancel_note, settle_at_ms, complete_at_ms, created_at_ms FROM booking ORDER BY rowid
        """,
        """
        SELECT id, kind, at_ms, recorded_at_ms, client_id, scope, lot_id, to_lot_id, booking_id, purchase_id,
            membership_id, cycle, amount, credits, actor, staff, note, rule FROM event ORDER BY id
        """, "SELECT * FROM lot ORDER BY id", "SELECT * FROM note_edit ORDER BY id",
    ]

    @Test func v3AndV4KeepEveryRowAndIdOfAV2Ledger() throws {
        // Given a v2 ledger file with rows
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let before: [[String]] = try {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator().migrate(queue, upTo: "v2-import-staging")
            return try queue.write { db in
                try db.execute(sql: MigrationTests.v2Rows)
                #expect(try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'event'") == 4)
                return try MigrationTests.dumps.map { try MigrationTests.dump(db, $0) }
            }
        }()

        // When the current Store opens it
        let told = Told()
        let ledger = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR")) { told.pending = $0 }

        // Then the opener heard which migrations were about to run (the daemon tells systemd)
        #expect(told.pending == ["v3-write-path", "v4-allocations-by-booking", "v5-event-session-type",
                                 "v6-deadline-failures-chunked-imports", "v7-workflows"])

        // Then every row is kept with its id, the ledger verifies clean, and the append-only rules hold
        try ledger.read { db in
            #expect(try MigrationTests.dumps.map { try MigrationTests.dump(db, $0) } == before)
            // The allocation rows moved into their bookings (v4)
            #expect(try String.fetchAll(db, sql: "SELECT allocations FROM booking ORDER BY id") == ["[[1,1]]", "[[1,1]]"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            // A booking's events name the booked type (v5); the others leave it to their scope
            #expect(try String?.fetchAll(db, sql: "SELECT session_type FROM event ORDER BY id") == [nil, "yoga", "yoga", "yoga"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'event'") == 0)
            let eventSQL = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'event'") ?? ""
            #expect(!eventSQL.contains("AUTOINCREMENT"))
        }
        #expect(try ledger.verify().ok)
        #expect(try ledger.booking("b2").status == .cancelledEarly)
        // The type had bookings: its requires_credit is locked (session_type.booked was filled in)
        let actor = Actor(user: "alice")
        let locked = error {
            try ledger.perform(Ledger.sessionTypeUpdate(SessionTypeUpdateParams(id: "yoga", requiresCredit: false),
                                                        by: actor), nowMs: 5000)
        }
        #expect(locked.map { $0.wire.reason } == .sessionTypeLocked)
        #expect(throws: (any Error).self) {
            try ledger.writer.write { db in try db.execute(sql: "DELETE FROM event WHERE id = 4") }
        }
        #expect(throws: (any Error).self) {
            try ledger.writer.write { db in try db.execute(sql: "UPDATE event SET amount = 7 WHERE id = 1") }
        }
        #expect(throws: (any Error).self) {
            try ledger.writer.write { db in try db.execute(sql: "UPDATE event SET session_type = 'x' WHERE id = 2") }
        }
        #expect(throws: (any Error).self) {
            try ledger.writer.write { db in try db.execute(sql: "UPDATE booking SET status = 'lost' WHERE id = 'b1'") }
        }

        // And new events continue after the last id
        let booked = try ledger.perform(Ledger.bookingCreate(BookingCreateParams(
            id: "b3", client: "c1", sessionType: "yoga", startsAt: Timestamp(ms: 900_000_000)), by: actor), nowMs: 5000)
        #expect(booked.allocations == [Allocation(lot: 1, credits: 1)])
        let history = try ledger.history(HistoryParams(client: "c1", limit: 10))
        #expect(history.items.map(\.id) == [5, 4, 3, 2, 1])
        #expect(try ledger.verify().ok)
    }


    @Test func openingANewOrCurrentLedgerAnnouncesNoMigration() throws {
        // Given a path with no database
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let told = Told()
        // When it is created, and then opened again
        _ = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR")) { told.pending = $0 }
        _ = try Ledger(path: path, studio: Studio(timeZone: "UTC", currency: "EUR")) { told.pending = $0 }
        // Then neither open announced a migration: creating the schema is instant, and the second had nothing to do
        #expect(told.pending == nil)
    }
}

/// What a `willMigrate` callback was told.
private final class Told: @unchecked Sendable {
    var pending: [String]?
}
