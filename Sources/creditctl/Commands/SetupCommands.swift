import ArgumentParser
import CreditProtocol

/// `studio show|set`: the studio's time zone and currency.
struct StudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio", abstract: "Show or change the studio's time zone and currency.",
        subcommands: [Show.self, Set.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the studio settings (studio.get).")
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.studioGet, EmptyParams(), as: Studio.self) { s, _ in RenderSetup.studio(s) }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the studio settings (studio.update).")
        @Option(help: "IANA time zone, e.g. Europe/Berlin.") var timeZone: String?
        @Option(help: "ISO 4217 currency of package prices, e.g. EUR.") var currency: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(StudioUpdateParams(timeZone: timeZone, currency: currency))
            try connection.show(.studioUpdate, params, as: Studio.self) { s, _ in RenderSetup.studio(s) }
        }
    }
}

/// `session-type create|update|archive|show|list`.
struct SessionTypeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-type", abstract: "Manage session types (what a booking is for and what it costs).",
        subcommands: [Create.self, Update.self, Archive.self, Show.self, List.self])

    /// The settings shared by create and update.
    struct Settings: ParsableArguments {
        @Option(help: "Credits one booking costs (1 to 100).") var cost: Int64?
        @Flag(inversion: .prefixedNo, help: "Whether a booking needs credits (--no-credit-required: free).")
        var creditRequired: Bool?
        @Flag(inversion: .prefixedNo, help: "Whether a client may book without credits and go into debt.")
        var allowNegative: Bool?
        @Option(help: "Cancelling later than this before the start is late: 24h, 90m, 1.5h (default 24h).",
                transform: Seconds.parse) var lateWindow: Seconds?
        @Option(help: "A late cancellation is settled this long after it: 0, 30m, 2h (default 0).",
                transform: Seconds.parse) var grace: Seconds?
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a session type (session_type.create).")
        @Argument(help: "Its id, e.g. yoga.") var id: String
        @Argument(help: "Its display name.") var name: String
        @OptionGroup var settings: Settings
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws { try checkID(id, "the session type id") }
        func run() throws {
            let params = mutation.stamp(SessionTypeCreateParams(
                id: id, name: name, requiresCredit: settings.creditRequired, creditCost: settings.cost,
                allowNegative: settings.allowNegative, lateCancelWindowS: settings.lateWindow?.value,
                lateCancelGraceS: settings.grace?.value))
            try connection.show(.sessionTypeCreate, params, as: SessionType.self) { t, _ in RenderSetup.sessionType(t) }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a session type (session_type.update); only the options given change.")
        @Argument(help: "The session type.") var id: String
        @Option(help: "A new display name.") var name: String?
        @OptionGroup var settings: Settings
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(SessionTypeUpdateParams(
                id: id, name: name, requiresCredit: settings.creditRequired, creditCost: settings.cost,
                allowNegative: settings.allowNegative, lateCancelWindowS: settings.lateWindow?.value,
                lateCancelGraceS: settings.grace?.value))
            try connection.show(.sessionTypeUpdate, params, as: SessionType.self) { t, _ in RenderSetup.sessionType(t) }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a session type (session_type.archive): no new bookings or credits.",
            discussion: "Existing credits stay visible, flagged archived, and can still be removed. The reply says how many clients still hold credits for it.")
        @Argument(help: "The session type.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(IdActionParams(id: id))
            try connection.show(.sessionTypeArchive, params, as: SessionTypeArchiveResult.self) { r, _ in
                RenderSetup.archived(r)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one session type (session_type.get).")
        @Argument(help: "The session type.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.sessionTypeGet, IdParams(id: id), as: SessionType.self) { t, _ in
                RenderSetup.sessionType(t)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List session types (session_type.list).")
        @OptionGroup var page: ListPage
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.sessionTypeList, page.params, as: Page<SessionType>.self) { p, _ in
                RenderSetup.sessionTypes(p.items) + RenderSetup.more(p.nextCursor)
            }
        }
    }
}

/// Paging options of the setup listings.
struct ListPage: ParsableArguments {
    @Flag(name: .customLong("all"), help: "Include archived entries.") var includeArchived = false
    @Option(help: "At most this many entries (default 100, at most 1000).") var limit: Int?
    @Option(help: "Continue after a previous page.") var cursor: String?

    var params: ListParams { ListParams(limit: limit, cursor: cursor, includeArchived: includeArchived ? true : nil) }
}

/// `client add|update|show|list`.
struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage clients.",
        subcommands: [Add.self, Update.self, Show.self, List.self, Deactivate.self, Reactivate.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a client (client.create).")
        @Argument(help: "Its id, e.g. the booking system's id.") var id: String
        @Argument(help: "Full name.") var name: String
        @Option(help: "Email address.") var email: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws { try checkID(id, "the client id") }
        func run() throws {
            let params = mutation.stamp(ClientCreateParams(id: id, name: name, email: email))
            try connection.show(.clientCreate, params, as: Client.self) { c, _ in RenderSetup.client(c) }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a client (client.update); an empty --email clears it.")
        @Argument(help: "The client.") var id: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new email address (\"\" clears it).") var email: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(ClientUpdateParams(id: id, name: name, email: email))
            try connection.show(.clientUpdate, params, as: Client.self) { c, _ in RenderSetup.client(c) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one client (client.get).")
        @Argument(help: "The client.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.clientGet, IdParams(id: id), as: Client.self) { c, _ in RenderSetup.client(c) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients (client.list).")
        @Option(help: "At most this many clients (default 100, at most 1000).") var limit: Int?
        @Option(help: "Continue after a previous page.") var cursor: String?
        @Flag(help: "Also list deactivated clients.") var includeInactive = false
        @OptionGroup var connection: Connection
        func run() throws {
            let params = ClientListParams(limit: limit, cursor: cursor, includeInactive: includeInactive ? true : nil)
            try connection.show(.clientList, params, as: Page<Client>.self) { p, _ in
                RenderSetup.clients(p.items) + RenderSetup.more(p.nextCursor)
            }
        }
    }
}
