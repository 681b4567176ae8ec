import ArgumentParser
import CreditProtocol

/// `report expiring|...`: the studio-wide reports an owner asks for.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Studio-wide reports: credits about to expire.",
        subcommands: [Expiring.self])

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
}
