import Foundation
import Glibc

/// The real `creditd` on a fresh temporary directory, with a config naming the test user's role.
enum LedgerDaemon {
    /// The instant the test clock starts at: Monday 2026-01-05 09:00 UTC.
    static let clockStart = "2026-01-05T09:00:00Z"

    /// The Unix user running the tests (the daemon records it as `actor`).
    static var me: String { String(cString: getpwuid(getuid()).pointee.pw_name) }

    /// A config for the studio in UTC/EUR that gives the test's user `role`; `extra` is appended.
    /// A config must map someone to owner: when the test's user is not, a user that does not exist is.
    static func config(role: String = "owner", extra: String = "") -> String {
        """
        [studio]
        time_zone = "UTC"
        currency = "EUR"

        [access]
        \(role) = ["\(me)"]
        \(role == "owner" ? "" : "owner = [\"\(absentOwner)\"]")
        \(extra)
        """
    }

    /// A user name no system has, for configs whose owner must be somebody else.
    static let absentOwner = "creditd-test-owner"

    /// Starts the daemon on the real ledger, on a test clock at `testClock` unless it is nil.
    static func start(role: String = "owner", extraConfig: String = "", testClock: String? = clockStart,
                      environment: [String: String] = [:],
                      launcher: ((String) -> [String])? = nil) throws -> DaemonProcess {
        try DaemonProcess(config: config(role: role, extra: extraConfig),
                          extraArguments: testClock.map { ["--test-clock", $0] } ?? [],
                          testClock: testClock != nil, launcher: launcher, environment: { _ in environment })
    }
}

/// One reply's error, flattened.
struct ReplyError: CustomStringConvertible {
    let code: Int?
    let reason: String?
    let message: String?
    let data: [String: Any]
    var description: String { "\(code.map(String.init) ?? "?") \(reason ?? "?"): \(message ?? "")" }
}

/// A connection that numbers its requests, unwraps results and errors, and remembers which
/// methods succeeded (so a test can check it exercised what it says it does).
final class RPCSession {
    let client: LineClient
    private var nextID = 1
    private(set) var succeeded: Set<String> = []

    init(_ daemon: DaemonProcess) throws { client = try daemon.connect() }

    /// Calls `method` and returns its result object; a JSON-RPC error fails the test with its message.
    @discardableResult
    func ok(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let reply = try send(method, params)
        guard let result = reply["result"] as? [String: Any] else {
            throw TestFailure("\(method) \(params) failed: \(reply)")
        }
        succeeded.insert(method)
        return result
    }

    /// Calls `method`, which must fail, and returns the error.
    func fails(_ method: String, _ params: [String: Any] = [:]) throws -> ReplyError {
        let reply = try send(method, params)
        guard let error = reply["error"] as? [String: Any] else {
            throw TestFailure("\(method) \(params) should have failed but returned \(reply)")
        }
        let data = error["data"] as? [String: Any] ?? [:]
        return ReplyError(code: error["code"] as? Int, reason: data["reason"] as? String,
                          message: error["message"] as? String, data: data)
    }

    private func send(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let reply = try client.call(method, id: id, params: params)
        guard reply["id"] as? Int == id else { throw TestFailure("reply to \(method) has the wrong id: \(reply)") }
        return reply
    }
}

/// The keys of a JSON object, for shape checks.
func keys(_ object: Any?) -> Set<String> { Set((object as? [String: Any])?.keys.map { $0 } ?? []) }

/// A JSON array of objects.
func objects(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

/// The event history item keys of SPEC §5 (and §7's `scope`), all always present.
let historyItemKeys: Set<String> = [
    "id", "at", "recorded_at", "event", "client", "session_type", "scope", "lot", "booking", "amount", "credits",
    "actor", "staff", "note", "rule",
]

/// Runs a command to completion; returns its exit status and combined output.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
