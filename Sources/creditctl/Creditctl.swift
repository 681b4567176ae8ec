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

            Instants are RFC 3339 (2026-05-01T18:00:00+02:00), local dates YYYY-MM-DD, durations \
            90, 30m, 24h or 2d. Tables show times in the studio's time zone.

            \(exitCodesHelp)
            """,
        version: "creditctl 0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "Setup", subcommands: [StudioCommand.self, SessionTypeCommand.self,
                                                      ClientCommand.self, PackageCommand.self, PlanCommand.self]),
            CommandGroup(name: "Credits", subcommands: [CreditCommand.self, BalanceCommand.self,
                                                        HistoryCommand.self, NoteCommand.self]),
            CommandGroup(name: "Bookings", subcommands: [BookCommand.self, CancelCommand.self, WaiveCommand.self,
                                                         SettleCommand.self, NoShowCommand.self,
                                                         BookingsCommand.self, BookingCommand.self]),
            CommandGroup(name: "Sales and memberships", subcommands: [SellCommand.self, RefundCommand.self,
                                                                      PurchaseCommand.self, MembershipCommand.self]),
            CommandGroup(name: "Reports", subcommands: [UsageCommand.self, ExportCommand.self]),
            CommandGroup(name: "Daemon", subcommands: [WatchCommand.self, StatusCommand.self, VerifyCommand.self,
                                                       BackupCommand.self, ClockCommand.self, MetricsCommand.self]),
        ])

    /// Runs the command and exits with a documented code (argument-parser's own would be 64 for usage).
    static func main() {
        let code: Int32
        do {
            var command = try parseAsRoot()
            try command.run()
            code = ExitStatus.ok.rawValue
        } catch let error as CtlError {
            Console.error("creditctl: " + error.message)
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
