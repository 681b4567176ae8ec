import ArgumentParser
import CreditProtocol

/// `package create|archive|show|list`: credit packages for sale.
struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package", abstract: "Manage credit packages for sale.",
        subcommands: [Create.self, Archive.self, Show.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a package (package.create).")
        @Argument(help: "Its id, e.g. ten-pack.") var id: String
        @Argument(help: "Its display name.") var name: String
        @Option(help: "Credits the package grants.") var credits: Int64
        @Option(help: "Extra credits on top, free.") var bonus: Int64?
        @Option(help: "Price in minor units of the currency (12000 = 120.00 EUR).") var priceMinor: Int64
        @Option(help: "ISO 4217 currency (default: the studio's).") var currency: String?
        @Option(help: "Credits expire this many days after purchase (default: never).") var expiryDays: Int?
        @Option(help: "The session type the credits are for (default: any).") var scope: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws { try checkID(id, "the package id") }
        func run() throws {
            let params = mutation.stamp(PackageCreateParams(
                id: id, name: name, credits: credits, bonusCredits: bonus, priceMinor: priceMinor,
                currency: currency, expiryDays: expiryDays, scope: scope))
            try connection.show(.packageCreate, params, as: Package.self) { p, _ in RenderSetup.package(p) }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop selling a package (package.archive).")
        @Argument(help: "The package.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            try connection.show(.packageArchive, mutation.stamp(IdActionParams(id: id)), as: Package.self) { p, _ in
                RenderSetup.package(p)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one package (package.get).")
        @Argument(help: "The package.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.packageGet, IdParams(id: id), as: Package.self) { p, _ in RenderSetup.package(p) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List packages (package.list).")
        @OptionGroup var page: ListPage
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.packageList, page.params, as: Page<Package>.self) { p, _ in
                RenderSetup.packages(p.items) + RenderSetup.more(p.nextCursor)
            }
        }
    }
}

/// `plan create|archive|show|list`: membership plans.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Manage membership plans (credits granted each cycle).",
        subcommands: [Create.self, Archive.self, Show.self, List.self])

    enum Period: String, ExpressibleByArgument, CaseIterable { case week, month, year }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a plan (plan.create).",
            discussion: "By default nothing rolls over; --rollover-max N carries up to N unused credits into the next cycle, --rollover-unlimited carries them all.")
        @Argument(help: "Its id, e.g. monthly-8.") var id: String
        @Argument(help: "Its display name.") var name: String
        @Option(help: "Credits granted each cycle.") var credits: Int64
        @Option(help: "The cycle's unit.") var period: Period
        @Option(help: "Cycle length in periods (default 1).") var every: Int?
        @Option(help: "At most this many unused credits roll over (default 0).") var rolloverMax: Int64?
        @Flag(help: "Every unused credit rolls over.") var rolloverUnlimited = false
        @Option(help: "Rolled-over credits expire after this many cycles (default: never).")
        var rolloverExpiresAfter: Int?
        @Option(help: "The session type the credits are for (default: any).") var scope: String?
        @Option(help: "Price per cycle in minor units, for reports.") var priceMinor: Int64?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws {
            try checkID(id, "the plan id")
            if rolloverUnlimited && rolloverMax != nil {
                throw ValidationError("give --rollover-max or --rollover-unlimited, not both")
            }
        }
        func run() throws {
            var params = PlanCreateParams(
                id: id, name: name, scope: scope, creditsPerCycle: credits, period: period.rawValue,
                periodCount: every, rolloverMax: rolloverMax, rolloverUnlimited: rolloverUnlimited ? true : nil,
                rolloverExpiresAfterCycles: rolloverExpiresAfter)
            params.priceMinor = priceMinor
            try connection.show(.planCreate, mutation.stamp(params), as: Plan.self) { p, _ in RenderSetup.plan(p) }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop offering a plan (plan.archive).")
        @Argument(help: "The plan.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            try connection.show(.planArchive, mutation.stamp(IdActionParams(id: id)), as: Plan.self) { p, _ in
                RenderSetup.plan(p)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one plan (plan.get).")
        @Argument(help: "The plan.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.planGet, IdParams(id: id), as: Plan.self) { p, _ in RenderSetup.plan(p) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans (plan.list).")
        @OptionGroup var page: ListPage
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.planList, page.params, as: Page<Plan>.self) { p, _ in
                RenderSetup.plans(p.items) + RenderSetup.more(p.nextCursor)
            }
        }
    }
}
