import CreditProtocol
import GRDB
import PropertyBased
import Testing
@testable import Store

/// One sequence: a fresh in-memory ledger and a fresh model, the same fixed setup, then the ops.
struct Harness {
    static let start: Int64 = 1_772_442_000_000  // 2026-03-02T09:00:00Z
    static let clients = ["c0", "c1", "c2"]
    static let types: [ReferenceModel.TypeRule] = [
        .init(id: "yoga", cost: 1, allowNegative: false, lateCancelWindowS: 86_400, lateCancelGraceS: 0),
        .init(id: "pt", cost: 2, allowNegative: true, lateCancelWindowS: 7_200, lateCancelGraceS: 3_600),
        .init(id: "open", requiresCredit: false),
    ]
    /// Scopes that issue and remove draw from; `open` does not take credits.
    static let scopes = ["yoga", "pt", "any", "open"]
    static let packages: [ReferenceModel.PackageRule] = [
        .init(id: "five", credits: 4, bonus: 1, expiryDays: 30, scope: "any"),
        .init(id: "pt3", credits: 3, bonus: 0, expiryDays: nil, scope: "pt"),
        .init(id: "yoga2", credits: 2, bonus: 0, expiryDays: 1, scope: "yoga"),
    ]
    static let batchMax = 3

    let ledger: Ledger
    var model: ReferenceModel
    var now: Int64 = start
    /// Ledger lot id of each model lot (index = model `seq`).
    var lotIds: [Int64] = []
    var lastEventId: Int64 = 0
    /// Ids of every event seen so far, in the order seen.
    var seenEvents: [Int64] = []
    var coverage = Coverage()
    let actor = Store.Actor(user: "prop")

    /// Given a fresh ledger with the fixed session types, clients and packages, and the model.
    init() throws {
        ledger = try Ledger(path: nil, studio: Studio(timeZone: "UTC", currency: "EUR"))
        model = ReferenceModel(now: Self.start, types: Self.types, packages: Self.packages)
        for type in Self.types {
            _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(
                id: type.id, name: type.id, requiresCredit: type.requiresCredit, creditCost: type.cost,
                allowNegative: type.allowNegative, lateCancelWindowS: type.lateCancelWindowS,
                lateCancelGraceS: type.lateCancelGraceS), by: actor), nowMs: now)
        }
        for client in Self.clients {
            _ = try ledger.perform(Ledger.clientCreate(ClientCreateParams(id: client, name: client), by: actor),
                                   nowMs: now)
        }
        for package in Self.packages {
            _ = try ledger.perform(Ledger.packageCreate(PackageCreateParams(
                id: package.id, name: package.id, credits: package.credits, bonusCredits: package.bonus,
                priceMinor: 1000, expiryDays: package.expiryDays.map { Int($0) }, scope: package.scope), by: actor),
                nowMs: now)
        }
    }

    /// Runs `ops`, checking after each; returns the first disagreement, or nil.
    mutating func run(_ ops: [Op]) -> String? {
        coverage.sequences += 1
        for (step, op) in ops.enumerated() {
            coverage.steps += 1
            // When the step runs on both sides
            let problem = apply(op, step: step)
            let events = model.drainEvents()
            coverage.count(events)
            if case .advance = op { coverage.scheduledVoids += events.filter { $0.kind == .voided }.count }
            // Then both agree on outcome, events and state
            if let problem = problem ?? check(expected: events) {
                return "step \(step) \(op): \(problem)\nsequence: \(ops.map(\.description).joined(separator: "; "))"
            }
        }
        // Then `history.list`, paged in small pages, lists every event once, newest first, summing to the balance.
        if let problem = checkHistory() {
            return "after the last step: \(problem)\nsequence: \(ops.map(\.description).joined(separator: "; "))"
        }
        return nil
    }

    /// Pages through each client's history with the public facade and compares it with the events seen.
    private func checkHistory() -> String? {
        var listed: [Int64] = []
        for client in Self.clients {
            var items: [HistoryItem] = []
            var cursor: String?
            do {
                repeat {
                    let page = try ledger.history(HistoryParams(client: client, limit: 7, cursor: cursor))
                    items += page.items
                    cursor = page.nextCursor
                } while cursor != nil
            } catch {
                return "history of \(client) failed: \(error)"
            }
            let sum = items.reduce(0) { $0 + $1.amount }
            guard sum == model.total(client) else { return "\(client) history sums to \(sum), model \(model.total(client))" }
            let order = items.map { ($0.at.ms, $0.id) }
            guard zip(order, order.dropFirst()).allSatisfy({ $0 > $1 }) else { return "\(client) history is not newest first" }
            guard items.allSatisfy({ $0.client == client }) else { return "\(client) history lists other clients' events" }
            listed += items.map(\.id)
        }
        guard listed.sorted() == seenEvents.sorted() else {
            return "history lists events \(listed.sorted()), steps wrote \(seenEvents.sorted())"
        }
        return nil
    }

    // MARK: - Steps

    /// Applies one op to the ledger and the model; returns a disagreement of outcomes, if any.
    private mutating func apply(_ op: Op, step: Int) -> String? {
        switch op {
        case let .issue(c, s, credits, expiry):
            let client = Self.clients[c], scope = Self.scopes[s]
            var params = CreditIssueParams(client: client, sessionType: scope, credits: credits)
            var expiresAt: Int64?
            switch expiry {
            case .never: break
            case .inHours(let hours):
                expiresAt = now + hours * 3_600_000
                params.expiresAt = Timestamp(ms: expiresAt!)
            case .throughDay(let days):
                let day = ReferenceModel.floorDiv(now, ReferenceModel.dayMs) + days
                params.expiresOn = Self.date(day: day)
                expiresAt = (day + 1) * ReferenceModel.dayMs
            }
            let expected = model.issue(client: client, scope: scope, credits: credits, expiresAt: expiresAt)
            let actual = attempt(Ledger.creditIssue(params, by: actor))
            if case .success(let result) = actual { lotIds.append(result.lots[0].id) }
            return agree(expected, actual)
        case let .remove(c, s, credits, lotPick):
            let client = Self.clients[c], scope = Self.scopes[s]
            // A named lot is drawn from the client's lots of any state (dead ones too), or from all lots.
            var named: Int?
            if let lotPick, !lotIds.isEmpty {
                let own = model.lots.filter { $0.client == client && $0.scope == scope }.map(\.seq)
                named = own.isEmpty || lotPick % 4 == 0 ? lotPick % lotIds.count : own[lotPick % own.count]
            }
            let expected = model.remove(client: client, scope: scope, credits: credits, lot: named)
            let actual = attempt(Ledger.creditRemove(CreditRemoveParams(
                client: client, sessionType: scope, credits: credits, lot: named.map { lotIds[$0] }), by: actor))
            return agree(expected, actual)
        case let .book(c, t, cost, startsIn, dryRun):
            let client = Self.clients[c], type = Self.types[t].id, id = "b\(step)"
            let startsAt = now + startsIn * 60_000, endsAt = startsAt + 3_600_000
            let before = model
            let expected = model.book(id: id, client: client, type: type, startsAt: startsAt, endsAt: endsAt,
                                      costOverride: cost)
            if dryRun {
                // A dry run predicts the same outcome and writes nothing.
                model = before
            }
            let actual = attempt(Ledger.bookingCreate(BookingCreateParams(
                id: id, client: client, sessionType: type, startsAt: Timestamp(ms: startsAt),
                creditCost: cost, dryRun: dryRun), by: actor))
            return agree(expected, actual)
        case let .cancel(pick, onlyBooked, mode):
            guard let id = pickBooking(pick, where: onlyBooked ? { $0.status == .booked } : nil) else { return nil }
            let modelMode: ReferenceModel.CancelMode = switch mode {
            case .early: .early
            case .late: .late
            case .auto, nil: .auto
            }
            let expected = model.cancel(id: id, mode: modelMode)
            return agree(expected, attempt(Ledger.bookingCancel(BookingCancelParams(id: id, mode: mode), by: actor)))
        case let .waive(pick, onlyPending):
            guard let id = pickBooking(pick, where: onlyPending ? { $0.status == .cancelPending } : nil) else { return nil }
            return agree(model.waive(id: id), attempt(Ledger.bookingWaive(IdActionParams(id: id), by: actor)))
        case let .settle(pick, onlyPending):
            guard let id = pickBooking(pick, where: onlyPending ? { $0.status == .cancelPending } : nil) else { return nil }
            return agree(model.settleNow(id: id), attempt(Ledger.bookingSettle(IdActionParams(id: id), by: actor)))
        case let .noShow(pick):
            guard let id = pickBooking(pick, where: nil) else { return nil }
            return agree(model.noShow(id: id), attempt(Ledger.bookingNoShow(IdActionParams(id: id), by: actor)))
        case let .advance(minutes):
            now += minutes * 60_000
            model.advance(to: now)
            // The daemon's loop: process bounded batches until one comes back short.
            do {
                while try ledger.processDue(nowMs: now, batchMax: Self.batchMax).count == Self.batchMax {}
            } catch {
                return "processDue threw \(error)"
            }
            return nil
        case let .purchase(c, p):
            let client = Self.clients[c], package = Self.packages[p].id, id = "p\(step)"
            let expected = model.purchase(id: id, client: client, package: package)
            let actual = attempt(Ledger.purchaseCreate(PurchaseCreateParams(id: id, client: client, package: package),
                                                       by: actor))
            if case .success(let purchase) = actual { lotIds.append(purchase.lot) }
            return agree(expected, actual)
        case let .refund(pick):
            guard !model.purchases.isEmpty else { return nil }
            let id = model.purchases[pick % model.purchases.count].id
            return agree(model.refund(id: id), attempt(Ledger.purchaseRefund(IdActionParams(id: id), by: actor)))
        case let .transfer(f, t, s, credits):
            let from = Self.clients[f], to = Self.clients[t], scope = Self.scopes[s]
            let expected = model.transfer(from: from, to: to, scope: scope, credits: credits)
            let actual = attempt(Ledger.creditTransfer(CreditTransferParams(
                from: from, to: to, sessionType: scope, credits: credits), by: actor))
            if case .success(let result) = actual { lotIds += result.parts.map(\.toLot.id) }
            return agree(expected, actual)
        case let .extend(pick, expiry):
            guard !lotIds.isEmpty else { return nil }
            let seq = pick % lotIds.count
            var params = LotExtendParams(lot: lotIds[seq])
            var expiresAt: Int64?
            switch expiry {
            case .never: params.noExpiry = true
            case .inHours(let hours):
                expiresAt = now + hours * 3_600_000
                params.expiresAt = Timestamp(ms: expiresAt!)
            case .throughDay(let days):
                let day = ReferenceModel.floorDiv(now, ReferenceModel.dayMs) + days
                params.expiresOn = Self.date(day: day)
                expiresAt = (day + 1) * ReferenceModel.dayMs
            }
            return agree(model.extend(lot: seq, expiresAt: expiresAt), attempt(Ledger.lotExtend(params, by: actor)))
        }
    }

    /// A booking chosen by `pick` among those matching `filter` (all when nil or none match).
    private func pickBooking(_ pick: Int, where filter: ((ReferenceModel.Booking) -> Bool)?) -> String? {
        guard !model.bookings.isEmpty else { return nil }
        let matching = filter.map { model.bookings.filter($0) } ?? []
        let pool = matching.isEmpty ? model.bookings : matching
        return pool[pick % pool.count].id
    }

    /// Performs an operation on the ledger at `now`.
    private func attempt<R>(_ operation: Store.LedgerOperation<R>) -> Result<R, LedgerError> {
        do { return .success(try ledger.perform(operation, nowMs: now)) } catch { return .failure(error) }
    }

    /// Compares the model's predicted outcome with the ledger's.
    private mutating func agree<T, U>(_ expected: Result<T, ReferenceModel.Failure>,
                                      _ actual: Result<U, LedgerError>) -> String? {
        switch (expected, actual) {
        case (.success, .success):
            return nil
        case let (.failure(predicted), .failure(thrown)):
            let same: Bool
            switch (predicted, thrown) {
            case let (.insufficientCredits(a, r), .insufficientCredits(b, s)):
                same = a == b && r == s
                coverage.insufficient += 1
            case (.invalidState, .invalidState), (.notFound, .notFound), (.invalidParams, .invalidParams):
                same = true
                coverage.otherErrors += 1
            default: same = false
            }
            return same ? nil : "model predicts \(predicted), ledger threw \(thrown)"
        case let (.success, .failure(thrown)):
            return "model predicts success, ledger threw \(thrown)"
        case let (.failure(predicted), .success):
            return "model predicts \(predicted), ledger succeeded"
        }
    }

    // MARK: - Checks

    /// Everything the per-step checks look at, read in ONE read transaction: the balances through
    /// the same function `ledger.balance` wraps, the events written since the last step, the sum of
    /// each client's event amounts, every lot, every booking's status and `verify`. (One transaction
    /// and cached statements keep 1000 sequences fast in debug builds; `history.list` paging is
    /// checked against the accumulated events at the end of each sequence.)
    struct Snapshot {
        var balances: [String: Balance] = [:]
        var newEvents: [EventRecord] = []
        var eventSums: [String: Int64] = [:]
        var lots: [LotRecord] = []
        var statuses: [String: String] = [:]
        var verify: VerifyResult?
    }

    /// Reads a `Snapshot` at `now`.
    private func snapshot() throws -> Snapshot {
        try ledger.query(nowMs: now) { [lastEventId] tx in
            var snapshot = Snapshot()
            let reader = ReadConnection(borrowing: tx.db)
            for client in Self.clients {
                snapshot.balances[client] = try Balances.get(reader, BalanceParams(client: client), nowMs: now)
            }
            snapshot.newEvents = try Row.fetchAll(tx.db.cachedStatement(
                sql: "SELECT \(EventRecord.columns) FROM event WHERE id > ? ORDER BY id"), arguments: [lastEventId])
                .map(EventRecord.init(row:))
            for row in try Row.fetchAll(tx.db.cachedStatement(
                sql: "SELECT client_id, SUM(amount) FROM event GROUP BY client_id")) {
                snapshot.eventSums[row[0]] = row[1]
            }
            snapshot.lots = try LotRecord.fetchAll(tx.db.cachedStatement(
                sql: "SELECT \(LotRecord.columns) FROM lot ORDER BY id"))
            for row in try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT id, status FROM booking")) {
                snapshot.statuses[row[0]] = row[1]
            }
            snapshot.verify = try Verify.run(tx.db)
            return snapshot
        }
    }

    /// Compares everything observable after a step; returns the first disagreement, or nil.
    private mutating func check(expected events: [ReferenceModel.Event]) -> String? {
        let state: Snapshot
        do { state = try snapshot() } catch { return "read failed: \(error)" }
        let seqOfLot = Dictionary(uniqueKeysWithValues: lotIds.enumerated().map { ($1, $0) })
        var newEvents: [ReferenceModel.Event] = []
        var maxId = lastEventId
        for client in Self.clients {
            // Balance: total, debt, per scope, next expiry.
            let balance = state.balances[client]!
            guard balance.total == model.total(client) else {
                return "\(client) balance \(balance.total), model \(model.total(client))"
            }
            guard balance.debt == model.debt(client) else {
                return "\(client) debt \(balance.debt), model \(model.debt(client))"
            }
            var scopes: [String: Int64] = [:]
            var expiries: [String: String] = [:]
            for entry in balance.bySessionType {
                if entry.credits != 0 { scopes[entry.sessionType] = entry.credits }
                if let next = entry.nextExpiry { expiries[entry.sessionType] = "\(next.at.ms)x\(next.credits)" }
            }
            guard scopes == model.creditsByScope(client) else {
                return "\(client) by scope \(scopes), model \(model.creditsByScope(client))"
            }
            let modelExpiries = model.nextExpiry(client).mapValues { "\($0.at)x\($0.credits)" }
            guard expiries == modelExpiries else {
                return "\(client) next expiry \(expiries), model \(modelExpiries)"
            }
            // Events: their amounts sum to the balance.
            guard state.eventSums[client, default: 0] == balance.total else {
                return "\(client) events sum to \(state.eventSums[client, default: 0]), balance \(balance.total)"
            }
        }
        // The new events are exactly what the model wrote.
        for event in state.newEvents {
            maxId = max(maxId, event.id)
            var lot: Int?
            if let id = event.lotId {
                guard let seq = seqOfLot[id] else { return "event \(event.id) names unknown lot \(id)" }
                lot = seq
            }
            newEvents.append(ReferenceModel.Event(
                kind: ReferenceModel.Kind(rawValue: event.kind.rawValue)!, client: event.clientId, scope: event.scope,
                amount: event.amount, credits: event.credits, lot: lot, booking: event.bookingId, at: event.atMs))
        }
        seenEvents += state.newEvents.map(\.id)
        lastEventId = maxId
        guard newEvents.sorted() == events.sorted() else {
            return "events\n  ledger: \(newEvents.sorted())\n  model:  \(events.sorted())"
        }
        // Lots: every remainder, scope, expiry and refund flag.
        guard state.lots.count == model.lots.count else {
            return "ledger has \(state.lots.count) lots, model \(model.lots.count)"
        }
        for lot in model.lots {
            guard let row = state.lots.first(where: { $0.id == lotIds[lot.seq] }) else { return "lot \(lot.seq) missing" }
            guard row.remaining == lot.remaining, row.scope == lot.scope, row.clientId == lot.client,
                  row.expiresAtMs == lot.expiresAt, row.refunded == lot.refunded,
                  row.effectiveAtMs == lot.effectiveAt else {
                return "lot \(lot.seq) (id \(row.id)): ledger remaining \(row.remaining) scope \(row.scope) "
                    + "expires \(row.expiresAtMs.map(String.init) ?? "-") refunded \(row.refunded); model \(lot)"
            }
        }
        // Bookings: the same ones, in the same states.
        let modelStatuses = Dictionary(uniqueKeysWithValues: model.bookings.map { ($0.id, $0.status.rawValue) })
        guard state.statuses == modelStatuses else { return "booking statuses \(state.statuses), model \(modelStatuses)" }
        // Invariants.
        guard let verify = state.verify, verify.ok else { return "verify: \(state.verify?.violations ?? [])" }
        return nil
    }

    /// The UTC date `YYYY-MM-DD` of day number `day` since 1970-01-01 (civil-from-days).
    static func date(day: Int64) -> String {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
