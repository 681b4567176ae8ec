import ArgumentParser
import CreditProtocol

/// `report expiring|...`: the studio-wide reports an owner asks for.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Studio-wide reports: credits about to expire, what each teammate did, prepaid credits outstanding.",
        subcommands: [Expiring.self, Activity.self, Liability.self])

    /// How a report is printed.
    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, csv }

    struct Expiring: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every client's live credits that expire within N days (report.expiring), soonest first.",
            discussion: "Pages through the whole report. --format csv writes RFC 4180 with a header and UTC instants, for reminder emails; --json prints each page the daemon sent, one per line.")
        @Option(help: "Days ahead to look (1 to \(Limits.expiryDaysMax)).") var withinDays: Int
        @Option(name: .customLong("type"), help: "Only lots of this session type (or any).") var sessionType: String?
        @Option(help: "table or csv.") var format: ReportFormat = .table
        @OptionGroup var connection: Connection
        func validate() throws {
            guard (1...Limits.expiryDaysMax).contains(withinDays) else {
                throw ValidationError("--within-days must be 1 to \(Limits.expiryDaysMax)")
            }
        }
        func run() throws {
            let rpc = try connection.connect()
            var lots: [ExpiringLot] = []
            var cursor: String?
            repeat {
                let params = ExpiringParams(withinDays: withinDays, sessionType: sessionType, limit: Limits.pageSizeMax,
                                            cursor: cursor)
                let (raw, page) = try rpc.call(.reportExpiring, params, as: Page<ExpiringLot>.self)
                if connection.json { connection.output.emit(raw: raw) { "" } }
                lots += page.items
                cursor = page.nextCursor
            } while cursor != nil
            guard !connection.json else { return }
            if format == .csv {
                Console.out.write(CSV.row(RenderReports.expiringColumns))
                for lot in lots { Console.out.write(CSV.row(RenderReports.expiringRow(lot))) }
            } else {
                Console.out.write(RenderReports.expiring(lots, connection.studioZone(rpc)))
            }
        }
    }

    struct Activity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What each teammate did in a period (report.activity): issued, removed, booked, cancelled, waived, refunded.",
            discussion: "One row per Unix user and staff name: counts, and credits in parentheses. Bookings count once however many lots they used; cancelled includes late cancellations the daemon settled.")
        @Option(help: "From this date or time (studio-local, or RFC 3339).") var since: When
        @Option(help: "Before this time, or through this date.") var until: When
        @Option(help: "Only this Unix user (or scheduler).") var actor: String?
        @Option(help: "Only this staff name.") var staff: String?
        @Option(help: "table or csv.") var format: ReportFormat = .table
        @OptionGroup var connection: Connection
        func validate() throws {
            if actor != nil && staff != nil { throw ValidationError("give --actor or --staff, not both") }
        }
        func run() throws {
            let rpc = try connection.connect()
            guard let from = try connection.resolve(since, "--since", date: .startOfDay),
                  let to = try connection.resolve(until, "--until", date: .endOfDay) else { return }
            let (raw, report) = try rpc.call(.reportActivity, ActivityParams(from: from, to: to, actor: actor, staff: staff),
                                             as: ActivityReport.self)
            if connection.json { return connection.output.emit(raw: raw) { "" } }
            if format == .csv {
                Console.out.write(CSV.row(RenderReports.activityColumns))
                for row in report.items { Console.out.write(CSV.row(RenderReports.activityRow(row))) }
            } else {
                Console.out.write(RenderReports.activity(report))
            }
        }
    }

    struct Liability: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepaid credits outstanding now and their value (report.liability), per package, plan and currency.",
            discussion: "A package's credits are worth its purchase price over its credits (bonus included); membership grants (plans carry no price) and manual credits are listed at 0.")
        @Option(help: "Only this client's credits.") var client: String?
        @Option(help: "As it stood at this time (studio-local, or RFC 3339), or at the end of this date.") var asOf: When?
        @Option(help: "table or csv.") var format: ReportFormat = .table
        @OptionGroup var connection: Connection
        func run() throws {
            let rpc = try connection.connect()
            let params = LiabilityParams(asOf: try connection.resolve(asOf, "--as-of", date: .endOfDay), client: client)
            let (raw, report) = try rpc.call(.reportLiability, params, as: LiabilityReport.self)
            if connection.json { return connection.output.emit(raw: raw) { "" } }
            if format == .csv {
                Console.out.write(CSV.row(["source", "id", "currency", "credits", "value_minor"]))
                for line in report.lines {
                    Console.out.write(CSV.row([line.source, line.id ?? "", line.currency, String(line.credits),
                                               String(line.valueMinor)]))
                }
            } else {
                Console.out.write(RenderReports.liability(report))
            }
        }
    }
}
