import ArgumentParser
import CreditProtocol
import Foundation

/// `sell CLIENT PACKAGE`.
struct SellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sell", abstract: "Sell a package to a client: one new lot of credits (purchase.create).")
    @Argument(help: "The client.") var client: String
    @Argument(help: "The package.") var package: String
    @Option(help: "The purchase's id (default: a new pu-… id).") var id: String?
    @Option(help: "The payment's reference (e.g. the payment provider's id).") var paymentRef: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
    func validate() throws { if let id { try checkID(id, "the purchase id") } }
    func run() throws {
        let purchaseID = id ?? "pu-" + UUID().uuidString.lowercased().prefix(12)
        let params = mutation.stamp(PurchaseCreateParams(id: purchaseID, client: client, package: package, paymentRef: paymentRef))
        try connection.show(.purchaseCreate, params, as: Purchase.self, zone: true) { p, zone in RenderSales.purchase(p, zone) }
    }
}

/// `refund PURCHASE`.
struct RefundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund", abstract: "Refund a purchase: its unused credits are removed (purchase.refund).",
        discussion: "Credits already used stay used.")
    @Argument(help: "The purchase.") var purchase: String
    @Option(help: "A note on the event.") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
    func validate() throws { try checkNote(note) }
    func run() throws {
        let params = mutation.stamp(IdActionParams(id: purchase, note: note))
        try connection.show(.purchaseRefund, params, as: Purchase.self, zone: true) { p, zone in RenderSales.purchase(p, zone) }
    }
}

/// `purchase show ID`.
struct PurchaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purchase", abstract: "Show one purchase.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a purchase (purchase.get).")
        @Argument(help: "The purchase.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.purchaseGet, IdParams(id: id), as: Purchase.self, zone: true) { p, zone in
                RenderSales.purchase(p, zone)
            }
        }
    }
}

/// `membership start|pause|resume|cancel|show|list`.
struct MembershipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership", abstract: "Start and manage memberships (a plan for a client).",
        subcommands: [Start.self, Pause.self, Resume.self, Cancel.self, Show.self, List.self])

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a plan for a client (membership.create); cycle 0 starts at local midnight of --on.")
        @Argument(help: "The client.") var client: String
        @Argument(help: "The plan.") var plan: String
        @Option(help: "The first day, YYYY-MM-DD (default: today in the studio's time zone).") var on: LocalDateArgument?
        @Option(help: "The membership's id (default: a new ms-… id).") var id: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws { if let id { try checkID(id, "the membership id") } }
        func run() throws {
            let startsOn = try on?.text ?? today()
            let membershipID = id ?? "ms-" + UUID().uuidString.lowercased().prefix(12)
            let params = mutation.stamp(MembershipCreateParams(id: membershipID, client: client, plan: plan, startsOn: startsOn))
            try connection.show(.membershipCreate, params, as: Membership.self, zone: true) { m, zone in
                RenderSales.membership(m, zone)
            }
        }

        /// Today in the studio's zone by the daemon's clock (which may be a test clock).
        private func today() throws -> String {
            let client = try connection.connect()
            let (_, status) = try client.call(.daemonStatus, EmptyParams(), as: DaemonStatus.self)
            return connection.studioZone(client).today(status.now)
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a membership: no new cycles, its credits frozen (membership.pause).")
        @Argument(help: "The membership.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            try connection.show(.membershipPause, mutation.stamp(IdActionParams(id: id)), as: Membership.self, zone: true) {
                RenderSales.membership($0, $1)
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused membership; cycles and expiries shift by the paused days (membership.resume).")
        @Argument(help: "The membership.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            try connection.show(.membershipResume, mutation.stamp(IdActionParams(id: id)), as: Membership.self, zone: true) {
                RenderSales.membership($0, $1)
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a membership now or at the end of its cycle (membership.cancel).",
            discussion: "Credits already granted keep their expiry.")
        @Argument(help: "The membership.") var id: String
        @Flag(help: "Cancel when the current cycle ends instead of now.") var atCycleEnd = false
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(MembershipCancelParams(id: id, when: atCycleEnd ? "cycle_end" : "now"))
            try connection.show(.membershipCancel, params, as: Membership.self, zone: true) { RenderSales.membership($0, $1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a membership (membership.get).")
        @Argument(help: "The membership.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.membershipGet, IdParams(id: id), as: Membership.self, zone: true) {
                RenderSales.membership($0, $1)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List memberships (membership.list).")
        @Option(help: "Only this client's.") var client: String?
        @Option(help: "At most this many (default 100, at most 1000).") var limit: Int?
        @Option(help: "Continue after a previous page.") var cursor: String?
        @OptionGroup var connection: Connection
        func run() throws {
            let params = MembershipListParams(client: client, limit: limit, cursor: cursor)
            try connection.show(.membershipList, params, as: Page<Membership>.self, zone: true) { p, zone in
                RenderSales.memberships(p.items, zone) + RenderSetup.more(p.nextCursor)
            }
        }
    }
}
