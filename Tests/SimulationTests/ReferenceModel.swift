import CreditProtocol
import Scheduling

/// The ledger's rules (SPEC §3-4) as an in-memory model, to compare the Store against.
final class ReferenceModel {
    let calendar: StudioCalendar
    private(set) var nowMs: Int64
    private(set) var clients: [String: MClient] = [:]
    private(set) var bookings: [String: MBooking] = [:]
    var memberships: [String: MMembership] = [:]
    /// Memberships in creation order (dictionary order changes from run to run).
    var membershipList: [MMembership] = []
    private(set) var purchases: [String: MPurchase] = [:]
    var lotSeq = 0
    private var allocSeq = 0
    private var deadlines = MinHeap<ModelDue>()
    /// Events written since the last `takeEvents()`.
    private var events: [ModelEvent] = []
    /// Clients whose ledger changed since the last `takeTouched()`.
    var touched: Set<String> = []

    init(calendar: StudioCalendar, nowMs: Int64) {
        self.calendar = calendar
        self.nowMs = nowMs
    }

    var lotCount: Int { lotSeq }

    func takeEvents() -> [ModelEvent] { defer { events = [] }; return events }
    func takeTouched() -> Set<String> { defer { touched = [] }; return touched }

    func addClient(_ id: String) { clients[id] = MClient(id: id) }

    // MARK: - Balances

    func balance(_ client: String) -> ModelBalance {
        let c = clients[client]!
        var byScope: [String: Int64] = [:]
        var debt: Int64 = 0
        for lot in c.openLots where lot.isLive(nowMs) && lot.remaining > 0 { byScope[lot.scope, default: 0] += lot.remaining }
        for d in c.debts {
            byScope[d.scope, default: 0] -= d.credits
            debt += d.credits
        }
        return ModelBalance(total: byScope.values.reduce(0, +), debt: debt, byScope: byScope.filter { $0.value != 0 })
    }

    func describeLots(_ client: String) -> String {
        let c = clients[client]!
        let lots = c.openLots.map { lot in
            "#\(lot.seq) \(lot.source) \(lot.scope) \(lot.remaining) eff \(Timestamp(ms: lot.effectiveMs)) exp "
                + (lot.expiresMs.map { Timestamp(ms: $0).description } ?? "-") + (lot.frozen ? " frozen" : "")
                + (lot.boundaryExpiry ? " boundary" : "")
        }
        let m = c.membership.map { " membership \($0.id) \($0.status) cycle \($0.cycle) paused \($0.pausedDays)" } ?? ""
        return lots.joined(separator: "; ") + m
    }

    // MARK: - Time

    /// Moves to `now` and does everything due up to it, in deadline order.
    func advance(to now: Int64) {
        precondition(now >= nowMs)
        nowMs = now
        while let due = deadlines.first, due.atMs <= now {
            _ = deadlines.pop()
            process(due)
        }
    }

    func schedule(_ atMs: Int64, _ kind: DeadlineKind, _ key: String, _ subject: ModelDue.Subject) {
        deadlines.push(ModelDue(atMs: atMs, kind: kind, key: key, subject: subject))
    }

    func scheduleExpiry(_ lot: MLot) {
        if let at = lot.expiresMs, !lot.boundaryExpiry, !lot.frozen, !lot.done {
            schedule(at, .expireLot, String(lot.seq), .lot(lot))
        }
    }

    /// Entries are never removed when plans change; a stale one is recognised and skipped here.
    private func process(_ due: ModelDue) {
        switch due.subject {
        case .booking(let b) where due.kind == .settleCancellation:
            guard b.status == .cancelPending, b.settleMs == due.atMs else { return }
            settle(b)
        case .booking(let b):
            guard b.status == .booked, b.endsMs == due.atMs else { return }
            b.status = .completed
        case .lot(let lot):
            guard !lot.done, !lot.frozen, !lot.boundaryExpiry, lot.expiresMs == due.atMs else { return }
            expire(lot)
        case .membership(let m):
            guard m.nextBoundaryMs == due.atMs else { return }
            boundary(m, atMs: due.atMs)
        }
    }

    func emit(_ kind: EventKind, _ client: String, amount: Int64, credits: Int64) {
        events.append(ModelEvent(kind: kind, client: client, amount: amount, credits: credits))
        touched.insert(client)
    }

    func close(_ lot: MLot) {
        lot.done = true
        lot.remaining = 0
        clients[lot.client]!.openLots.removeAll { $0 === lot }
    }

    private func expire(_ lot: MLot) {
        if lot.remaining > 0 { emit(.expired, lot.client, amount: -lot.remaining, credits: lot.remaining) }
        touched.insert(lot.client)
        close(lot)
    }

    // MARK: - Credits

    @discardableResult
    func grant(client: String, scope: String, source: String, quantity: Int64, effectiveMs: Int64? = nil,
                       expiresMs: Int64?, membership: String? = nil, cycle: Int? = nil,
                       boundaryExpiry: Bool = false) -> MLot {
        lotSeq += 1
        let lot = MLot(seq: lotSeq, client: client, scope: scope, source: source, quantity: quantity,
                       effectiveMs: effectiveMs ?? nowMs, expiresMs: expiresMs, membership: membership, cycle: cycle)
        lot.boundaryExpiry = boundaryExpiry
        let c = clients[client]!
        c.openLots.append(lot)
        emit(.issued, client, amount: quantity, credits: quantity)
        // Later credits repay open debts of their scope (any: every scope) first, oldest first.
        for debt in c.debts where lot.remaining > 0 && (scope == "any" || debt.scope == scope) {
            let take = min(debt.credits, lot.remaining)
            if take == debt.credits {
                debt.lot = lot
            } else {
                debt.credits -= take
                allocSeq += 1
                let repaid = MAlloc(seq: allocSeq, booking: debt.booking, scope: debt.scope, lot: lot, credits: take)
                bookings[debt.booking]!.allocations.append(repaid)
            }
            lot.remaining -= take
            emit(.used, client, amount: 0, credits: take)
        }
        c.debts.removeAll { $0.lot != nil }
        scheduleExpiry(lot)
        return lot
    }

    func issue(client: String, scope: String, credits: Int64, expiresMs: Int64?) {
        grant(client: client, scope: scope, source: "manual", quantity: credits, expiresMs: expiresMs)
    }

    /// Removes from live, bookable lots of exactly `scope`, in reverse burn-down order.
    func remove(client: String, scope: String, credits: Int64) throws(ModelRejection) {
        let lots = clients[client]!.openLots
            .filter { $0.scope == scope && $0.isBookable(nowMs) }
            .sorted { Self.burnsFirst($1, $0) }
        guard lots.reduce(0, { $0 + $1.remaining }) >= credits else { throw ModelRejection(reason: .insufficientCredits) }
        var left = credits
        for lot in lots where left > 0 {
            let take = min(lot.remaining, left)
            lot.remaining -= take
            left -= take
            emit(.deleted, client, amount: -take, credits: take)
        }
    }

    /// Burn-down order, scope aside: earliest expiry (none last), earliest effective, lowest id.
    private static func burnsFirst(_ a: MLot, _ b: MLot) -> Bool {
        switch (a.expiresMs, b.expiresMs) {
        case (let x?, let y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.effectiveMs != b.effectiveMs ? a.effectiveMs < b.effectiveMs : a.seq < b.seq
        }
    }

    // MARK: - Packages

    func purchase(id: String, client: String, package: SimPackage) {
        let expires = package.expiryDays.map {
            calendar.endOfDayMs(calendar.adding(days: $0, to: calendar.localDate(atMs: nowMs)))
        }
        let lot = grant(client: client, scope: package.scope, source: "package",
                        quantity: package.credits + package.bonus, expiresMs: expires)
        purchases[id] = MPurchase(id: id, client: client, lot: lot)
    }

    func refund(id: String) throws(ModelRejection) {
        guard var p = purchases[id], !p.refunded else { throw ModelRejection(reason: .invalidState) }
        let lot = p.lot
        if lot.remaining > 0 { emit(.refunded, p.client, amount: -lot.remaining, credits: lot.remaining) }
        touched.insert(p.client)
        lot.remaining = 0
        lot.refunded = true
        clients[p.client]!.openLots.removeAll { $0 === lot }
        p.refunded = true
        purchases[id] = p
    }

    // MARK: - Bookings

    func book(id: String, client: String, type: SimType, startsMs: Int64, endsMs: Int64) throws(ModelRejection) {
        let c = clients[client]!
        let lots = c.openLots
            .filter { ($0.scope == type.id || $0.scope == "any") && $0.isBookable(nowMs) }
            .sorted { a, b in
                (a.scope == "any") != (b.scope == "any") ? b.scope == "any" : Self.burnsFirst(a, b)
            }
        let available = lots.reduce(0) { $0 + $1.remaining }
        guard available >= type.cost || type.allowNegative else {
            throw ModelRejection(reason: .insufficientCredits)
        }
        let b = MBooking(id: id, client: client, type: type, startsMs: startsMs, endsMs: endsMs, cost: type.cost)
        bookings[id] = b
        var left = type.cost
        for lot in lots where left > 0 {
            let take = min(lot.remaining, left)
            lot.remaining -= take
            allocSeq += 1
            b.allocations.append(MAlloc(seq: allocSeq, booking: id, scope: lot.scope, lot: lot, credits: take))
            emit(.used, client, amount: -take, credits: take)
            left -= take
        }
        if left > 0 {
            allocSeq += 1
            let debt = MAlloc(seq: allocSeq, booking: id, scope: type.id, lot: nil, credits: left)
            b.allocations.append(debt)
            c.debts.append(debt)
            emit(.used, client, amount: -left, credits: left)
        }
        schedule(endsMs, .completeBooking, id, .booking(b))
    }

    func cancel(id: String, mode: CancelMode) throws(ModelRejection) {
        let b = bookings[id]!
        guard b.status == .booked else { throw ModelRejection(reason: .invalidState) }
        let early = mode == .early || (mode == .auto && nowMs <= b.startsMs - b.type.windowS * 1000)
        if early {
            giveBack(b)
            b.status = .cancelledEarly
        } else {
            b.status = .cancelPending
            b.settleMs = nowMs + b.type.graceS * 1000
            if b.type.graceS == 0 { settle(b) } else { schedule(b.settleMs!, .settleCancellation, id, .booking(b)) }
        }
    }

    func waive(id: String) throws(ModelRejection) {
        let b = bookings[id]!
        guard b.status == .cancelPending else { throw ModelRejection(reason: .invalidState) }
        giveBack(b)
        b.status = .cancelledWaived
        b.settleMs = nil
    }

    func settleNow(id: String) throws(ModelRejection) {
        let b = bookings[id]!
        guard b.status == .cancelPending else { throw ModelRejection(reason: .invalidState) }
        settle(b)
    }

    func noShow(id: String) throws(ModelRejection) {
        let b = bookings[id]!
        // Only once the session has started.
        guard b.status == .booked || b.status == .completed, nowMs >= b.startsMs else {
            throw ModelRejection(reason: .invalidState)
        }
        b.status = .noShow
    }

    /// A late cancellation forfeits what the booking used: `voided`, no change of balance.
    private func settle(_ b: MBooking) {
        if b.cost > 0 { emit(.voided, b.client, amount: 0, credits: b.cost) }
        b.status = .cancelledLate
        b.settleMs = nil
    }

    /// Credits go back into the very lots they came from; a lot no longer live loses them at once.
    private func giveBack(_ b: MBooking) {
        let c = clients[b.client]!
        for a in b.allocations where a.held {
            a.held = false
            emit(.returned, b.client, amount: a.credits, credits: a.credits)
            guard let lot = a.lot else {
                c.debts.removeAll { $0 === a }
                continue
            }
            if lot.refunded {
                emit(.refunded, b.client, amount: -a.credits, credits: a.credits)
            } else if !lot.isLive(nowMs) {
                emit(.expired, b.client, amount: -a.credits, credits: a.credits)
            } else {
                lot.remaining += a.credits
            }
        }
    }
}
