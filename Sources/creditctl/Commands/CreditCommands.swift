import ArgumentParser
import CreditProtocol

/// `credit issue|remove|import`.
struct CreditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit", abstract: "Issue and remove credits by hand, or import them from CSV.",
        subcommands: [Issue.self, Remove.self, ImportCommand.self, Extend.self, Transfer.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue credits to one or more clients (credit.issue).",
            discussion: "With several clients the issue is all or nothing: if one client is unknown, none gets credits.")
        @Argument(help: "The client(s).") var clients: [String]
        @Option(name: [.customLong("type"), .customShort("t")], help: "The session type, or any.") var sessionType: String
        @Option(parsing: .unconditional, help: "How many credits.", transform: Count.positive) var credits: Int64
        @Option(help: "Valid through this local date (they expire at the next local midnight).")
        var expiresOn: LocalDateArgument?
        @Option(help: "Expire at this time instead (studio-local \"2027-03-31 18:00\", or RFC 3339).") var expiresAt: When?
        @Option(help: "A note on the event (at most 500 characters).") var note: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws {
            for client in clients { try checkID(client, "a client id") }
            if expiresOn != nil && expiresAt != nil { throw ValidationError("give --expires-on or --expires-at, not both") }
            try checkNote(note)
        }
        func run() throws {
            let expiresAt = try connection.resolve(expiresAt, "--expires-at")
            let params = mutation.stamp(CreditIssueParams(
                client: clients.count == 1 ? clients[0] : nil, clients: clients.count > 1 ? clients : nil,
                sessionType: sessionType, credits: credits, expiresOn: expiresOn?.text, expiresAt: expiresAt, note: note))
            try connection.showWithBalances(.creditIssue, params, as: CreditIssueResult.self, clients: clients,
                                            sessionType: sessionType) { r, zone in RenderLedger.issued(r, zone) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove credits from a client (credit.remove).",
            discussion: "Credits are taken in reverse burn-down order (latest-expiring first) unless --lot names one lot.")
        @Argument(help: "The client.") var client: String
        @Option(name: [.customLong("type"), .customShort("t")], help: "The session type, or any.") var sessionType: String
        @Option(parsing: .unconditional, help: "How many credits.", transform: Count.positive) var credits: Int64
        @Option(help: "Take them from this lot only.") var lot: Int64?
        @Option(help: "A note on the event (at most 500 characters).") var note: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws {
            try checkNote(note)
        }
        func run() throws {
            let params = mutation.stamp(CreditRemoveParams(
                client: client, sessionType: sessionType, credits: credits, lot: lot, note: note))
            try connection.showWithBalances(.creditRemove, params, as: CreditRemoveResult.self, clients: [client],
                                            sessionType: sessionType) { r, _ in
                "removed \(Format.count(r.removed, "credit")) (events \(r.events.map(String.init).joined(separator: ", ")))\n"
            }
        }
    }
}

/// `balance CLIENT`.
struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show a client's credits by session type, with the next expiry (balance.get).",
        discussion: "Archived session types are listed, flagged, while credits remain; `any` credits are usable for every type.")
    @Argument(help: "The client.") var client: String
    @Option(help: "The balance at this time instead of now (studio-local \"2027-01-10 18:00\", or RFC 3339).")
    var asOf: When?
    @OptionGroup var connection: Connection
    func run() throws {
        let params = BalanceParams(client: client, asOf: try connection.resolve(asOf, "--as-of"))
        let rpc = try connection.connect()
        let raw = try rpc.call(.balanceGet, params)
        if connection.json { return connection.output.emit(raw: raw) { "" } }
        let balance = try Wire.decode(Balance.self, raw)
        // Only now matters for what can be booked; a past balance is shown as it was.
        let paused = asOf == nil ? Connection.pausedMemberships(rpc, client: client) : []
        let text = RenderLedger.balance(balance, connection.studioZone(rpc))
            + (asOf == nil ? RenderOutcome.unusable(balance, pausedMemberships: paused) : "")
        connection.output.emit(raw: raw) { text }
    }
}

/// `history CLIENT`.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show a client's events, newest first (history.list).",
        discussion: "One page at a time; the footer tells the --cursor of the next page. `export history` writes them all.")
    @Argument(help: "The client.") var client: String
    @OptionGroup var filter: HistoryFilter
    @Option(help: "At most this many events (default 100, at most 1000).") var limit: Int?
    @Option(help: "Continue after a previous page.") var cursor: String?
    @OptionGroup var connection: Connection
    func run() throws {
        let params = try filter.params(client: client, limit: limit, cursor: cursor, connection)
        try connection.show(.historyList, params, as: Page<HistoryItem>.self, zone: true) { p, zone in
            RenderLedger.history(p.items, zone) + RenderSetup.more(p.nextCursor)
        }
    }
}

/// The filters of `history` and `export history`.
struct HistoryFilter: ParsableArguments {
    @Option(name: [.customLong("type"), .customShort("t")], help: "Only this session type.") var sessionType: String?
    @Option(name: .customLong("event"), help: "Only these kinds (repeatable): issued, used, returned, voided, deleted, expired, rolled_over, refunded, extended, transferred_out, transferred_in.")
    var events: [EventKind] = []
    @Option(help: "Only events at or after this date or time (studio-local, or RFC 3339).") var since: When?
    @Option(help: "Only events before this time, or through this date.") var until: When?
    @Option(help: "Only this booking's events.") var booking: String?
    @Option(help: "Only the events of this membership's lots.") var membership: String?
    @Option(help: "Only the events of this purchase's lot.") var purchase: String?

    func params(client: String, limit: Int?, cursor: String?, _ connection: Connection) throws -> HistoryParams {
        var params = HistoryParams(client: client, sessionType: sessionType,
                                   events: events.isEmpty ? nil : events.map(\.rawValue),
                                   from: try connection.resolve(since, "--since", date: .startOfDay),
                                   to: try connection.resolve(until, "--until", date: .endOfDay), limit: limit, cursor: cursor)
        params.booking = booking
        params.membership = membership
        params.purchase = purchase
        return params
    }
}

/// `note set|history`.
struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Edit the note of an event; every edit is kept.",
        subcommands: [Set.self, History.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set or clear an event's note (note.set).")
        @Argument(help: "The event id (see history).") var event: Int64
        @Argument(help: "The new note; leave out or pass \"\" to clear it.") var text: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws { try checkNote(text) }
        func run() throws {
            let note = text?.isEmpty == false ? text : nil
            let params = mutation.stamp(NoteSetParams(event: event, note: note))
            try connection.show(.noteSet, params, as: HistoryItem.self, zone: true) { e, zone in
                RenderLedger.history([e], zone)
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every edit of an event's note (note.history).")
        @Argument(help: "The event id.") var event: Int64
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.noteHistory, NoteHistoryParams(event: event), as: Page<NoteEdit>.self, zone: true) { p, zone in
                RenderLedger.notes(p.items, zone)
            }
        }
    }
}
