import CreditProtocol
import Foundation
@testable import Store

/// A fresh ledger per test (in memory unless given a file), a hand-moved clock, and shorthands for common setup.
final class Fixture {
    let ledger: Ledger
    var nowMs: Int64
    let actor = Actor(user: "alice")

    /// 2026-01-05T09:00:00Z, a Monday.
    static let startMs: Int64 = Timestamp("2026-01-05T09:00:00Z")!.ms

    /// `path`: a database file (reads then use `ReadConnections`' own connections), or nil for memory.
    init(zone: String = "UTC", nowMs: Int64 = Fixture.startMs, path: String? = nil) throws {
        ledger = try Ledger(path: path, studio: Studio(timeZone: zone, currency: "EUR"))
        self.nowMs = nowMs
    }

    /// A fixture around an already opened ledger.
    init(ledger: Ledger, nowMs: Int64 = Fixture.startMs) {
        self.ledger = ledger
        self.nowMs = nowMs
    }

    func run<R>(_ operation: LedgerOperation<R>) throws(LedgerError) -> R {
        try ledger.perform(operation, nowMs: nowMs)
    }

    /// Moves the clock and processes everything due, as the daemon's timer would.
    func advance(hours: Int64 = 0, days: Int64 = 0) throws {
        nowMs += hours * 3_600_000 + days * 86_400_000
        while try ledger.processDue(nowMs: nowMs, batchMax: 64).count == 64 {}
    }

    func at(_ text: String) -> Timestamp { Timestamp(text)! }

    @discardableResult
    func type(_ id: String, cost: Int64 = 1, allowNegative: Bool = false, requiresCredit: Bool = true,
              windowS: Int64 = 86_400, graceS: Int64 = 0) throws -> SessionType {
        try run(Ledger.sessionTypeCreate(SessionTypeCreateParams(
            id: id, name: id.capitalized, requiresCredit: requiresCredit, creditCost: cost, allowNegative: allowNegative,
            lateCancelWindowS: windowS, lateCancelGraceS: graceS), by: actor))
    }

    func client(_ id: String) throws {
        _ = try run(Ledger.clientCreate(ClientCreateParams(id: id, name: "Client \(id)"), by: actor))
    }

    @discardableResult
    func issue(_ client: String, _ scope: String, _ credits: Int64, expiresOn: String? = nil,
               expiresAt: Timestamp? = nil, note: String? = nil) throws -> CreditIssueResult {
        try run(Ledger.creditIssue(CreditIssueParams(client: client, sessionType: scope, credits: credits,
                                                     expiresOn: expiresOn, expiresAt: expiresAt, note: note), by: actor))
    }

    @discardableResult
    func book(_ id: String, _ client: String, _ type: String, startsIn hours: Int64 = 48,
              cost: Int64? = nil) throws -> Booking {
        try run(Ledger.bookingCreate(BookingCreateParams(
            id: id, client: client, sessionType: type, startsAt: Timestamp(ms: nowMs + hours * 3_600_000),
            creditCost: cost), by: actor))
    }

    func balance(_ client: String) throws -> Balance {
        try ledger.balance(BalanceParams(client: client), nowMs: nowMs)
    }

    func credits(_ client: String, _ scope: String) throws -> Int64 {
        try balance(client).bySessionType.first { $0.sessionType == scope }?.credits ?? 0
    }

    func lot(_ id: Int64) throws -> LotRecord {
        try ledger.read { db in try LotRecord.fetch(db, id: id)! }
    }

    func events(_ client: String, kinds: [EventKind]? = nil) throws -> [HistoryItem] {
        try ledger.history(HistoryParams(client: client, events: kinds?.map(\.rawValue), limit: 1000)).items
    }

    /// Every invariant holds and the sum of the client's event amounts equals its balance.
    func assertConsistent(_ clients: [String]) throws -> Bool {
        let verify = try ledger.verify()
        guard verify.ok else { return false }
        for client in clients {
            let sum = try events(client).reduce(0) { $0 + $1.amount }
            guard sum == (try balance(client).total) else { return false }
        }
        return true
    }
}

/// The error a throwing call produced, for `#expect(error(...) == ...)`.
func error<R>(_ body: () throws -> R) -> LedgerError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? LedgerError ?? .internalError("unexpected \(error)")
    }
}
