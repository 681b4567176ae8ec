/// A small, independent, pure-Swift model of the ledger rules of SPEC §2–3, used as the oracle of
/// `LedgerPropertyTests`. It knows nothing of SQL, allocations tables or deadlines columns: it keeps
/// lots, bookings and purchases in plain arrays and applies the rules as the SPEC words them.
///
/// Covered: lots with scope / remaining / expiry; the burn-down order; `insufficient_credits`;
/// debt for types that allow negative balances and its repayment oldest first by later credits of
/// the scope (or `any`); removal in reverse burn-down order or from a named lot; early cancellation
/// returning credits to the very lots (and losing them at once when the lot is no longer live);
/// late cancellation -> pending -> settled by time (grace), by staff, or waived; completion and
/// no-shows; expiry as time advances; package purchases (credits + bonus, date-based expiry) and
/// refunds. All instants are Int64 milliseconds; the studio zone is UTC.
///
/// Choices the SPEC leaves open, matched to the ledger and noted here:
/// - a debt repayment is a `used` event of amount 0 on the repaying lot (the booking's debt moves
///   into that lot, so an early cancellation later returns it there);
/// - a late cancellation with `late_cancel_grace_s == 0` settles (`voided`) in the same call;
/// - a return into a lot that is both refunded and past its expiry is written as `refunded`;
/// - `expired` / `refunded` events are only written when the lot still has credits.
struct ReferenceModel {
    static let dayMs: Int64 = 86_400_000

    /// The rules of one session type that the model needs.
    struct TypeRule {
        var id: String
        var requiresCredit = true
        var cost: Int64 = 1
        var allowNegative = false
        var lateCancelWindowS: Int64 = 86_400
        var lateCancelGraceS: Int64 = 0
    }

    /// A package on sale: one purchase creates one lot of `credits + bonus`.
    struct PackageRule {
        var id: String
        var credits: Int64
        var bonus: Int64
        var expiryDays: Int64?
        var scope: String
    }

    /// Credits issued together to one client. `seq` is the creation order (the ledger's lot ids
    /// increase the same way, so it is also the last burn-down tie-breaker).
    struct Lot {
        var seq: Int
        var client: String
        var scope: String
        var quantity: Int64
        var remaining: Int64
        var effectiveAt: Int64
        var expiresAt: Int64?
        var refunded = false
        var expiryProcessed = false

        /// SPEC: live when `effective_at <= now < expires_at` (no expiry: forever) and not refunded.
        func isLive(at now: Int64) -> Bool {
            !refunded && effectiveAt <= now && (expiresAt.map { now < $0 } ?? true)
        }
    }

    /// Credits a booking holds: from a lot, or as debt (`lot == nil`) in the booked type's scope.
    struct Hold {
        var lot: Int?
        var scope: String
        var credits: Int64
        /// Order in which debts were incurred: repayment is oldest first.
        var debtOrder: Int
    }

    enum Status: String {
        case booked, completed
        case cancelPending = "cancel_pending"
        case cancelledEarly = "cancelled_early"
        case cancelledLate = "cancelled_late"
        case cancelledWaived = "cancelled_waived"
        case noShow = "no_show"
    }

    struct Booking {
        var id: String
        var client: String
        var type: String
        var startsAt: Int64
        var endsAt: Int64
        var cost: Int64
        var status: Status = .booked
        var holds: [Hold] = []
        var settleAt: Int64?
    }

    struct Purchase {
        var id: String
        var client: String
        var lot: Int
        var refunded = false
    }

    enum Kind: String, CaseIterable {
        case issued, used, returned, voided, deleted, expired, refunded, extended
        case transferredOut = "transferred_out"
        case transferredIn = "transferred_in"
    }

    /// An event as the model expects the ledger to write it (lots named by `seq`).
    struct Event: Hashable, Comparable, CustomStringConvertible {
        var kind: Kind
        var client: String
        var scope: String
        var amount: Int64
        var credits: Int64
        var lot: Int?
        var booking: String?
        var at: Int64

        var description: String {
            "\(kind.rawValue)(\(client) \(scope) amount \(amount) credits \(credits) lot \(lot.map(String.init) ?? "-") "
                + "booking \(booking ?? "-") at \(at))"
        }
        static func < (a: Event, b: Event) -> Bool { a.description < b.description }
    }

    /// The errors the model predicts.
    enum Failure: Error, Equatable {
        case insufficientCredits(available: Int64, required: Int64)
        case invalidState
        case notFound
        case invalidParams
    }

    enum CancelMode { case auto, early, late }

    var now: Int64
    let types: [String: TypeRule]
    let packages: [String: PackageRule]
    var lots: [Lot] = []
    var bookings: [Booking] = []
    var purchases: [Purchase] = []
    var debtCounter = 0
    /// Events written since the last `drainEvents()`.
    var pending: [Event] = []

    init(now: Int64, types: [TypeRule], packages: [PackageRule]) {
        self.now = now
        self.types = Dictionary(uniqueKeysWithValues: types.map { ($0.id, $0) })
        self.packages = Dictionary(uniqueKeysWithValues: packages.map { ($0.id, $0) })
    }

    // MARK: - Reads

    /// Balance = live remaining − debt.
    func total(_ client: String) -> Int64 {
        creditsByScope(client).values.reduce(0, +)
    }

    /// Open debt: held credits without a lot.
    func debt(_ client: String) -> Int64 {
        debtHolds(client).reduce(0) { $0 + $1.hold.credits }
    }

    /// Live remaining per scope minus that scope's debt; zero entries dropped.
    func creditsByScope(_ client: String) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for lot in lots where lot.client == client && lot.isLive(at: now) {
            result[lot.scope, default: 0] += lot.remaining
        }
        for (_, hold) in debtHolds(client) { result[hold.scope, default: 0] -= hold.credits }
        return result.filter { $0.value != 0 }
    }

    /// Per scope, the earliest expiry among live lots with credits and how many credits expire then.
    func nextExpiry(_ client: String) -> [String: (at: Int64, credits: Int64)] {
        var result: [String: (at: Int64, credits: Int64)] = [:]
        for lot in lots where lot.client == client && lot.isLive(at: now) && lot.remaining > 0 {
            guard let at = lot.expiresAt else { continue }
            if let current = result[lot.scope], current.at < at { continue }
            if let current = result[lot.scope], current.at == at {
                result[lot.scope] = (at, current.credits + lot.remaining)
            } else {
                result[lot.scope] = (at, lot.remaining)
            }
        }
        return result
    }

    func booking(_ id: String) -> Booking? { bookings.first { $0.id == id } }

    /// Hands over the events written since the last call.
    mutating func drainEvents() -> [Event] {
        defer { pending = [] }
        return pending
    }

    // MARK: - Issue, remove

    /// Issues a manual lot; returns its `seq`.
    mutating func issue(client: String, scope: String, credits: Int64, expiresAt: Int64?) -> Result<Int, Failure> {
        if scope != "any" {
            guard let type = types[scope] else { return .failure(.notFound) }
            guard type.requiresCredit else { return .failure(.invalidParams) }
        }
        if let expiresAt, expiresAt <= now { return .failure(.invalidParams) }
        return .success(grant(client: client, scope: scope, quantity: credits, expiresAt: expiresAt))
    }

    /// Creates a lot, writes `issued`, then lets it repay the client's open debts of its scope
    /// (every scope for `any`), oldest first.
    mutating func grant(client: String, scope: String, quantity: Int64, expiresAt: Int64?,
                        kind: Kind = .issued) -> Int {
        let seq = lots.count
        lots.append(Lot(seq: seq, client: client, scope: scope, quantity: quantity, remaining: quantity,
                        effectiveAt: now, expiresAt: expiresAt))
        emit(kind, client, scope, amount: quantity, credits: quantity, lot: seq)
        for (bookingIndex, hold) in debtHolds(client).sorted(by: { $0.hold.debtOrder < $1.hold.debtOrder })
        where scope == "any" || scope == hold.scope {
            guard lots[seq].remaining > 0 else { break }
            let take = min(hold.credits, lots[seq].remaining)
            lots[seq].remaining -= take
            var holds = bookings[bookingIndex].holds
            let index = holds.firstIndex { $0.lot == nil && $0.debtOrder == hold.debtOrder }!
            if take == holds[index].credits {
                holds[index].lot = seq
            } else {
                holds[index].credits -= take
                holds.append(Hold(lot: seq, scope: hold.scope, credits: take, debtOrder: -1))
            }
            bookings[bookingIndex].holds = holds
            emit(.used, client, scope, amount: 0, credits: take, lot: seq, booking: bookings[bookingIndex].id)
        }
        return seq
    }

    /// Removes credits of exactly `scope`: from the named lot, or in reverse burn-down order.
    mutating func remove(client: String, scope: String, credits: Int64, lot named: Int?) -> Result<Void, Failure> {
        if scope != "any", types[scope] == nil { return .failure(.notFound) }
        let candidates: [Int]
        if let named {
            guard named < lots.count, lots[named].client == client, lots[named].scope == scope else {
                return .failure(.notFound)
            }
            guard lots[named].isLive(at: now) else { return .failure(.invalidState) }
            candidates = [named]
        } else {
            candidates = lots.indices
                .filter { lots[$0].client == client && lots[$0].scope == scope && lots[$0].isLive(at: now) }
                .sorted { burnsFirst(lots[$1], lots[$0], type: scope) }
        }
        let available = candidates.reduce(0) { $0 + lots[$1].remaining }
        guard available >= credits else {
            return .failure(.insufficientCredits(available: available, required: credits))
        }
        var left = credits
        for index in candidates where left > 0 && lots[index].remaining > 0 {
            let take = min(left, lots[index].remaining)
            lots[index].remaining -= take
            left -= take
            emit(.deleted, client, scope, amount: -take, credits: take, lot: index)
        }
        return .success(())
    }

    // MARK: - Bookings

    /// Books a session, taking its cost in burn-down order; the shortfall is debt when the type allows it.
    mutating func book(id: String, client: String, type typeId: String, startsAt: Int64, endsAt: Int64,
                       costOverride: Int64?) -> Result<Void, Failure> {
        guard let type = types[typeId] else { return .failure(.notFound) }
        guard booking(id) == nil else { return .failure(.invalidState) }
        let cost = type.requiresCredit ? (costOverride ?? type.cost) : 0
        let usable = lots.indices
            .filter {
                lots[$0].client == client && (lots[$0].scope == typeId || lots[$0].scope == "any")
                    && lots[$0].isLive(at: now) && lots[$0].remaining > 0
            }
            .sorted { burnsFirst(lots[$0], lots[$1], type: typeId) }
        let available = usable.reduce(0) { $0 + lots[$1].remaining }
        if cost > available && !type.allowNegative {
            return .failure(.insufficientCredits(available: available, required: cost))
        }
        var booking = Booking(id: id, client: client, type: typeId, startsAt: startsAt, endsAt: endsAt, cost: cost)
        var left = cost
        for index in usable where left > 0 {
            let take = min(left, lots[index].remaining)
            lots[index].remaining -= take
            left -= take
            booking.holds.append(Hold(lot: index, scope: lots[index].scope, credits: take, debtOrder: -1))
            emit(.used, client, lots[index].scope, amount: -take, credits: take, lot: index, booking: id)
        }
        if left > 0 {
            debtCounter += 1
            booking.holds.append(Hold(lot: nil, scope: typeId, credits: left, debtOrder: debtCounter))
            emit(.used, client, typeId, amount: -left, credits: left, booking: id)
        }
        bookings.append(booking)
        return .success(())
    }

    /// Cancels a booked session: early returns the credits, late makes it pending until the grace ends.
    mutating func cancel(id: String, mode: CancelMode) -> Result<Void, Failure> {
        guard let index = bookings.firstIndex(where: { $0.id == id }) else { return .failure(.notFound) }
        guard bookings[index].status == .booked else { return .failure(.invalidState) }
        let type = types[bookings[index].type]!
        let early: Bool
        switch mode {
        case .early: early = true
        case .late: early = false
        case .auto: early = now <= bookings[index].startsAt - type.lateCancelWindowS * 1000
        }
        if early {
            giveBack(index)
            bookings[index].status = .cancelledEarly
        } else {
            bookings[index].status = .cancelPending
            bookings[index].settleAt = now + type.lateCancelGraceS * 1000
            if type.lateCancelGraceS == 0 { settle(index, at: now) }
        }
        return .success(())
    }

    /// Staff waive a pending late cancellation: the credits come back as for an early one.
    mutating func waive(id: String) -> Result<Void, Failure> {
        guard let index = bookings.firstIndex(where: { $0.id == id }) else { return .failure(.notFound) }
        guard bookings[index].status == .cancelPending else { return .failure(.invalidState) }
        giveBack(index)
        bookings[index].status = .cancelledWaived
        bookings[index].settleAt = nil
        return .success(())
    }

    /// Staff settle a pending late cancellation now.
    mutating func settleNow(id: String) -> Result<Void, Failure> {
        guard let index = bookings.firstIndex(where: { $0.id == id }) else { return .failure(.notFound) }
        guard bookings[index].status == .cancelPending else { return .failure(.invalidState) }
        settle(index, at: now)
        return .success(())
    }

    /// A booked or completed session can be marked a no-show once it has started; credits are untouched.
    mutating func noShow(id: String) -> Result<Void, Failure> {
        guard let index = bookings.firstIndex(where: { $0.id == id }) else { return .failure(.notFound) }
        guard bookings[index].status == .booked || bookings[index].status == .completed,
              now >= bookings[index].startsAt else {
            return .failure(.invalidState)
        }
        bookings[index].status = .noShow
        return .success(())
    }

    /// Forfeits a pending cancellation: `voided` (amount 0, credits = cost), cancelled_late.
    mutating func settle(_ index: Int, at: Int64) {
        let booking = bookings[index]
        if booking.cost > 0 {
            emit(.voided, booking.client, booking.type, amount: 0, credits: booking.cost, booking: booking.id, at: at)
        }
        bookings[index].status = .cancelledLate
        bookings[index].settleAt = nil
    }

    /// Returns every held credit into the lot it came from (lost at once when that lot is no
    /// longer live); debt holds are simply cancelled.
    mutating func giveBack(_ index: Int) {
        let booking = bookings[index]
        for hold in booking.holds {
            guard let seq = hold.lot else {
                emit(.returned, booking.client, hold.scope, amount: hold.credits, credits: hold.credits,
                     booking: booking.id)
                continue
            }
            let scope = lots[seq].scope
            emit(.returned, booking.client, scope, amount: hold.credits, credits: hold.credits, lot: seq,
                 booking: booking.id)
            if lots[seq].refunded {
                emit(.refunded, booking.client, scope, amount: -hold.credits, credits: hold.credits, lot: seq,
                     booking: booking.id)
            } else if !lots[seq].isLive(at: now) {
                emit(.expired, booking.client, scope, amount: -hold.credits, credits: hold.credits, lot: seq,
                     booking: booking.id)
            } else {
                lots[seq].remaining += hold.credits
                precondition(lots[seq].remaining <= lots[seq].quantity, "model returned too much into lot \(seq)")
            }
        }
        bookings[index].holds = []
    }
}
