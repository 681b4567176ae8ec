import CreditProtocol

/// Sentences that say what a command did to the client's credits, as the front desk reads them.
enum RenderOutcome {
    /// What happened to a booking's credits, by status: taken, returned to which lots, or forfeited.
    static func credits(_ b: Booking, _ zone: Zone) -> (label: String, text: String) {
        let paid = b.allocations.filter { $0.lot != nil }
        let debt = b.allocations.filter { $0.lot == nil }.reduce(Int64(0)) { $0 + $1.credits }
        let total = b.allocations.reduce(Int64(0)) { $0 + $1.credits }
        switch b.status {
        case .cancelledEarly, .cancelledWaived:
            var parts = paid.map { "\(Format.count($0.credits, "credit")) returned to lot \($0.lot!)" }
            if debt > 0 { parts.append("\(Format.count(debt, "credit")) of debt cancelled") }
            return ("Credits", parts.isEmpty ? "none were used" : parts.joined(separator: ", "))
        case .cancelledLate:
            return ("Credits", total == 0 ? "none were used" : "\(Format.count(total, "credit")) forfeited")
        case .cancelPending:
            let when = b.settlesAt.map { " at " + zone.dateTime($0) } ?? ""
            return ("Credits", "\(Format.count(total, "credit")) will be forfeited\(when) unless waived")
        default:
            let parts = b.allocations.map { a in a.lot.map { "\(a.credits) from lot \($0)" } ?? "\(a.credits) as debt" }
            return ("Credits taken", parts.isEmpty ? "none" : parts.joined(separator: ", "))
        }
    }

    /// `New credit balance: 7 yoga` (with the client's name when several were changed).
    static func newBalance(_ b: Balance, sessionType: String, named: Bool) -> String {
        let credits = b.bySessionType.first { $0.sessionType == sessionType }?.credits ?? 0
        var line = "New credit balance" + (named ? " of \(b.client)" : "") + ": \(credits) \(sessionType)"
        if sessionType != "any", let any = b.bySessionType.first(where: { $0.sessionType == "any" }), any.credits != 0 {
            line += " (and \(any.credits) any)"
        }
        return line + "\n"
    }

    /// Lines under a balance naming credits that cannot be booked now, and why.
    static func unusable(_ b: Balance, pausedMemberships: [Membership]) -> String {
        var lines: [String] = []
        for s in b.bySessionType where s.archived && s.credits > 0 {
            lines.append("\(Format.count(s.credits, "\(s.sessionType) credit")) cannot be booked: the session type is "
                         + "archived (they can still be removed)")
        }
        for m in pausedMemberships {
            lines.append("membership \(m.id) (plan \(m.plan)) is paused: its credits count in the balance but cannot "
                         + "be booked until `creditctl membership resume \(m.id)`")
        }
        guard !lines.isEmpty else { return "" }
        return lines.map { "Note: " + $0 + "\n" }.joined()
            + "A booking that needs these credits fails with insufficient_credits (or session_type_archived).\n"
    }

    /// `Cycle: 2`, or for a membership that has not started, when it starts.
    static func cycle(_ m: Membership, _ zone: Zone) -> (label: String, text: String) {
        if m.cycle < 0 {
            let at = m.nextBoundaryAt.map { zone.dateTime($0) } ?? m.startsOn
            return ("Cycle", "not started yet: the first cycle starts \(at)")
        }
        return ("Cycle", String(m.cycle))
    }
}
