/// The workflows of issue 16 in the model: transfers between clients and goodwill on a lot's expiry.
extension ReferenceModel {
    /// Moves `credits` of exactly `scope` from `from` to `to`: taken in reverse burn-down order, each
    /// lot's share a `transferred_out` on it and a new lot of `to` (same scope and expiry) whose
    /// `transferred_in` repays `to`'s debts as an issue would. Returns the new lots' `seq`s.
    mutating func transfer(from: String, to: String, scope: String, credits: Int64) -> Result<[Int], Failure> {
        guard from != to else { return .failure(.invalidParams) }
        if scope != "any" {
            guard let type = types[scope] else { return .failure(.notFound) }
            guard type.requiresCredit else { return .failure(.invalidParams) }
        }
        let candidates = lots.indices
            .filter { lots[$0].client == from && lots[$0].scope == scope && lots[$0].isLive(at: now) }
            .sorted { burnsFirst(lots[$1], lots[$0], type: scope) }
        let available = candidates.reduce(0) { $0 + lots[$1].remaining }
        guard available >= credits else {
            return .failure(.insufficientCredits(available: available, required: credits))
        }
        var left = credits
        var created: [Int] = []
        for index in candidates where left > 0 && lots[index].remaining > 0 {
            let take = min(left, lots[index].remaining)
            lots[index].remaining -= take
            left -= take
            emit(.transferredOut, from, scope, amount: -take, credits: take, lot: index)
            created.append(grant(client: to, scope: scope, quantity: take, expiresAt: lots[index].expiresAt,
                                 kind: .transferredIn))
        }
        return .success(created)
    }

    /// Gives lot `seq` the expiry `expiresAt` (nil: none): refused in the past, on a lot no longer
    /// live, and when it is the expiry the lot has; otherwise an `extended` event of amount 0.
    mutating func extend(lot seq: Int, expiresAt: Int64?) -> Result<Void, Failure> {
        guard seq < lots.count else { return .failure(.notFound) }
        if let expiresAt, expiresAt <= now { return .failure(.invalidParams) }
        guard lots[seq].isLive(at: now) else { return .failure(.invalidState) }
        if let expiresAt, expiresAt <= lots[seq].effectiveAt { return .failure(.invalidParams) }
        guard expiresAt != lots[seq].expiresAt else { return .failure(.invalidParams) }
        lots[seq].expiresAt = expiresAt
        emit(.extended, lots[seq].client, lots[seq].scope, amount: 0, credits: lots[seq].remaining, lot: seq)
        return .success(())
    }
}
