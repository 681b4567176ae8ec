import CreditProtocol
import Scheduling

/// Membership rules of the reference model: cycles, rollover, pause, resume, cancel.
extension ReferenceModel {
    func cycleStartMs(_ m: MMembership, cycle: Int) -> Int64 {
        let date = calendar.cycleStartDate(anchor: m.startsOn, period: m.plan.period, periodCount: m.plan.count,
                                           cycle: cycle)
        return calendar.startOfDayMs(calendar.adding(days: m.pausedDays, to: date))
    }

    func createMembership(id: String, client: String, plan: SimPlan, startsOn: LocalDate) {
        let m = MMembership(id: id, client: client, plan: plan, startsOn: startsOn)
        memberships[id] = m
        membershipList.append(m)
        clients[client]!.membership = m
        m.nextBoundaryMs = calendar.startOfDayMs(startsOn)
        schedule(m.nextBoundaryMs!, .membershipBoundary, m.id, .membership(m))
        catchUp(m)
    }

    /// Boundaries already due run at once, each at its own instant (stale heap entries are skipped later).
    private func catchUp(_ m: MMembership) {
        while let at = m.nextBoundaryMs, at <= nowMs { boundary(m, atMs: at) }
    }

    func boundary(_ m: MMembership, atMs: Int64) {
        let next = m.cycle + 1
        touched.insert(m.client)
        if m.cycle >= 0,
           let lot = clients[m.client]!.openLots.first(where: {
               $0.membership == m.id && $0.cycle == m.cycle && $0.source == "membership"
           }) {
            var remaining = lot.remaining
            if m.status == "active", remaining > 0 {
                let roll = min(remaining, m.plan.rolloverMax ?? remaining)
                if roll > 0 {
                    let expires = m.plan.rolloverCycles.map { cycleStartMs(m, cycle: next + $0) }
                    lotSeq += 1
                    let rollover = MLot(seq: lotSeq, client: m.client, scope: lot.scope, source: "rollover",
                                        quantity: roll, effectiveMs: atMs, expiresMs: expires, membership: m.id,
                                        cycle: next)
                    clients[m.client]!.openLots.append(rollover)
                    emit(.rolledOver, m.client, amount: 0, credits: roll)
                    scheduleExpiry(rollover)
                    remaining -= roll
                }
            }
            if remaining > 0 { emit(.expired, m.client, amount: -remaining, credits: remaining) }
            close(lot)
        }
        if m.status == "cancelling" {
            m.status = "cancelled"
            m.nextBoundaryMs = nil
            return
        }
        let endMs = cycleStartMs(m, cycle: next + 1)
        grant(client: m.client, scope: m.plan.scope, source: "membership", quantity: m.plan.perCycle,
              effectiveMs: atMs, expiresMs: endMs, membership: m.id, cycle: next, boundaryExpiry: true)
        m.cycle = next
        m.nextBoundaryMs = endMs
        schedule(endMs, .membershipBoundary, m.id, .membership(m))
    }

    private func membershipLots(_ m: MMembership) -> [MLot] {
        clients[m.client]!.openLots.filter { $0.membership == m.id }
    }

    func pause(id: String) throws(ModelRejection) {
        let m = memberships[id]!
        guard m.status == "active" else { throw ModelRejection(reason: .invalidState) }
        m.status = "paused"
        m.pausedAtMs = nowMs
        m.nextBoundaryMs = nil
        for lot in membershipLots(m) { lot.frozen = true }
    }

    /// Boundaries and the frozen lots' expiries move by the whole days paused.
    func resume(id: String) throws(ModelRejection) {
        let m = memberships[id]!
        guard m.status == "paused", let pausedAt = m.pausedAtMs else { throw ModelRejection(reason: .invalidState) }
        let days = Int((nowMs - pausedAt) / 86_400_000)
        unfreeze(m, shiftDays: days)
        m.pausedDays += days
        m.status = "active"
        m.pausedAtMs = nil
        m.nextBoundaryMs = cycleStartMs(m, cycle: m.cycle + 1)
        schedule(m.nextBoundaryMs!, .membershipBoundary, m.id, .membership(m))
        catchUp(m)
    }

    private func unfreeze(_ m: MMembership, shiftDays: Int) {
        for lot in membershipLots(m) where lot.frozen {
            lot.frozen = false
            if let at = lot.expiresMs, shiftDays != 0 {
                lot.expiresMs = calendar.startOfDayMs(calendar.adding(days: shiftDays, to: calendar.localDate(atMs: at)))
            }
            scheduleExpiry(lot)
        }
        touched.insert(m.client)
    }

    func cancelMembership(id: String, atCycleEnd: Bool) throws(ModelRejection) {
        let m = memberships[id]!
        if atCycleEnd {
            guard m.status == "active" else { throw ModelRejection(reason: .invalidState) }
            m.status = "cancelling"
            return
        }
        guard m.status != "cancelled" else { throw ModelRejection(reason: .invalidState) }
        if m.status == "paused" { unfreeze(m, shiftDays: 0) }
        m.status = "cancelled"
        m.nextBoundaryMs = nil
        m.pausedAtMs = nil
        // The cycle's own lot now simply expires at its end; granted credits keep their expiry.
        for lot in membershipLots(m) where lot.boundaryExpiry {
            lot.boundaryExpiry = false
            scheduleExpiry(lot)
        }
    }
}
