import CreditProtocol
import Foundation
import GRDB
import Scheduling

/// The context of one transaction: the connection, the instant it runs at, the actor, and the
/// events written so far (published after commit).
public final class Tx: StatementSource {
    let db: Database
    let nowMs: Int64
    let ledger: Ledger
    var actor: Actor = .scheduler
    private(set) var events: [EventRecord] = []
    private(set) var deadlinesMoved = false
    private var cachedCalendar: StudioCalendar?
    /// Session types read in this transaction (every booking and cancellation reads its type).
    /// Forgotten when a session type is written and when an operation is rolled back.
    private var sessionTypes: [String: SessionTypeRecord] = [:]
    /// The hot statements prepared in this transaction, found by the identity of their `HotSQL`: a
    /// dozen at most, so a scan beats hashing.
    private var statements: [(sql: HotSQL, statement: Statement)] = []

    init(db: Database, nowMs: Int64, ledger: Ledger) {
        self.db = db
        self.nowMs = nowMs
        self.ledger = ledger
    }

    /// The studio calendar as this transaction sees it.
    func calendar() throws -> StudioCalendar {
        if let cachedCalendar { return cachedCalendar }
        let zone = try String.fetchOne(db, sql: "SELECT time_zone FROM studio") ?? "UTC"
        let calendar = try ledger.calendar(for: zone)
        cachedCalendar = calendar
        return calendar
    }

    func forgetCalendar() { cachedCalendar = nil }

    /// The prepared statement for `sql`, from this transaction's cache (filled from GRDB's).
    func statement(_ sql: HotSQL) throws -> Statement {
        for entry in statements where entry.sql === sql { return entry.statement }
        let statement = try db.cachedStatement(sql: sql.text)
        statements.append((sql, statement))
        return statement
    }

    /// The session type `id` as this transaction sees it, or `not_found`.
    func sessionType(_ id: String) throws -> SessionTypeRecord {
        if let cached = sessionTypes[id] { return cached }
        let record = try SessionTypeRecord.require(db, id: id)
        sessionTypes[id] = record
        return record
    }

    private static let markBookedSQL = HotSQL("UPDATE session_type SET booked = 1 WHERE id = ?")

    /// Records that `type` has a booking now (once per type: it locks its requires_credit).
    func markBooked(_ type: SessionTypeRecord) throws {
        try statement(Tx.markBookedSQL).run { bind in bind(type.id) }
        var booked = type
        booked.booked = true
        sessionTypes[type.id] = booked
    }

    /// Called after any write to `session_type` and after a rollback.
    func forgetSessionTypes() { sessionTypes.removeAll() }

    /// Marks that a deadline may now be earlier than the armed timer.
    func deadlineChanged() { deadlinesMoved = true }

    func rewind(events count: Int, deadlinesMoved moved: Bool) {
        // A rolled-back operation may have changed a session type this cache holds.
        forgetSessionTypes()
        events.removeSubrange(count...)
        deadlinesMoved = moved
    }

    /// Records events a bulk path inserted itself, so that they are published after commit.
    func recordInserted(_ records: [EventRecord]) {
        events.append(contentsOf: records)
    }

    /// Appends an event. `sessionType` is the booked type, given on every event of a booking. `at` defaults to now; lot-derived attribution (purchase, membership, cycle)
    /// is copied from the lot so usage summaries can find it.
    @discardableResult
    func append(_ kind: EventKind, client: String, scope: String, amount: Int64, credits: Int64,
                lot: LotRecord? = nil, toLot: Int64? = nil, booking: String? = nil, atMs: Int64? = nil,
                note: String? = nil, rule: Rule? = nil, sessionType: String? = nil) throws -> Int64 {
        precondition(credits >= 0)
        var record = EventRecord(
            id: 0, kind: kind, atMs: atMs ?? nowMs, recordedAtMs: nowMs, clientId: client, scope: scope,
            lotId: lot?.id, toLotId: toLot, bookingId: booking, purchaseId: lot?.purchaseId,
            membershipId: lot?.membershipId, cycle: lot?.cycle, amount: amount, credits: credits,
            actor: actor.user, staff: actor.staff, note: (note?.isEmpty ?? true) ? nil : note,
            rule: rule, sessionType: sessionType)
        record.id = try EventRecord.insert(record, self)
        events.append(record)
        return record.id
    }
}
