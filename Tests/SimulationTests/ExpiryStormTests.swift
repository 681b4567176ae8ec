import CreditProtocol
import Foundation
import Scheduling
import Store
import Testing

@Suite struct ExpiryStormTests {
    @Test func lotsExpiringAtOneInstantAreExpiredSetWiseWithTheirOwnEvents() throws {
        // Given 3 clients with 300 lots each expiring at the same instant, some partly used
        let startMs = Timestamp("2026-03-28T12:00:00Z")!.ms
        let expiresMs = startMs + 3_600_000
        let ledger = try Ledger(path: nil, studio: Studio(timeZone: "Europe/Berlin", currency: "EUR"))
        let stream = EventStream()
        ledger.setCommitHook { items in stream.add(items) }
        let actor = Actor(user: "test")
        _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(id: "yoga", name: "Yoga"), by: actor),
                               nowMs: startMs)
        let clients = ["a", "b", "c"]
        for client in clients {
            _ = try ledger.perform(Ledger.clientCreate(ClientCreateParams(id: client, name: client), by: actor), nowMs: startMs)
            _ = try ledger.perform(Ledger.creditIssue(CreditIssueParams(
                client: client, sessionType: "yoga", credits: 2, expiresAt: Timestamp(ms: expiresMs)), by: actor),
                nowMs: startMs)
            for _ in 1..<300 {
                _ = try ledger.perform(Ledger.creditIssue(CreditIssueParams(
                    client: client, sessionType: "any", credits: 2, expiresAt: Timestamp(ms: expiresMs)), by: actor),
                    nowMs: startMs)
            }
            for n in 0..<3 {
                _ = try ledger.perform(Ledger.bookingCreate(BookingCreateParams(
                    id: "\(client)\(n)", client: client, sessionType: "yoga",
                    startsAt: Timestamp(ms: expiresMs + 86_400_000)), by: actor), nowMs: startMs)
            }
        }
        _ = stream.take()

        // When the instant passes and the scheduler works in batches of 256
        var batches = 0
        while try ledger.processDue(nowMs: expiresMs + 5, batchMax: 256).count == 256 { batches += 1 }

        // Then every lot that still held credits has one `expired` event at the instant, recorded now,
        // with consecutive ids, published after commit; balances are 0 and verify is clean
        let expired = stream.take().filter { $0.event == .expired }
        #expect(batches == 3)
        #expect(expired.count == 3 * 300 - 3)  // each client's yoga lot lost both credits to bookings, one `any` lot one
        #expect(expired.allSatisfy { $0.at.ms == expiresMs && $0.recordedAt.ms == expiresMs + 5 && $0.actor == "scheduler" })
        #expect(expired.allSatisfy { $0.rule == ["expires_at": Timestamp(ms: expiresMs).description] })
        #expect(zip(expired, expired.dropFirst()).allSatisfy { $1.id == $0.id + 1 })
        for client in clients {
            let history = try ledger.history(HistoryParams(client: client, events: ["expired"], limit: 500)).items
            #expect(history.count == 299 && history.reduce(0) { $0 + $1.amount } == -(2 * 300 - 3))
            #expect(try ledger.balance(BalanceParams(client: client), nowMs: expiresMs + 5).total == 0)
        }
        #expect(try ledger.verify().ok)
    }
}
