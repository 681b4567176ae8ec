import ArgumentParser
import CreditProtocol
import Glibc

/// `watch`: committed events as they happen.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print committed events as they happen, one line each (events.subscribe).",
        discussion: "Runs until interrupted or until the daemon stops. With --json each line is the event object as sent.")
    @Option(help: "Only this client's events (repeatable).") var client: [String] = []
    @Option(name: .customLong("event"), help: "Only these kinds (repeatable).") var kinds: [EventKind] = []
    @OptionGroup var connection: Connection
    func run() throws {
        // A parent that ignores SIGTERM/SIGINT passes that on; watch runs until it is told to stop.
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        let rpc = try connection.connect()
        let zone = connection.json ? Zone.utc : connection.studioZone(rpc)
        let filter = SubscribeParams(clients: client.isEmpty ? nil : client, kinds: kinds.isEmpty ? nil : kinds)
        _ = try rpc.call(.eventsSubscribe, filter)
        while let message = try rpc.nextNotification() {
            guard message.method == "events.event", let payload = message.payload else { continue }
            if connection.json {
                Console.out.write(payload)
                Console.out.write("\n")
            } else {
                let event = try Wire.decode(HistoryItem.self, payload)
                Console.out.write(RenderLedger.event(event, zone))
            }
            // Each event is shown when it happens, not when a buffer fills.
            Console.out.flush()
        }
        throw CtlError.protocolError("creditd closed the event stream (it may be stopping)")
    }
}

/// `status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's version, clock and scheduler (daemon.status).")
    @OptionGroup var connection: Connection
    func run() throws {
        try connection.show(.daemonStatus, EmptyParams(), as: DaemonStatus.self) { s, zone in RenderSales.status(s, zone) }
    }
}

/// `verify`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every ledger invariant (daemon.verify); exits 1 if one is broken.")
    @OptionGroup var connection: Connection
    func run() throws {
        let client = try connection.connect()
        let (raw, result) = try client.call(.daemonVerify, EmptyParams(), as: VerifyResult.self)
        connection.output.emit(raw: raw) { RenderSales.verify(result) }
        if !result.ok || !result.violations.isEmpty {
            throw CtlError.checkFailed("verify found \(result.violations.count) broken invariant(s)")
        }
    }
}

/// `backup NAME`.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the database (daemon.backup).",
        discussion: "NAME is a file name without directories; the daemon writes it under its state directory's backups folder, while it keeps serving.")
    @Argument(help: "The backup file's name.") var name: String
    @OptionGroup var connection: Connection
    func validate() throws {
        if name.isEmpty || name.contains("/") { throw ValidationError("NAME is a file name without directories") }
    }
    func run() throws {
        try connection.show(.daemonBackup, BackupParams(path: name), as: BackupResult.self) { r, _ in
            "wrote \(r.path) (\(Format.count(r.bytes, "byte")))\n"
        }
    }
}

/// `clock set|advance`: the test clock of a daemon started with --test-clock. Hidden.
struct ClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock", abstract: "Set or advance a test clock (daemons started with --test-clock only).",
        shouldDisplay: false, subcommands: [Set.self, Advance.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the test clock (clock.set).")
        @Argument(help: "The new time (RFC 3339).") var now: Timestamp
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.clockSet, ClockSetParams(now: now), as: ClockResult.self) { r, _ in "now \(r.now)\n" }
        }
    }

    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Advance the test clock (clock.advance); returns once everything due is done.")
        @Argument(help: "How far: 90s, 30m, 1.5h, 2d.", transform: Seconds.parse) var by: Seconds
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.clockAdvance, ClockAdvanceParams(seconds: by.value), as: ClockResult.self) { r, _ in
                "now \(r.now)\n"
            }
        }
    }
}
