import ArgumentParser
import CreditProtocol
import Foundation

/// Options every command takes: where the daemon is and how to print.
struct Connection: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The daemon's Unix socket.",
        discussion: "Default: $CREDITD_SOCKET, then ./.creditd/creditd.sock if it exists, else /run/creditd/creditd.sock.",
        valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's result object as JSON, exactly as it was sent.")
    var json = false

    /// The resolved socket path.
    var socketPath: String {
        SocketPath.resolve(option: socket, environment: ProcessInfo.processInfo.environment)
    }

    /// Where results go.
    var output: Output { Output(json: json) }

    /// Connects to the daemon.
    func connect() throws -> RPCClient { try RPCClient(path: socketPath) }

    /// Calls one method and prints its result: raw with `--json`, else through `human`.
    func show<R: Decodable>(_ method: CreditProtocol.Method, _ params: some Encodable, as type: R.Type,
                            zone needsZone: Bool = false, _ human: (R, Zone) -> String) throws {
        let client = try connect()
        let raw = try client.call(method, params)
        // --json needs no decoding, so it keeps working when the daemon adds fields or shapes.
        if json { return output.emit(raw: raw) { "" } }
        let value = try Wire.decode(type, raw)
        let zone = needsZone ? studioZone(client) : .utc
        output.emit(raw: raw) { human(value, zone) }
    }

    /// The studio's time zone, for showing instants as the staff see them; UTC if unreadable.
    func studioZone(_ client: RPCClient) -> Zone {
        guard let (_, studio) = try? client.call(.studioGet, EmptyParams(), as: Studio.self) else { return .utc }
        return Zone(identifier: studio.timeZone)
    }
}

/// Options of commands that change the ledger.
struct Mutation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The teammate recorded on the events (default: $CREDITD_STAFF).", valueName: "name"))
    var staff: String?

    @Option(name: .long, help: ArgumentHelp(
        "Makes a retry safe: the daemon acts once per key (default: a new UUID for each run).",
        discussion: "Pass the same key when re-running a command whose outcome you did not see; a repeat with the same key and arguments returns the first result, and with other arguments fails with idempotency_conflict.",
        valueName: "key"))
    var idempotencyKey: String?

    /// One key per invocation, so the same run never acts twice even if it retries a call.
    private static let invocationKey = UUID().uuidString.lowercased()

    /// The key to send.
    var key: String { idempotencyKey ?? Mutation.invocationKey }

    /// The staff name to send, from `--staff` or `$CREDITD_STAFF`.
    var staffName: String? {
        if let staff, !staff.isEmpty { return staff }
        let env = ProcessInfo.processInfo.environment["CREDITD_STAFF"]
        return env?.isEmpty == false ? env : nil
    }

    func validate() throws {
        if let key = idempotencyKey, key.isEmpty || key.count > Limits.idempotencyKeyCharactersMax {
            throw ValidationError("--idempotency-key must be 1 to \(Limits.idempotencyKeyCharactersMax) characters")
        }
        if let name = staffName, name.count > Limits.staffCharactersMax {
            throw ValidationError("the staff name must be at most \(Limits.staffCharactersMax) characters")
        }
    }

    /// Stamps params with the idempotency key and staff name.
    func stamp<P: Stampable>(_ params: P) -> P {
        var params = params
        params.idempotencyKey = key
        params.staff = staffName
        return params
    }
}

/// Params of mutating methods, whose key and staff creditctl fills in.
protocol Stampable: Encodable {
    var idempotencyKey: String? { get set }
    var staff: String? { get set }
}

extension StudioUpdateParams: Stampable {}
extension SessionTypeCreateParams: Stampable {}
extension SessionTypeUpdateParams: Stampable {}
extension IdActionParams: Stampable {}
extension ClientCreateParams: Stampable {}
extension ClientUpdateParams: Stampable {}
extension CreditIssueParams: Stampable {}
extension CreditRemoveParams: Stampable {}
extension NoteSetParams: Stampable {}
extension BookingCreateParams: Stampable {}
extension BookingCancelParams: Stampable {}
extension PackageCreateParams: Stampable {}
extension PurchaseCreateParams: Stampable {}
extension PlanCreateParams: Stampable {}
extension MembershipCreateParams: Stampable {}
extension MembershipCancelParams: Stampable {}

extension Timestamp: ExpressibleByArgument {
    /// An RFC 3339 instant on the command line, e.g. `2026-05-01T18:00:00+02:00` (`clock set`;
    /// staff-facing options take `When`, which also accepts studio-local times).
    public init?(argument: String) { self.init(argument) }
    public static var defaultCompletionKind: CompletionKind { .default }
}

extension EventKind: ExpressibleByArgument {}
extension BookingStatus: ExpressibleByArgument {}

/// A local date `YYYY-MM-DD` on the command line.
struct LocalDateArgument: ExpressibleByArgument {
    var text: String
    init?(argument: String) {
        guard Format.isLocalDate(argument) else { return nil }
        text = argument
    }
}

/// Checks an identifier given on the command line against the protocol's limit.
func checkID(_ value: String, _ label: String) throws {
    if value.isEmpty || value.count > Limits.idCharactersMax {
        throw ValidationError("\(label) must be 1 to \(Limits.idCharactersMax) characters")
    }
}

/// Checks a note against the protocol's limit.
func checkNote(_ note: String?) throws {
    if let note, note.count > Limits.noteCharactersMax {
        throw ValidationError("a note is at most \(Limits.noteCharactersMax) characters (this one has \(note.count))")
    }
}
