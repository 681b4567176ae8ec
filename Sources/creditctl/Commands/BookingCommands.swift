import ArgumentParser
import CreditProtocol
import Foundation

/// `book CLIENT TYPE START`.
struct BookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book", abstract: "Book a session for a client, using credits (booking.create).",
        discussion: "Fails with insufficient_credits (and changes nothing) unless the session type allows a negative balance. --dry-run shows what would happen.")
    @Argument(help: "The client.") var client: String
    @Argument(help: "The session type.") var sessionType: String
    @Argument(help: "When it starts: \"2027-01-10 18:00\" in the studio's time zone, or RFC 3339.") var startsAt: When
    @Option(help: "The booking's id (default: a new bk-… id).") var id: String?
    @Option(help: "When it ends, as the start (default: one hour after the start).") var endsAt: When?
    @Option(parsing: .unconditional, help: "Credits this booking costs instead of the type's cost.", transform: Count.positive)
    var cost: Int64?
    @Flag(help: "Check and show the outcome without booking.") var dryRun = false
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation

    func validate() throws { if let id { try checkID(id, "the booking id") } }

    func run() throws {
        // The id is the booking system's; made up here only when an admin books by hand.
        let bookingID = id ?? "bk-" + UUID().uuidString.lowercased().prefix(12)
        let params = mutation.stamp(BookingCreateParams(
            id: bookingID, client: client, sessionType: sessionType,
            startsAt: try connection.resolve(startsAt, "the start")!, endsAt: try connection.resolve(endsAt, "--ends-at"),
            creditCost: cost, dryRun: dryRun ? true : nil))
        do {
            try connection.show(.bookingCreate, params, as: Booking.self, zone: true) { b, zone in
                RenderLedger.booking(b, zone)
            }
        } catch CtlError.daemon(let reason, let message, let details) where reason == ErrorReason.insufficientCredits.rawValue {
            // The balance may count credits that cannot pay for this booking; say where to look.
            Console.error("creditctl: credits of a paused membership, of an archived session type or for other types "
                          + "cannot pay for this booking: `creditctl balance \(client)` shows which")
            throw CtlError.daemon(reason: reason, message: message, details: details)
        }
    }
}

/// `cancel BOOKING [--early|--late]`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a booking (booking.cancel).",
        discussion: """
            By default the daemon decides: early (credits return to the lots they came from) when \
            cancelled at least the session type's late-cancel window before the start, else late \
            (pending for the grace period, then the credits are forfeited). --early or --late \
            overrides the rule.
            """)
    enum Mode: String, EnumerableFlag { case early, late }
    @Argument(help: "The booking.") var booking: String
    @Flag(help: "Force the judgement.") var mode: Mode?
    @Option(help: "A note on the event (at most 500 characters).") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
    func validate() throws { try checkNote(note) }
    func run() throws {
        let params = mutation.stamp(BookingCancelParams(
            id: booking, mode: mode.map { CancelMode(rawValue: $0.rawValue)! }, note: note))
        try connection.show(.bookingCancel, params, as: Booking.self, zone: true) { b, zone in RenderLedger.booking(b, zone) }
    }
}

/// A state change on one booking: waive, settle, no-show, reinstate.
protocol BookingAction: ParsableCommand {
    static var method: CreditProtocol.Method { get }
    var booking: String { get }
    var note: String? { get }
    var connection: Connection { get }
    var mutation: Mutation { get }
}

extension BookingAction {
    func validate() throws { try checkNote(note) }
    func run() throws {
        let params = mutation.stamp(IdActionParams(id: booking, note: note))
        try connection.show(Self.method, params, as: Booking.self, zone: true) { b, zone in RenderLedger.booking(b, zone) }
    }
}

/// `waive BOOKING`.
struct WaiveCommand: BookingAction {
    static let configuration = CommandConfiguration(
        commandName: "waive", abstract: "Waive a pending late cancellation: the credits come back (booking.waive).")
    static let method = CreditProtocol.Method.bookingWaive
    @Argument(help: "The booking.") var booking: String
    @Option(help: "A note on the event.") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
}

/// `settle BOOKING`.
struct SettleCommand: BookingAction {
    static let configuration = CommandConfiguration(
        commandName: "settle", abstract: "Settle a pending late cancellation now: the credits are forfeited (booking.settle).")
    static let method = CreditProtocol.Method.bookingSettle
    @Argument(help: "The booking.") var booking: String
    @Option(help: "A note on the event.") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
}

/// `no-show BOOKING`.
struct NoShowCommand: BookingAction {
    static let configuration = CommandConfiguration(
        commandName: "no-show",
        abstract: "Mark a started booking as a no-show; credits do not change (booking.no_show).")
    static let method = CreditProtocol.Method.bookingNoShow
    @Argument(help: "The booking.") var booking: String
    @Option(help: "A note, kept on the booking's first used event.") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
}

/// `reinstate BOOKING`.
struct ReinstateCommand: BookingAction {
    static let configuration = CommandConfiguration(
        commandName: "reinstate",
        abstract: "Undo a no-show, or give back the credits of a settled late cancellation (booking.reinstate).")
    static let method = CreditProtocol.Method.bookingReinstate
    @Argument(help: "The booking.") var booking: String
    @Option(help: "A note on the event.") var note: String?
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation
}

/// `bookings`.
struct BookingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bookings", abstract: "List bookings (booking.list).")
    @Option(help: "Only this client's.") var client: String?
    @Option(name: [.customLong("type"), .customShort("t")], help: "Only this session type's.") var sessionType: String?
    @Option(help: "Only this status: booked, cancel_pending, cancelled_early, cancelled_late, cancelled_waived, completed, no_show.")
    var status: BookingStatus?
    @Option(help: "Only those starting at or after this date or time (studio-local, or RFC 3339).") var since: When?
    @Option(help: "Only those starting before this time, or through this date.") var until: When?
    @Option(help: "At most this many (default 100, at most 1000).") var limit: Int?
    @Option(help: "Continue after a previous page.") var cursor: String?
    @OptionGroup var connection: Connection
    func run() throws {
        let params = BookingListParams(client: client, status: status,
                                       from: try connection.resolve(since, "--since", date: .startOfDay),
                                       to: try connection.resolve(until, "--until", date: .endOfDay), limit: limit, cursor: cursor,
                                       sessionType: sessionType)
        try connection.show(.bookingList, params, as: Page<Booking>.self, zone: true) { p, zone in
            RenderLedger.bookings(p.items, zone) + RenderSetup.more(p.nextCursor)
        }
    }
}

/// `booking show ID`.
struct BookingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "booking", abstract: "Show one booking.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a booking with the lots its credits came from (booking.get).")
        @Argument(help: "The booking.") var id: String
        @OptionGroup var connection: Connection
        func run() throws {
            try connection.show(.bookingGet, IdParams(id: id), as: Booking.self, zone: true) { b, zone in
                RenderLedger.booking(b, zone)
            }
        }
    }
}
