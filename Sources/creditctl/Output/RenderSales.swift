import CreditProtocol

/// Human forms of purchases, memberships, usage and the daemon's reports.
enum RenderSales {
    static func purchase(_ p: Purchase, _ zone: Zone) -> String {
        var fields = Fields([("Purchase", p.id), ("Client", p.client), ("Package", p.package)])
        fields.add("Payment ref", p.paymentRef)
        fields.add("Price", Format.money(p.priceMinor, p.currency))
        fields.add("Lot", String(p.lot))
        fields.add("Credits", String(p.credits))
        fields.add("Purchased", zone.dateTime(p.purchasedAt))
        fields.add("Expires", p.expiresAt.map(zone.validThrough) ?? "never")
        fields.add("Refunded", p.refunded ? "yes" + (p.refundedCredits.map { ", \(Format.count($0, "unused credit")) removed" } ?? "") : "no")
        return fields.render()
    }

    static func memberships(_ list: [Membership], _ zone: Zone) -> String {
        var table = Table([.init("MEMBERSHIP"), .init("CLIENT"), .init("PLAN"), .init("STARTS ON"), .init("STATUS"),
                           .init("CYCLE", .right), .init("NEXT BOUNDARY")])
        for m in list {
            table.add([m.id, m.client, m.plan, m.startsOn, m.status, m.cycle < 0 ? "not started" : String(m.cycle),
                       zone.dateTime(m.nextBoundaryAt)])
        }
        return table.render()
    }

    static func membership(_ m: Membership, _ zone: Zone) -> String {
        var fields = Fields([("Membership", m.id), ("Client", m.client), ("Plan", m.plan), ("Starts on", m.startsOn),
                             ("Status", m.status), RenderOutcome.cycle(m, zone)])
        if m.cycle >= 0 { fields.add("Cycle started", m.cycleStartsAt.map(zone.dateTime)) }
        fields.add("Next boundary", m.nextBoundaryAt.map(zone.dateTime))
        fields.add("Paused days", String(m.pausedDays))
        fields.add("Cancels", m.cancelsAt.map(zone.dateTime))
        return fields.render()
    }

    /// The usage figures' labels and values, in the order they add up.
    static func figures(_ u: UsageFigures) -> [(String, Int64)] {
        [("starting", u.starting), ("rollover in", u.rolloverIn), ("free cancellations", u.freeCancellations),
         ("manual changes", u.manualChanges), ("booked", u.totalBooked), ("rollover out", u.rolloverOut),
         ("expired", u.expired), ("refunded", u.refunded), ("left", u.left), ("forfeited (in booked)", u.forfeited)]
    }

    static func usage(_ s: UsageSummary, _ zone: Zone) -> String {
        var out = "usage of \(s.client)"
        if let m = s.membership { out += ", membership \(m)" }
        if let p = s.purchase { out += ", purchase \(p)" }
        out += "\n"
        var table = Table([.init("FIGURE"), .init("CREDITS", .right)])
        for (label, value) in figures(s.usage) { table.add([label, String(value)]) }
        out += table.render()
        if let cycles = s.cycles, !cycles.isEmpty {
            var columns: [Table.Column] = [.init("CYCLE", .right), .init("STARTS")]
            columns += figures(UsageFigures()).map { Table.Column($0.0.uppercased(), .right) }
            var perCycle = Table(columns)
            for c in cycles {
                perCycle.add([String(c.cycle), zone.dateTime(c.startsAt)] + figures(c.usage).map { String($0.1) })
            }
            out += "\n" + perCycle.render()
        }
        return out
    }

    static func status(_ s: DaemonStatus, _ zone: Zone) -> String {
        // A fault first: every write is refused until it is dealt with (OPERATIONS.md, "Faults").
        let fault: [(String, String)] = s.fault.map { [("WRITES REFUSED", $0)] } ?? []
        return Fields(fault + [
            ("Version", s.version), ("Protocol", String(s.protocol)),
            ("Now", s.now.description + (s.testClock ? " (test clock)" : "")),
            ("Connections", String(s.connections)), ("Lots", String(s.lots)), ("Events", String(s.events)),
            ("Scheduler processed", String(s.scheduler.processed)),
            ("Next deadline", s.scheduler.nextDeadline.map { $0.description } ?? "none"),
            ("Lag (ms)", "p50 \(s.scheduler.lagMs.p50), p99 \(s.scheduler.lagMs.p99), max \(s.scheduler.lagMs.max)"),
            ("Overdue at creation", String(s.scheduler.overdueAtCreation)),
            ("Skipped deadlines", s.scheduler.skipped == 0 ? "0" : "\(s.scheduler.skipped) (creditctl verify lists them)"),
        ]).render()
    }

    static func verify(_ v: VerifyResult) -> String {
        let counts = [Format.count(v.clients, "client"), Format.count(v.lots, "lot"), Format.count(v.events, "event")].joined(separator: ", ")
        guard !v.ok || !v.violations.isEmpty else { return "ok: every invariant holds (\(counts) checked)\n" }
        var table = Table([.init("CHECK"), .init("CLIENT"), .init("LOT", .right), .init("BOOKING"), .init("DETAIL")])
        for x in v.violations {
            table.add([x.check, x.client ?? "", x.lot.map(String.init) ?? "", x.booking ?? "", x.detail])
        }
        return "FAILED: \(Format.count(v.violations.count, "violation")) (\(counts) checked)\n"
            + table.render()
    }
}
