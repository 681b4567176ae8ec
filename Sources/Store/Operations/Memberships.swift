import CreditProtocol
import GRDB
import Scheduling

/// Plans, memberships and the cycle boundary step the scheduler runs.
enum Memberships {
    static func createPlan(_ tx: Tx, _ p: PlanCreateParams) throws -> Plan {
        try Validate.id(p.id, "id")
        try Validate.text(p.name, "name", max: Limits.nameCharactersMax)
        try Validate.credits(p.creditsPerCycle, "credits_per_cycle")
        guard Period(rawValue: p.period) != nil else {
            throw LedgerError.invalidParams("period must be week, month or year")
        }
        let count = p.periodCount ?? 1
        try Validate.range(Int64(count), "period_count", 1...Int64(Limits.periodCountMax))
        if let max = p.rolloverMax { try Validate.range(max, "rollover_max", 0...Limits.creditsPerOperationMax) }
        guard !(p.rolloverUnlimited == true && p.rolloverMax != nil) else {
            throw LedgerError.invalidParams("give rollover_max or rollover_unlimited, not both")
        }
        if let cycles = p.rolloverExpiresAfterCycles {
            try Validate.range(Int64(cycles), "rollover_expires_after_cycles", 1...Int64(Limits.periodCountMax))
        }
        let scope = p.scope ?? "any"
        try Credits.requireIssuableScope(tx.db, scope)
        let exists = try Bool.fetchOne(tx.db, sql: "SELECT 1 FROM plan WHERE id = ?", arguments: [p.id]) ?? false
        guard !exists else { throw LedgerError.alreadyExists("plan \(p.id) already exists") }
        let rolloverMax: Int64? = p.rolloverUnlimited == true ? nil : (p.rolloverMax ?? 0)
        try tx.db.execute(sql: """
            INSERT INTO plan (id, name, scope, credits_per_cycle, period, period_count, rollover_max,
                rollover_expires_after_cycles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [p.id, p.name, scope, p.creditsPerCycle, p.period, count, rolloverMax,
                             p.rolloverExpiresAfterCycles])
        return try plan(tx.db, p.id)
    }

    static func archivePlan(_ tx: Tx, _ p: IdActionParams) throws -> Plan {
        _ = try plan(tx.db, p.id)
        try tx.db.execute(sql: "UPDATE plan SET archived = 1 WHERE id = ?", arguments: [p.id])
        return try plan(tx.db, p.id)
    }

    static let planColumns = """
        id, name, scope, credits_per_cycle, period, period_count, rollover_max, rollover_expires_after_cycles, archived
        """

    static func plan(_ db: Database, _ id: String) throws -> Plan {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(planColumns) FROM plan WHERE id = ?", arguments: [id])
        else { throw LedgerError.notFound("plan \(id) not found") }
        return planFrom(row)
    }

    static func planFrom(_ row: Row) -> Plan {
        Plan(id: row[0], name: row[1], scope: row[2], creditsPerCycle: row[3], period: row[4], periodCount: row[5],
             rolloverMax: row[6], rolloverExpiresAfterCycles: row[7], archived: row[8])
    }

    static func listPlans(_ db: Database, _ p: ListParams) throws -> Page<Plan> {
        let limit = try Validate.pageSize(p.limit)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(planColumns) FROM plan WHERE id > ? AND (? OR archived = 0) ORDER BY id LIMIT ?
            """, arguments: [p.cursor ?? "", p.includeArchived ?? false, limit + 1])
        return Setup.page(rows.map(planFrom), limit: limit, cursor: \.id)
    }

    static func create(_ tx: Tx, _ p: MembershipCreateParams) throws -> Membership {
        try Validate.id(p.id, "id")
        try Validate.id(p.client, "client")
        try Validate.id(p.plan, "plan")
        guard let startsOn = LocalDate(p.startsOn) else {
            throw LedgerError.invalidParams("starts_on must be a real date YYYY-MM-DD")
        }
        try Exists.activeClient(tx.db, p.client)
        let plan = try plan(tx.db, p.plan)
        guard !plan.archived else { throw LedgerError.invalidState("plan \(plan.id) is archived") }
        try Credits.requireIssuableScope(tx.db, plan.scope)
        let exists = try Bool.fetchOne(tx.db, sql: "SELECT 1 FROM membership WHERE id = ?", arguments: [p.id]) ?? false
        guard !exists else { throw LedgerError.alreadyExists("membership \(p.id) already exists") }
        let firstMs = try tx.calendar().startOfDayMs(startsOn)
        // The first boundary issues cycle 0 with cycle 1's start as its end: a membership whose
        // first cycle would end after 9999-12-31 could never run (the scheduler would skip it).
        _ = try cycleStartMs(tx, startsOn: startsOn.description, plan: plan, pausedDays: 0, cycle: 1)
        // Creating a backdated membership runs every missed cycle in this one transaction. Unbounded,
        // `starts_on: 0001-01-01` on a weekly plan was ~105k boundaries: the single writer busy for
        // minutes, then catchUp's guard precondition crashed the daemon (found by the fuzzer).
        guard (tx.nowMs - firstMs) / 86_400_000 <= Int64(Limits.membershipBackdateDaysMax) else {
            throw LedgerError.limitExceeded("starts_on is more than \(Limits.membershipBackdateDaysMax) days before now")
        }
        try tx.db.execute(sql: """
            INSERT INTO membership (id, client_id, plan_id, starts_on, status, cycle, cycle_starts_at_ms,
                next_boundary_at_ms, created_at_ms) VALUES (?, ?, ?, ?, 'active', -1, ?, ?, ?)
            """, arguments: [p.id, p.client, plan.id, startsOn.description, firstMs, firstMs, tx.nowMs])
        tx.deadlineChanged()
        try catchUp(tx, p.id)
        return try get(tx.db, p.id)
    }

    /// Runs every boundary of the membership that is due now, so credits are there at once.
    private static func catchUp(_ tx: Tx, _ id: String) throws {
        var guardCount = 0
        while let row = try Row.fetchOne(tx.db, sql: "SELECT next_boundary_at_ms FROM membership WHERE id = ?",
                                         arguments: [id]),
              let dueMs: Int64 = row[0], dueMs <= tx.nowMs {
            try boundary(tx, membership: id, dueAtMs: dueMs)
            guardCount += 1
            guard guardCount < 100_000 else {
                throw LedgerError.internalError("membership \(id) boundaries do not advance")
            }
        }
    }

    /// The instant cycle `cycle` starts: local midnight of starts_on + cycle periods + paused days.
    /// Throws `invalid_params` when that date would leave years 0001...9999 (never traps: the
    /// scheduler runs this on stored rows).
    static func cycleStartMs(_ tx: Tx, startsOn: String, plan: Plan, pausedDays: Int, cycle: Int) throws -> Int64 {
        let calendar = try tx.calendar()
        guard let anchor = LocalDate(startsOn), let period = Period(rawValue: plan.period) else {
            throw LedgerError.internalError("stored membership has a bad anchor \(startsOn) or period \(plan.period)")
        }
        guard let date = calendar.cycleStartDateIfRepresentable(anchor: anchor, period: period,
                                                                periodCount: plan.periodCount, cycle: cycle),
              let shifted = date.advanced(byDays: pausedDays)
        else {
            throw LedgerError.invalidParams(
                "cycle \(cycle) of a membership starting \(startsOn) on plan \(plan.id) would begin after \(LocalDate.max)")
        }
        return calendar.startOfDayMs(shifted)
    }

    /// `cycleStartMs` of `m`'s cycle `cycle`, or nil when it would begin after 9999-12-31.
    private static func cycleStartMsWithinCalendar(_ tx: Tx, _ m: Membership, plan: Plan, cycle: Int) throws -> Int64? {
        do {
            return try cycleStartMs(tx, startsOn: m.startsOn, plan: plan, pausedDays: m.pausedDays, cycle: cycle)
        } catch LedgerError.invalidParams {
            return nil
        }
    }

    /// One cycle boundary: the ending cycle's own lot rolls `min(remaining, rollover_max)` into a
    /// rollover lot, the rest expires; then the new cycle's lot is issued (unless the membership ends).
    static func boundary(_ tx: Tx, membership id: String, dueAtMs: Int64) throws {
        let m = try get(tx.db, id)
        let plan = try plan(tx.db, m.plan)
        let next = m.cycle + 1
        // The calendar ends at 9999-12-31: a membership whose next cycle would end after it ends
        // here, as if cancelled at cycle end.
        let endMs = m.status == "cancelling" ? nil : try cycleStartMsWithinCalendar(tx, m, plan: plan, cycle: next + 1)
        let ends = m.status == "cancelling" || endMs == nil
        if m.cycle >= 0 { try closeCycle(tx, m, plan: plan, dueAtMs: dueAtMs, rollInto: m.status == "active" && !ends ? next : nil) }
        guard let endMs, !ends else {
            try tx.db.execute(sql: """
                UPDATE membership SET status = 'cancelled', next_boundary_at_ms = NULL,
                    cancels_at_ms = COALESCE(cancels_at_ms, ?) WHERE id = ?
                """, arguments: [dueAtMs, id])
            return
        }
        _ = try Credits.grant(tx, client: m.client, scope: plan.scope, source: "membership",
                              quantity: plan.creditsPerCycle, effectiveAtMs: dueAtMs, expiresAtMs: endMs,
                              membership: id, cycle: next, boundaryExpiry: true,
                              rule: ["membership": id, "cycle": String(next),
                                     "boundary": Timestamp(ms: dueAtMs).description])
        try tx.db.execute(sql: """
            UPDATE membership SET cycle = ?, cycle_starts_at_ms = ?, next_boundary_at_ms = ? WHERE id = ?
            """, arguments: [next, dueAtMs, endMs, id])
        tx.deadlineChanged()
    }

    private static func closeCycle(_ tx: Tx, _ m: Membership, plan: Plan, dueAtMs: Int64, rollInto next: Int?) throws {
        guard let lot = try LotRecord.fetchOne(tx.db, sql: """
            SELECT \(LotRecord.columns) FROM lot
            WHERE membership_id = ? AND cycle = ? AND source = 'membership' AND expiry_done = 0
            """, arguments: [m.id, m.cycle]) else { return }
        var remaining = lot.refunded ? 0 : lot.remaining
        let rule: Rule = ["membership": m.id, "cycle": String(m.cycle), "boundary": Timestamp(ms: dueAtMs).description]
        if let next, remaining > 0 {
            let roll = min(remaining, plan.rolloverMax ?? remaining)
            if roll > 0 {
                // Rolled-over credits whose expiry would fall after 9999-12-31 do not expire.
                let expiresMs = try plan.rolloverExpiresAfterCycles.flatMap {
                    try cycleStartMsWithinCalendar(tx, m, plan: plan, cycle: next + $0)
                }
                let rollover = try LotRecord.insert(
                    tx.db, client: lot.clientId, scope: lot.scope, source: "rollover", quantity: roll,
                    effectiveAtMs: dueAtMs, expiresAtMs: expiresMs, actor: tx.actor.user, nowMs: tx.nowMs,
                    membership: m.id, cycle: next)
                try tx.append(.rolledOver, client: lot.clientId, scope: lot.scope, amount: 0, credits: roll, lot: lot,
                              toLot: rollover.id, atMs: dueAtMs,
                              rule: rule.adding(["rollover_max": plan.rolloverMax.map(String.init) ?? "unlimited"]))
                remaining -= roll
            }
        }
        if remaining > 0 {
            try tx.append(.expired, client: lot.clientId, scope: lot.scope, amount: -remaining, credits: remaining,
                          lot: lot, atMs: dueAtMs, rule: rule.adding(["reason": "cycle ended"]))
        }
        try tx.db.execute(sql: "UPDATE lot SET remaining = 0, expiry_done = 1, boundary_expiry = 0 WHERE id = ?",
                          arguments: [lot.id])
    }

    static func pause(_ tx: Tx, _ p: IdActionParams) throws -> Membership {
        let m = try get(tx.db, p.id)
        guard m.status == "active" else {
            throw LedgerError.invalidState("membership \(p.id) is \(m.status): only an active membership can be paused")
        }
        try tx.db.execute(sql: """
            UPDATE membership SET status = 'paused', paused_at_ms = ?, next_boundary_at_ms = NULL WHERE id = ?
            """, arguments: [tx.nowMs, p.id])
        try tx.db.execute(sql: "UPDATE lot SET frozen = 1 WHERE membership_id = ? AND expiry_done = 0 AND refunded = 0",
                          arguments: [p.id])
        return try get(tx.db, p.id)
    }

    /// Resumes: cycle boundaries and the frozen lots' expiries shift by the whole days paused.
    static func resume(_ tx: Tx, _ p: IdActionParams) throws -> Membership {
        let m = try get(tx.db, p.id)
        guard m.status == "paused" else {
            throw LedgerError.invalidState("membership \(p.id) is \(m.status): only a paused membership can be resumed")
        }
        let pausedAtMs = try Int64.fetchOne(tx.db, sql: "SELECT paused_at_ms FROM membership WHERE id = ?",
                                            arguments: [p.id]) ?? tx.nowMs
        let days = Int((tx.nowMs - pausedAtMs) / 86_400_000)
        try unfreeze(tx, membership: p.id, shiftDays: days)
        let plan = try plan(tx.db, m.plan)
        let pausedDays = m.pausedDays + days
        let nextMs = try cycleStartMs(tx, startsOn: m.startsOn, plan: plan, pausedDays: pausedDays, cycle: m.cycle + 1)
        try tx.db.execute(sql: """
            UPDATE membership SET status = 'active', paused_at_ms = NULL, paused_days = ?, next_boundary_at_ms = ?
            WHERE id = ?
            """, arguments: [pausedDays, nextMs, p.id])
        tx.deadlineChanged()
        try catchUp(tx, p.id)
        return try get(tx.db, p.id)
    }

    private static func unfreeze(_ tx: Tx, membership: String, shiftDays: Int) throws {
        let calendar = try tx.calendar()
        let lots = try LotRecord.fetchAll(tx.db, sql: "SELECT \(LotRecord.columns) FROM lot WHERE membership_id = ? AND frozen = 1",
                                          arguments: [membership])
        for lot in lots {
            let expiresMs = try lot.expiresAtMs.map { (atMs: Int64) throws -> Int64 in
                guard shiftDays != 0 else { return atMs }
                guard let shifted = calendar.localDate(atMs: atMs).advanced(byDays: shiftDays) else {
                    throw LedgerError.invalidParams("a pause of \(shiftDays) days moves lot \(lot.id)'s expiry after \(LocalDate.max)")
                }
                return calendar.startOfDayMs(shifted)
            }
            try tx.db.execute(sql: "UPDATE lot SET frozen = 0, expires_at_ms = ? WHERE id = ?",
                              arguments: [expiresMs, lot.id])
        }
        tx.deadlineChanged()
    }

    /// Cancels now (granted credits keep their expiry) or at the end of the current cycle.
    static func cancel(_ tx: Tx, _ p: MembershipCancelParams) throws -> Membership {
        let m = try get(tx.db, p.id)
        guard m.status == "active" || m.status == "paused" || m.status == "cancelling" else {
            throw LedgerError.invalidState("membership \(p.id) is already cancelled")
        }
        switch p.when ?? "now" {
        case "now":
            if m.status == "paused" { try unfreeze(tx, membership: p.id, shiftDays: 0) }
            try tx.db.execute(sql: """
                UPDATE membership SET status = 'cancelled', next_boundary_at_ms = NULL, cancels_at_ms = ? WHERE id = ?
                """, arguments: [tx.nowMs, p.id])
            // The cycle's own lot now expires at its cycle end like any other lot.
            try tx.db.execute(sql: "UPDATE lot SET boundary_expiry = 0 WHERE membership_id = ? AND boundary_expiry = 1",
                              arguments: [p.id])
            tx.deadlineChanged()
        case "cycle_end":
            guard m.status == "active" else {
                throw LedgerError.invalidState("membership \(p.id) is \(m.status): only an active membership can end at cycle end")
            }
            try tx.db.execute(sql: """
                UPDATE membership SET status = 'cancelling', cancels_at_ms = next_boundary_at_ms WHERE id = ?
                """, arguments: [p.id])
        default:
            throw LedgerError.invalidParams("when must be now or cycle_end")
        }
        return try get(tx.db, p.id)
    }

    static let columns = """
        id, client_id, plan_id, starts_on, status, cycle, cycle_starts_at_ms, next_boundary_at_ms, paused_days,
        cancels_at_ms
        """

    static func get(_ db: Database, _ id: String) throws -> Membership {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM membership WHERE id = ?", arguments: [id])
        else { throw LedgerError.notFound("membership \(id) not found") }
        return from(row)
    }

    static func from(_ row: Row) -> Membership {
        Membership(id: row[0], client: row[1], plan: row[2], startsOn: row[3], status: row[4], cycle: row[5],
                   cycleStartsAt: (row[6] as Int64?).map(Timestamp.init(ms:)),
                   nextBoundaryAt: (row[7] as Int64?).map(Timestamp.init(ms:)), pausedDays: row[8],
                   cancelsAt: (row[9] as Int64?).map(Timestamp.init(ms:)))
    }

    static func list(_ db: Database, _ p: MembershipListParams) throws -> Page<Membership> {
        let limit = try Validate.pageSize(p.limit)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(columns) FROM membership WHERE id > ? AND (? IS NULL OR client_id = ?) ORDER BY id LIMIT ?
            """, arguments: [p.cursor ?? "", p.client, p.client, limit + 1])
        return Setup.page(rows.map(from), limit: limit, cursor: \.id)
    }
}
