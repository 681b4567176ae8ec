import CreditProtocol

/// Human forms of studio, session types, clients, packages and plans.
enum RenderSetup {
    static func studio(_ s: Studio) -> String {
        Fields([("Time zone", s.timeZone), ("Currency", s.currency)]).render()
    }

    static func sessionTypes(_ types: [SessionType]) -> String {
        var table = Table([.init("ID"), .init("NAME"), .init("COST", .right), .init("CREDIT"),
                           .init("NEGATIVE"), .init("LATE WINDOW", .right), .init("GRACE", .right), .init("ARCHIVED")])
        for t in types {
            table.add([t.id, t.name, String(t.creditCost), t.requiresCredit ? "required" : "free",
                       Format.flag(t.allowNegative, "allowed"), Format.duration(t.lateCancelWindowS),
                       Format.duration(t.lateCancelGraceS), Format.flag(t.archived, "archived")])
        }
        return table.render()
    }

    static func sessionType(_ t: SessionType) -> String {
        Fields([
            ("Session type", t.id), ("Name", t.name), ("Credit cost", String(t.creditCost)),
            ("Requires credit", t.requiresCredit ? "yes" : "no"),
            ("Negative balance", t.allowNegative ? "allowed" : "not allowed"),
            ("Late-cancel window", Format.duration(t.lateCancelWindowS)),
            ("Late-cancel grace", Format.duration(t.lateCancelGraceS)),
            ("Archived", t.archived ? "yes" : "no"),
        ]).render()
    }

    static func archived(_ r: SessionTypeArchiveResult) -> String {
        let holders = r.clientsWithCredits == 1 ? "1 client still holds" : "\(r.clientsWithCredits) clients still hold"
        return "archived session type \(r.sessionType.id); \(holders) credits for it\n"
    }

    static func clients(_ clients: [Client]) -> String {
        var table = Table([.init("ID"), .init("NAME"), .init("EMAIL"), .init("INACTIVE")])
        for c in clients { table.add([c.id, c.name, c.email ?? "", Format.flag(!c.active, "deactivated")]) }
        return table.render()
    }

    static func client(_ c: Client) -> String {
        var fields = Fields([("Client", c.id), ("Name", c.name)])
        fields.add("Email", c.email)
        if !c.active { fields.add("Status", "deactivated: no new bookings or credits") }
        return fields.render()
    }

    static func packages(_ packages: [Package]) -> String {
        var table = Table([.init("ID"), .init("NAME"), .init("CREDITS", .right), .init("BONUS", .right),
                           .init("PRICE", .right), .init("EXPIRY"), .init("SCOPE"), .init("ARCHIVED")])
        for p in packages {
            table.add([p.id, p.name, String(p.credits), String(p.bonusCredits), Format.money(p.priceMinor, p.currency),
                       p.expiryDays.map { Format.count($0, "day") } ?? "never", p.scope, Format.flag(p.archived, "archived")])
        }
        return table.render()
    }

    static func package(_ p: Package) -> String {
        Fields([
            ("Package", p.id), ("Name", p.name), ("Credits", String(p.credits)), ("Bonus credits", String(p.bonusCredits)),
            ("Price", Format.money(p.priceMinor, p.currency)),
            ("Expiry", p.expiryDays.map { "\($0) days after purchase" } ?? "never"),
            ("Scope", p.scope), ("Archived", p.archived ? "yes" : "no"),
        ]).render()
    }

    static func rollover(_ p: Plan) -> String {
        guard let max = p.rolloverMax else { return "unlimited" }
        return max == 0 ? "none" : "up to \(max)"
    }

    static func period(_ p: Plan) -> String { p.periodCount == 1 ? p.period : "\(p.periodCount) \(p.period)s" }

    static func plans(_ plans: [Plan]) -> String {
        var table = Table([.init("ID"), .init("NAME"), .init("CREDITS", .right), .init("EVERY"), .init("ROLLOVER"),
                           .init("ROLLOVER EXPIRES"), .init("SCOPE"), .init("ARCHIVED")])
        for p in plans {
            table.add([p.id, p.name, String(p.creditsPerCycle), period(p), rollover(p),
                       p.rolloverExpiresAfterCycles.map { "after " + Format.count($0, "cycle") } ?? "never", p.scope,
                       Format.flag(p.archived, "archived")])
        }
        return table.render()
    }

    static func plan(_ p: Plan) -> String {
        Fields([
            ("Plan", p.id), ("Name", p.name), ("Credits per cycle", String(p.creditsPerCycle)), ("Cycle", period(p)),
            ("Rollover", rollover(p)),
            ("Rollover expires", p.rolloverExpiresAfterCycles.map { "after " + Format.count($0, "cycle") } ?? "never"),
            ("Scope", p.scope), ("Archived", p.archived ? "yes" : "no"),
        ]).render()
    }

    /// A page footer telling how to get the next page.
    static func more(_ cursor: String?) -> String {
        guard let cursor else { return "" }
        return "(more: add --cursor \(cursor))\n"
    }
}
