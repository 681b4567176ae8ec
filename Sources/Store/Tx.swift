import CreditProtocol
import Foundation
import GRDB
import Scheduling

/// The context of one transaction: the connection, the instant it runs at, the actor, and the
/// events written so far (published after commit).
public final class Tx {
    let db: Database
    let nowMs: Int64
    let ledger: Ledger
    var actor: Actor = .scheduler
    private(set) var events: [EventRecord] = []
    private(set) var deadlinesMoved = false
    private var cachedCalendar: StudioCalendar?

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

    /// Marks that a deadline may now be earlier than the armed timer.
    func deadlineChanged() { deadlinesMoved = true }

    func rewind(events count: Int, deadlinesMoved moved: Bool) {
        events.removeSubrange(count...)
        deadlinesMoved = moved
    }

    /// Records events a bulk path inserted itself, so that they are published after commit.
    func recordInserted(_ records: [EventRecord]) {
        events.append(contentsOf: records)
    }

    /// Appends an event. `at` defaults to now; lot-derived attribution (purchase, membership, cycle)
    /// is copied from the lot so usage summaries can find it.
    @discardableResult
    func append(_ kind: EventKind, client: String, scope: String, amount: Int64, credits: Int64,
                lot: LotRecord? = nil, toLot: Int64? = nil, booking: String? = nil, atMs: Int64? = nil,
                note: String? = nil, rule: [String: String]? = nil) throws -> Int64 {
        precondition(credits >= 0)
        var record = EventRecord(
            id: 0, kind: kind, atMs: atMs ?? nowMs, recordedAtMs: nowMs, clientId: client, scope: scope,
            lotId: lot?.id, toLotId: toLot, bookingId: booking, purchaseId: lot?.purchaseId,
            membershipId: lot?.membershipId, cycle: lot?.cycle, amount: amount, credits: credits,
            actor: actor.user, staff: actor.staff, note: (note?.isEmpty ?? true) ? nil : note,
            rule: rule)
        record.id = try EventRecord.insert(record, db)
        events.append(record)
        return record.id
    }
}
