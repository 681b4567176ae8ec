import ArgumentParser
import CreditProtocol

/// `usage CLIENT`.
struct UsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "Show where a client's credits came from and went (usage.summary).",
        discussion: "starting + rollover in + free cancellations + manual changes - booked - rollover out - expired - refunded = left; forfeited late cancellations are part of booked.")
    @Argument(help: "The client.") var client: String
    @Option(help: "Only this membership.") var membership: String?
    @Option(help: "Only this purchase.") var purchase: String?
    @Flag(help: "Break a membership's figures down by cycle.") var byCycle = false
    @OptionGroup var connection: Connection
    func validate() throws {
        if membership != nil && purchase != nil { throw ValidationError("give --membership or --purchase, not both") }
    }
    func run() throws {
        let params = UsageParams(client: client, membership: membership, purchase: purchase, byCycle: byCycle ? true : nil)
        try connection.show(.usageSummary, params, as: UsageSummary.self, zone: true) { RenderSales.usage($0, $1) }
    }
}

/// `export history|usage`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write history or usage of some or all clients as CSV or JSON lines.",
        subcommands: [History.self, Usage.self])

    enum FileFormat: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    /// Where and how an export is written.
    struct Destination: ParsableArguments {
        @Option(help: "csv (RFC 4180, with a header) or jsonl (one object per line, as the daemon sent it).")
        var format: FileFormat = .csv
        @Option(name: [.customShort("o"), .customLong("output")], help: "Write to this file instead of standard output.")
        var output: String?
        func sink() throws -> Sink { try output.map(Sink.file) ?? Console.out }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export events, newest first per client, paging through history.list.",
            discussion: "Without CLIENT every client is exported (client.list). A progress bar is shown on a terminal.")
        @Argument(help: "The clients (default: all).") var clients: [String] = []
        @OptionGroup var filter: HistoryFilter
        @OptionGroup var destination: Destination
        @OptionGroup var connection: Connection
        func run() throws {
            let rpc = try connection.connect()
            let ids = clients.isEmpty ? try Exporter.allClients(rpc) : clients
            let sink = try destination.sink()
            let count = try Exporter.history(rpc, clients: ids, filter: filter, connection: connection, format: destination.format, to: sink)
            try sink.finish()
            if destination.output != nil { Console.error("exported \(Format.count(count, "event")) of \(Format.count(ids.count, "client"))") }
        }
    }

    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export each client's usage figures (usage.summary), one row per client.")
        @Argument(help: "The clients (default: all).") var clients: [String] = []
        @OptionGroup var destination: Destination
        @OptionGroup var connection: Connection
        func run() throws {
            let rpc = try connection.connect()
            let ids = clients.isEmpty ? try Exporter.allClients(rpc) : clients
            let sink = try destination.sink()
            try Exporter.usage(rpc, clients: ids, format: destination.format, to: sink)
            try sink.finish()
        }
    }
}
