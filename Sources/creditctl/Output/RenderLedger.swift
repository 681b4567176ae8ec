import CreditProtocol

/// Human forms of balances, history, notes, bookings, purchases, memberships and usage.
enum RenderLedger {
    static func balance(_ b: Balance, _ zone: Zone) -> String {
        var out = "\(b.client): \(b.total) credit\(b.total == 1 ? "" : "s")"
        if b.debt != 0 { out += ", debt \(b.debt)" }
        out += "\n"
        var table = Table([.init("SESSION TYPE"), .init("CREDITS", .right), .init("ARCHIVED"), .init("NEXT EXPIRY")])
        for s in b.bySessionType {
            let expiry = s.nextExpiry.map {
                "\($0.credits) credit\($0.credits == 1 ? "" : "s") expire\($0.credits == 1 ? "s" : "") \(zone.validThrough($0.at))"
            }
            table.add([s.sessionType, String(s.credits), Format.flag(s.archived, "archived"), expiry ?? ""])
        }
        return out + table.render()
    }

    static func history(_ items: [HistoryItem], _ zone: Zone) -> String {
        var table = Table([.init("EVENT", .right), .init("AT"), .init("KIND"), .init("CLIENT"), .init("SESSION TYPE"),
                           .init("AMOUNT", .right), .init("CREDITS", .right), .init("LOT", .right), .init("BOOKING"),
                           .init("BY"), .init("NOTE")])
        for e in items {
            table.add([String(e.id), zone.dateTime(e.at), e.event.rawValue, e.client, e.sessionType,
                       amount(e), String(e.credits), e.lot.map(String.init) ?? "", e.booking ?? "",
                       by(e.actor, e.staff), e.note ?? ""])
        }
        return table.render()
    }

    /// The signed amount; empty for `voided`, which changes no balance (the credits went when booked).
    static func amount(_ e: HistoryItem) -> String { e.event == .voided ? "" : Format.signed(e.amount) }

    /// `alice` or `alice (Sam)` when a front end named the teammate.
    static func by(_ actor: String, _ staff: String?) -> String {
        guard let staff, !staff.isEmpty else { return actor }
        return "\(actor) (\(staff))"
    }

    /// One line of `watch`.
    static func event(_ e: HistoryItem, _ zone: Zone) -> String {
        var line = "\(zone.dateTime(e.at))  #\(e.id) \(e.event.rawValue) \(e.client) \(e.sessionType)"
        line += " \(amount(e).isEmpty ? "" : amount(e) + " ")(\(Format.count(e.credits, "credit")))"
        if let lot = e.lot { line += " lot \(lot)" }
        if let booking = e.booking { line += " booking \(booking)" }
        line += " by \(by(e.actor, e.staff))"
        if let note = e.note { line += " — \(note.replacingOccurrences(of: "\n", with: " "))" }
        return Printable.escape(line) + "\n"
    }

    static func notes(_ edits: [NoteEdit], _ zone: Zone) -> String {
        var table = Table([.init("AT"), .init("BY"), .init("NOTE")])
        for n in edits { table.add([zone.dateTime(n.at), by(n.actor, n.staff), n.note ?? "(cleared)"]) }
        return table.render()
    }

    static func issued(_ r: CreditIssueResult, _ zone: Zone) -> String {
        var table = Table([.init("LOT", .right), .init("CLIENT"), .init("SCOPE"), .init("CREDITS", .right),
                           .init("EXPIRES")])
        for lot in r.lots {
            table.add([String(lot.id), lot.client, lot.scope, String(lot.quantity),
                       lot.expiresAt.map(zone.validThrough) ?? "never"])
        }
        let repaid = r.debtRepaid > 0 ? "\(r.debtRepaid) credits repaid earlier debt\n" : ""
        return table.render() + repaid
    }

    static func bookings(_ bookings: [Booking], _ zone: Zone) -> String {
        var table = Table([.init("BOOKING"), .init("CLIENT"), .init("SESSION TYPE"), .init("STARTS"),
                           .init("COST", .right), .init("STATUS")])
        for b in bookings {
            table.add([b.id, b.client, b.sessionType, zone.dateTime(b.startsAt), String(b.creditCost), b.status.rawValue])
        }
        return table.render()
    }

    static func booking(_ b: Booking, _ zone: Zone) -> String {
        var fields = Fields([("Booking", b.id), ("Client", b.client), ("Session type", b.sessionType),
                             ("Starts", zone.dateTime(b.startsAt)), ("Ends", zone.dateTime(b.endsAt)),
                             ("Credit cost", String(b.creditCost)), ("Status", b.status.rawValue)])
        fields.add("Cancelled", b.cancelledAt.map(zone.dateTime))
        fields.add("Settles", b.settlesAt.map(zone.dateTime))
        let outcome = RenderOutcome.credits(b, zone)
        fields.add(outcome.label, outcome.text)
        fields.add("Credits left", b.creditsLeft.map(String.init))
        if b.dryRun == true { fields.add("Dry run", "yes: nothing was booked") }
        return fields.render()
    }
}
