

/// The model's packages, time and helpers.
extension ReferenceModel {
    // MARK: - Packages

    /// Sells a package: one lot of credits + bonus, valid through the local date `expiry_days` after today.
    mutating func purchase(id: String, client: String, package packageId: String) -> Result<Int, Failure> {
        guard let package = packages[packageId] else { return .failure(.notFound) }
        guard !purchases.contains(where: { $0.id == id }) else { return .failure(.invalidState) }
        let expiresAt = package.expiryDays.map { (Self.floorDiv(now, Self.dayMs) + $0 + 1) * Self.dayMs }
        let seq = grant(client: client, scope: package.scope, quantity: package.credits + package.bonus,
                        expiresAt: expiresAt)
        purchases.append(Purchase(id: id, client: client, lot: seq))
        return .success(seq)
    }

    /// Refunds a purchase: the lot's unused credits go (`refunded`); used ones stay used.
    mutating func refund(id: String) -> Result<Void, Failure> {
        guard let index = purchases.firstIndex(where: { $0.id == id }) else { return .failure(.notFound) }
        guard !purchases[index].refunded else { return .failure(.invalidState) }
        let seq = purchases[index].lot
        let left = lots[seq].remaining
        if left > 0 {
            emit(.refunded, lots[seq].client, lots[seq].scope, amount: -left, credits: left, lot: seq)
        }
        lots[seq].remaining = 0
        lots[seq].refunded = true
        purchases[index].refunded = true
        return .success(())
    }

    // MARK: - Time

    /// Moves the clock to `instant`, doing everything due on the way: lots expire at `expires_at`,
    /// pending cancellations settle at the end of their grace, bookings complete at `ends_at`.
    mutating func advance(to instant: Int64) {
        precondition(instant >= now)
        now = instant
        for seq in lots.indices where !lots[seq].expiryProcessed {
            guard let at = lots[seq].expiresAt, at <= instant else { continue }
            lots[seq].expiryProcessed = true
            let left = lots[seq].remaining
            if left > 0 {
                emit(.expired, lots[seq].client, lots[seq].scope, amount: -left, credits: left, lot: seq, at: at)
            }
            lots[seq].remaining = 0
        }
        for index in bookings.indices {
            if bookings[index].status == .cancelPending, let at = bookings[index].settleAt, at <= instant {
                settle(index, at: at)
            }
            if bookings[index].status == .booked, bookings[index].endsAt <= instant {
                bookings[index].status = .completed
            }
        }
    }

    // MARK: - Helpers

    /// SPEC burn-down order for a booking of `type`: the type's own lots before `any`; then
    /// earliest expiry (none last); then earliest effective; then lowest id.
    func burnsFirst(_ a: Lot, _ b: Lot, type: String) -> Bool {
        let aOwn = a.scope == type, bOwn = b.scope == type
        if aOwn != bOwn { return aOwn }
        switch (a.expiresAt, b.expiresAt) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.effectiveAt != b.effectiveAt { return a.effectiveAt < b.effectiveAt }
        return a.seq < b.seq
    }

    /// The client's open debt holds, with the index of their booking.
    func debtHolds(_ client: String) -> [(booking: Int, hold: Hold)] {
        var result: [(booking: Int, hold: Hold)] = []
        for (index, booking) in bookings.enumerated() where booking.client == client {
            for hold in booking.holds where hold.lot == nil { result.append((index, hold)) }
        }
        return result
    }

    mutating func emit(_ kind: Kind, _ client: String, _ scope: String, amount: Int64, credits: Int64,
                               lot: Int? = nil, booking: String? = nil, at: Int64? = nil) {
        pending.append(Event(kind: kind, client: client, scope: scope, amount: amount, credits: credits, lot: lot,
                             booking: booking, at: at ?? now))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
