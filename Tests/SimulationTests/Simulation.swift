import CreditProtocol
import Dispatch
import Foundation
import Scheduling
import Store

/// Drives the Store (through a DeadlineTimer on a ManualClock, as `creditd --test-clock` does) and
/// the reference model with the same random operations, day by day, and compares them.
final class Simulation {
    struct Config {
        var seed: UInt64
        var zone = "Europe/Berlin"
        var start = "2026-01-01T06:00:00Z"
        var days = 3650
        var clients = 1000
        /// Activity is scaled so that ten years run in well under two minutes in a debug build.
        var opsPerDay = 5
        /// `daemon.verify` (a full scan) every this many days.
        var verifyEveryDays = 30
        /// Every client's balance, not only those touched that day, every this many days.
        var allClientsEveryDays = 730
    }

    let config: Config
    let ledger: Ledger
    let model: ReferenceModel
    let clock: ManualClock
    let timer: DeadlineTimer
    let schedulerQueue = DispatchQueue(label: "sim.scheduler")
    let stream = EventStream()
    let actor = Actor(user: "sim")
    var rng: SeededGenerator
    private(set) var divergences: [String] = []
    private(set) var stats = Stats()
    let catalog = Catalog()
    var clientIds: [String] = []
    var bookedIds: [String] = []
    var pendingIds: [String] = []
    var recentBookingIds: [String] = []
    var purchaseIds: [String] = []
    var counter = 0
    var setUpSeconds = 0.0

    struct Stats {
        var operations = 0
        var rejected = 0
        var daysChecked = 0
        var balancesCompared = 0
        var verifies = 0
        var events = 0
        var timerSeconds = 0.0
        var timerRuns = 0
        var operationSeconds = 0.0
        var checkSeconds = 0.0
        var verifySeconds = 0.0
    }

    init(_ config: Config) throws {
        self.config = config
        rng = SeededGenerator(seed: config.seed)
        let startMs = Timestamp(config.start)!.ms
        ledger = try Ledger(path: nil, studio: Studio(timeZone: config.zone, currency: "EUR"))
        model = ReferenceModel(calendar: try StudioCalendar(timeZoneIdentifier: config.zone), nowMs: startMs)
        clock = ManualClock(nowMs: startMs)
        let failures = stream
        timer = DeadlineTimer(clock: clock, processor: ledger, queue: schedulerQueue,
                              batchMax: 256) { error in failures.fail("scheduler: \(error)") }
        ledger.setCommitHook { [stream] items in stream.add(items) }
        ledger.setDeadlineHook { [timer] in timer.deadlineMayHaveMoved() }
        timer.start()
    }

    var nowMs: Int64 { clock.nowMs() }

    // MARK: - Running

    /// Runs every day; stops at the first day that diverges.
    func run() throws {
        let began = Date()
        try setUp()
        setUpSeconds = Date().timeIntervalSince(began)
        let dayMs: Int64 = 86_400_000
        let startMs = nowMs
        for day in 0..<config.days {
            let dayStart = startMs + Int64(day) * dayMs
            var instants = (0..<config.opsPerDay).map { _ in dayStart + Int64.random(in: 1...86_000, using: &rng) * 1000 }
            instants.sort()
            for at in instants where at > nowMs {
                advance(to: at)
                try randomOperation()
            }
            // Checks run at .500 s: no deadline or operation is ever at that instant.
            advance(to: dayStart + dayMs - 500)
            let last = day == config.days - 1
            try check(day: day, all: last || (day + 1) % config.allClientsEveryDays == 0,
                      verify: last || (day + 1) % config.verifyEveryDays == 0)
            if !divergences.isEmpty { return }
        }
    }

    /// Moves both clocks. The Store's timer runs only when its next deadline is due, as the daemon's
    /// Dispatch timer would fire (once the re-arms queued by earlier writes are done).
    func advance(to at: Int64) {
        clock.set(nowMs: at)
        let t0 = Date()
        schedulerQueue.sync {}
        if let next = timer.nextDeadlineMs, next <= at {
            timer.runDueNow()
            stats.timerRuns += 1
        }
        stats.timerSeconds += Date().timeIntervalSince(t0)
        model.advance(to: at)
    }

    // MARK: - Comparing

    private func check(day: Int, all: Bool, verify: Bool) throws {
        let t0 = Date()
        defer { stats.checkSeconds += Date().timeIntervalSince(t0) }
        let date = model.calendar.localDate(atMs: nowMs)
        var problems: [String] = []
        if let failure = stream.failure { problems.append(failure) }
        let storeEvents = stream.take()
        stats.events += storeEvents.count
        let expected = Self.aggregate(model.takeEvents().map { ($0.client, $0.kind, $0.amount, $0.credits) })
        let actual = Self.aggregate(storeEvents.map { ($0.client, $0.event, $0.amount, $0.credits) })
        if expected != actual {
            for key in Set(expected.keys).union(actual.keys).sorted() where expected[key] != actual[key] {
                problems.append("events \(key): model \(expected[key].map { "\($0)" } ?? "none") store \(actual[key].map { "\($0)" } ?? "none")")
            }
        }
        let touched = model.takeTouched().union(storeEvents.map(\.client))
        let clients = all ? Set(clientIds) : touched
        for client in clients.sorted() {
            let want = model.balance(client)
            let got = try ledger.balance(BalanceParams(client: client), nowMs: nowMs)
            var byScope: [String: Int64] = [:]
            for scope in got.bySessionType where scope.credits != 0 { byScope[scope.sessionType] = scope.credits }
            let have = ModelBalance(total: got.total, debt: got.debt, byScope: byScope)
            let eventSum = stream.sum(client)
            if have != want || eventSum != want.total {
                problems.append("client \(client): model \(want) store \(have) events sum \(eventSum); model lots: "
                                + model.describeLots(client))
            }
            stats.balancesCompared += 1
        }
        if verify {
            let t1 = Date()
            defer { stats.verifySeconds += Date().timeIntervalSince(t1) }
            let verify = try ledger.verify()
            stats.verifies += 1
            if !verify.ok { problems += verify.violations.prefix(10).map { "verify: \($0)" } }
        }
        stats.daysChecked += 1
        if !problems.isEmpty {
            divergences = problems.prefix(30).map { "day \(day) (\(date)), seed \(config.seed): \($0)" }
        }
    }

    struct Tally: Equatable, CustomStringConvertible {
        var count = 0, amount: Int64 = 0, credits: Int64 = 0
        var description: String { "\(count)x amount \(amount) credits \(credits)" }
    }

    static func aggregate(_ events: [(String, EventKind, Int64, Int64)]) -> [String: Tally] {
        var tallies: [String: Tally] = [:]
        for (client, kind, amount, credits) in events {
            tallies["\(client) \(kind.rawValue)", default: Tally()].count += 1
            tallies["\(client) \(kind.rawValue)"]!.amount += amount
            tallies["\(client) \(kind.rawValue)"]!.credits += credits
        }
        return tallies
    }

    // MARK: - Applying one operation to both

    /// Performs `operation` on the Store and `rule` on the model; they must agree on success or reason.
    @discardableResult
    func apply<R>(_ what: String, _ operation: LedgerOperation<R>,
                  _ rule: () throws(ModelRejection) -> Void) -> R? {
        stats.operations += 1
        var expected: ErrorReason?
        do { try rule() } catch { expected = error.reason }
        let t0 = Date()
        defer { stats.operationSeconds += Date().timeIntervalSince(t0) }
        do {
            let result = try ledger.perform(operation, nowMs: nowMs)
            if let expected { record("\(what): model rejects (\(expected.rawValue)), store accepts") }
            return result
        } catch {
            stats.rejected += 1
            if error.wire.reason != expected {
                record("\(what): model \(expected?.rawValue ?? "accepts"), store \(error.wire.reason.rawValue): \(error.wire.message)")
            }
            return nil
        }
    }

    func record(_ problem: String) {
        if divergences.count < 30 { divergences.append("at \(Timestamp(ms: nowMs)), seed \(config.seed): \(problem)") }
    }

    func nextId(_ prefix: String) -> String {
        counter += 1
        return prefix + String(counter)
    }
}

/// The Store's committed events as its commit hook publishes them, and per-client running sums.
final class EventStream: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [HistoryItem] = []
    private var sums: [String: Int64] = [:]
    private(set) var failure: String?

    func add(_ items: [HistoryItem]) {
        lock.withLock {
            pending += items
            for item in items { sums[item.client, default: 0] += item.amount }
        }
    }

    func take() -> [HistoryItem] { lock.withLock { defer { pending = [] }; return pending } }
    func sum(_ client: String) -> Int64 { lock.withLock { sums[client] ?? 0 } }
    func fail(_ message: String) { lock.withLock { if failure == nil { failure = message } } }
}
