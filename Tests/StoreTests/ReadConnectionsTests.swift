import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

/// `balance.get` and `history.list` on a file ledger read on `ReadConnections`' own connections:
/// they must answer as on GRDB's connection, see every committed write, and see one state of the
/// database per read while a writer commits.
@Suite struct ReadConnectionsTests {
    /// A fixture on a fresh database file, removed afterwards by `cleanUp`.
    static func fileFixture() throws -> (Fixture, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creditd-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = try Fixture(path: dir.appendingPathComponent("ledger.sqlite").path)
        #expect(f.ledger.readers.ownsConnections)
        return (f, dir)
    }

    @Test func ownConnectionsAnswerAsGRDBsConnection() throws {
        // Given a file ledger with expiring, frozen, archived, debt-carrying and empty clients
        let (f, dir) = try Self.fileFixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        try f.type("yoga")
        try f.type("spin", allowNegative: true)
        try f.type("pilates")
        for client in ["c1", "c2", "c3", "c4"] { try f.client(client) }
        try f.issue("c1", "yoga", 3, expiresAt: Timestamp(ms: f.nowMs + 86_400_000 * 10))
        try f.issue("c1", "yoga", 2, expiresAt: Timestamp(ms: f.nowMs + 86_400_000 * 10))
        try f.issue("c1", "yoga", 4, expiresAt: Timestamp(ms: f.nowMs + 86_400_000 * 20))
        try f.issue("c1", "any", 1)
        try f.issue("c2", "pilates", 2)
        _ = try f.run(Ledger.sessionTypeArchive(IdActionParams(id: "pilates"), by: f.actor))
        try f.book("b1", "c2", "spin")
        try f.book("b2", "c2", "spin")
        _ = try f.run(Ledger.planCreate(PlanCreateParams(id: "monthly", name: "Monthly", creditsPerCycle: 8, period: "month",
                                                          rolloverMax: 2), by: f.actor))
        _ = try f.run(Ledger.membershipCreate(MembershipCreateParams(id: "m1", client: "c3", plan: "monthly",
                                                                     startsOn: "2026-01-05"), by: f.actor))
        _ = try f.run(Ledger.membershipPause(IdActionParams(id: "m1"), by: f.actor))
        try f.book("b3", "c1", "yoga")
        f.nowMs += 3_600_000
        // When read on the pool's connections and on GRDB's, now and in the past
        let instants: [Timestamp?] = [nil, Timestamp(ms: Fixture.startMs - 1), Timestamp(ms: Fixture.startMs + 60_000),
                                      Timestamp(ms: f.nowMs + 86_400_000)]
        for client in ["c1", "c2", "c3", "c4", "nobody", "bad id"] {
            for asOf in instants {
                let p = BalanceParams(client: client, asOf: asOf)
                let pooled = Result { try f.ledger.balance(p, nowMs: f.nowMs) }
                let grdb = Result { try f.ledger.read { db in try Balances.get(ReadConnection(borrowing: db), p, nowMs: f.nowMs) } }
                // Then the answers are the same (balances, or the same error)
                #expect(same(pooled, grdb) { $0 == $1 }, "\(client) \(String(describing: asOf))")
            }
            for p in [HistoryParams(client: client), HistoryParams(client: client, limit: 2),
                      HistoryParams(client: client, sessionType: "yoga", events: ["issued", "used"], from: Timestamp(ms: 0),
                                    to: Timestamp(ms: f.nowMs + 1)),
                      HistoryParams(client: client, cursor: "\(f.nowMs)/999999"), HistoryParams(client: client, events: ["x"])] {
                let pooled = Result { try f.ledger.history(p) }
                let grdb = Result { try f.ledger.read { db in try History.list(ReadConnection(borrowing: db), p) } }
                #expect(same(pooled, grdb) { $0.items == $1.items && $0.nextCursor == $1.nextCursor }, "\(client) \(p)")
            }
        }
        // (b3 took one of the first-expiring credits: 2 + 2 of them are left, in two lots.)
        #expect(try f.balance("c1").bySessionType.first { $0.sessionType == "yoga" }?.nextExpiry?.credits == 4)
        #expect(try f.balance("c3").bySessionType.first?.nextExpiry == nil)
        #expect(try f.balance("c2").debt == 2)
        #expect(try f.balance("c2").bySessionType.first { $0.sessionType == "pilates" }?.archived == true)
    }

    @Test func aBalanceShowsATypeArchivedByTheLastCommitAtOnce() throws {
        // Given a file ledger whose read connection has already read (and kept) the archived types
        let (f, dir) = try Self.fileFixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        try f.type("yoga")
        try f.type("spin")
        try f.client("c1")
        try f.issue("c1", "yoga", 2)
        try f.issue("c1", "spin", 1)
        #expect(try f.balance("c1").bySessionType.map(\.archived) == [false, false])
        // When spin is archived, Then the next read shows it, and yoga stays bookable
        _ = try f.run(Ledger.sessionTypeArchive(IdActionParams(id: "spin"), by: f.actor))
        #expect(try f.balance("c1").bySessionType.map { "\($0.sessionType):\($0.archived)" } == ["spin:true", "yoga:false"])
        // And the same holds for reads sharing a pass once the loop has ended the pass it was in
        var ends: [@Sendable () -> Void] = []
        try #require(f.ledger.installReadPass(scheduleEnd: { ends.append($0) }) != nil)
        defer { f.ledger.removeReadPass() }
        #expect(try f.balance("c1").bySessionType.first { $0.sessionType == "yoga" }?.archived == false)
        _ = try f.run(Ledger.sessionTypeArchive(IdActionParams(id: "yoga"), by: f.actor))
        for end in ends { end() }
        #expect(try f.balance("c1").bySessionType.map(\.archived) == [true, true])
    }

    @Test func readsSeeOneStateWhileAWriterCommits() throws {
        // Given four clients with 1000 credits each
        let (f, dir) = try Self.fileFixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        try f.type("yoga")
        let clients = (0..<4).map { "r\($0)" }
        for client in clients {
            try f.client(client)
            try f.issue(client, "yoga", 1000)
        }
        let (events0, lots0) = try counts(f.ledger)
        let commits = 120
        let done = Flag()
        let problems = Problems()
        let ledger = f.ledger
        let nowMs = f.nowMs
        let actor = f.actor
        // When a writer commits bookings, each with one credit issued back in the same transaction
        // (2 events, 1 lot per commit; every balance stays 1000), while three threads read
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            if thread == 0 {
                defer { done.set() }
                for i in 0..<commits {
                    let client = clients[i % clients.count]
                    let results = ledger.performBatch([
                        Ledger.bookingCreate(BookingCreateParams(id: "b\(i)", client: client, sessionType: "yoga",
                                                                 startsAt: Timestamp(ms: nowMs + 86_400_000 * 7)), by: actor)
                            .map { _ in 0 },
                        Ledger.creditIssue(CreditIssueParams(client: client, sessionType: "yoga", credits: 1), by: actor)
                            .map { _ in 0 },
                    ], nowMs: nowMs)
                    if results.contains(where: { if case .failure = $0 { true } else { false } }) {
                        problems.add("write \(i) failed: \(results)")
                    }
                    // The writer's own next read sees its commit.
                    let seen = (try? ledger.history(HistoryParams(client: client, limit: 1)).items.first?.event) ?? nil
                    if seen != .issued { problems.add("commit \(i) not seen: \(String(describing: seen))") }
                }
                return
            }
            var lastEvents = 0
            var reads = 0
            while !done.isSet || reads < 50 {
                reads += 1
                let client = clients[(reads + thread) % clients.count]
                do {
                    let balance = try ledger.balance(BalanceParams(client: client), nowMs: nowMs)
                    if balance.total != 1000 || balance.bySessionType.map(\.credits).reduce(0, +) != 1000 {
                        problems.add("torn balance \(balance)")
                    }
                    // Several statements in one snapshot: two counts with balances read between them.
                    let (events, lots) = try counts(ledger) { c in
                        for other in clients {
                            let total = try Balances.get(c, BalanceParams(client: other), nowMs: nowMs).total
                            if total != 1000 { problems.add("torn balance of \(other) in a snapshot: \(total)") }
                        }
                    }
                    if events - events0 != 2 * (lots - lots0) { problems.add("torn snapshot: \(events) events, \(lots) lots") }
                    if events < lastEvents { problems.add("went back in time: \(events) < \(lastEvents)") }
                    lastEvents = events
                } catch {
                    problems.add("read failed: \(error)")
                }
            }
        }
        // Then no read saw half a commit, and every commit is there afterwards
        #expect(problems.all.isEmpty, "\(problems.all.prefix(5))")
        let (events, lots) = try counts(f.ledger)
        #expect(events - events0 == 2 * commits && lots - lots0 == commits)
        for client in clients {
            #expect(try f.balance(client).total == 1000)
            #expect(try f.events(client).count == 1 + 2 * commits / clients.count)
        }
        #expect(f.ledger.readers.idleCount >= 1 && f.ledger.readers.idleCount <= ReadConnections.idleMax)
    }

    /// Events and lots, counted in one snapshot of a pooled connection, with `between` run on the
    /// same connection between the two counts (a wider window for a commit to land in).
    private func counts(_ ledger: Ledger, between: (ReadConnection) throws -> Void = { _ in }) throws -> (events: Int, lots: Int) {
        try ledger.readers.read { c in
            try c.snapshot {
                var events = 0
                var lots = 0
                try c.statement("SELECT COUNT(*) FROM event").forEachRow { events = Int($0.int64(0)) }
                try between(c)
                try c.statement("SELECT COUNT(*) FROM lot").forEachRow { lots = Int($0.int64(0)) }
                return (events, lots)
            }
        }
    }

    /// The same value, or the same error.
    private func same<R>(_ a: Result<R, any Error>, _ b: Result<R, any Error>, _ equal: (R, R) -> Bool) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): return equal(x, y)
        case (.failure(let x), .failure(let y)): return LedgerError.from(x) == LedgerError.from(y)
        default: return false
        }
    }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

private final class Problems: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var all: [String] { lock.withLock { list } }
    func add(_ problem: String) { lock.withLock { list.append(problem) } }
}
