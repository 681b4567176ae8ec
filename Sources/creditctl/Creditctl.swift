import ArgumentParser
import Foundation

/// `creditctl`: the studio admin's command-line client of creditd.
@main
struct Creditctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Administer creditd, the session-credit ledger of a fitness studio.",
        discussion: """
            creditctl talks to the creditd daemon over its Unix socket: --socket PATH, else \
            $CREDITD_SOCKET, else ./.creditd/creditd.sock when it exists (a daemon started by hand \
            in this directory), else /run/creditd/creditd.sock (the systemd socket).

            Every command prints a table for people and, with --json, the daemon's result object \
            exactly as it was sent. Commands that change the ledger take --staff NAME (or \
            $CREDITD_STAFF), recorded on the events, and --idempotency-key KEY; without a key \
            creditctl makes a new one for each run, so a run never acts twice.

            Options go before or after the command: creditctl --socket S --json balance ann.

            Times are studio-local, as the tables show them: "2027-01-10 18:00" or \
            2027-01-10T18:00 is that wall-clock time in the studio's time zone (creditctl asks the \
            daemon for it). A local time the clocks skip (daylight saving starts) is refused; one \
            that happens twice (the clocks go back) means the earlier. An RFC 3339 instant with an \
            offset (2027-01-10T18:00:00+01:00) is taken as it is. --since and --until also take a \
            date: --since 2027-01-01 starts that day, --until 2027-01-31 runs through that day. \
            Local dates are YYYY-MM-DD. Durations need a unit: 90s, 30m, 1.5h, 24h, 2d, 1h30m \
            (a bare number such as 90 is refused: seconds or minutes?).

            \(exitCodesHelp)
            """,
        version: "creditctl 0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "Setup", subcommands: [StudioCommand.self, SessionTypeCommand.self,
                                                      ClientCommand.self, PackageCommand.self, PlanCommand.self]),
            CommandGroup(name: "Credits", subcommands: [CreditCommand.self, BalanceCommand.self,
                                                        HistoryCommand.self, NoteCommand.self]),
            CommandGroup(name: "Bookings", subcommands: [BookCommand.self, CancelCommand.self, WaiveCommand.self,
                                                         SettleCommand.self, NoShowCommand.self, ReinstateCommand.self,
                                                         BookingsCommand.self, BookingCommand.self]),
            CommandGroup(name: "Sales and memberships", subcommands: [SellCommand.self, RefundCommand.self,
                                                                      PurchaseCommand.self, MembershipCommand.self]),
            CommandGroup(name: "Reports", subcommands: [UsageCommand.self, ExportCommand.self, ReportCommand.self]),
            CommandGroup(name: "Daemon", subcommands: [WatchCommand.self, StatusCommand.self, VerifyCommand.self,
                                                       BackupCommand.self, ClockCommand.self, MetricsCommand.self]),
        ])

    /// Runs the command and exits with a documented code (argument-parser's own would be 64 for usage).
    static func main() {
        let code: Int32
        do {
            let arguments = GlobalOptions.reorder(Array(CommandLine.arguments.dropFirst()), root: Creditctl.self)
            var command = try parseAsRoot(arguments)
            try command.run()
            code = ExitStatus.ok.rawValue
        } catch let error as CtlError {
            Console.error("creditctl: " + Printable.escape(error.message, singleLine: false))
            code = error.status.rawValue
        } catch {
            code = report(error)
        }
        Console.out.flush()
        Foundation.exit(code)
    }

    /// Prints an argument-parser outcome (help, version, completion script or usage error).
    private static func report(_ error: any Error) -> Int32 {
        let exitCode = exitCode(for: error)
        let text = fullMessage(for: error)
        if exitCode == .success {
            if !text.isEmpty { Console.out.write(text + "\n") }
            return 0
        }
        if !text.isEmpty { Console.error(text) }
        return exitCode == .validationFailure ? ExitStatus.usage.rawValue : exitCode.rawValue
    }
}
