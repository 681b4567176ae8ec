import CreditProtocol

/// The process exit codes of creditctl; they are documented in `creditctl --help`.
public enum ExitStatus: Int32, Sendable {
    /// The command did what was asked.
    case ok = 0
    /// The daemon refused the request (its reason is printed), or `verify` found violations.
    case daemonError = 1
    /// The command line was wrong.
    case usage = 2
    /// creditd could not be reached: not running, or no permission on its socket.
    case cannotConnect = 3
    /// The daemon's reply was not understood, or the connection broke mid-request.
    case protocolError = 4
    /// A local file could not be read or written, or an import file has bad rows.
    case badInput = 5
}

/// Every failure creditctl reports; each maps to one exit status.
public enum CtlError: Error, Sendable, Equatable {
    /// The daemon answered with a JSON-RPC error.
    case daemon(reason: String, message: String, details: [String: String])
    /// The socket could not be opened.
    case cannotConnect(String)
    /// The reply broke the protocol or the connection dropped.
    case protocolError(String)
    /// A local file problem or bad import rows.
    case badInput(String)
    /// A command-line problem found after parsing (e.g. a bad date).
    case usage(String)
    /// A daemon check failed (`verify`): the report was already printed.
    case checkFailed(String)

    /// The exit status that goes with the error.
    public var status: ExitStatus {
        switch self {
        case .daemon, .checkFailed: return .daemonError
        case .cannotConnect: return .cannotConnect
        case .protocolError: return .protocolError
        case .badInput: return .badInput
        case .usage: return .usage
        }
    }

    /// The text printed on stderr, prefixed with `creditctl: `.
    public var message: String {
        switch self {
        case .daemon(let reason, let message, let details):
            var text = "\(reason): \(message)"
            // Details (available, required ...) are sorted so the line is stable for scripts.
            let extra = details.keys.sorted().map { "\($0)=\(details[$0]!)" }
            if !extra.isEmpty { text += " (" + extra.joined(separator: ", ") + ")" }
            return text
        case .cannotConnect(let text), .protocolError(let text), .badInput(let text),
             .usage(let text), .checkFailed(let text):
            return text
        }
    }
}

/// Help text listing the exit codes, shown in `creditctl --help`.
let exitCodesHelp = """
    Exit codes:
      0  success
      1  the daemon refused the request (its reason is printed),
         or verify found a broken invariant
      2  usage error: bad arguments or option values
      3  cannot connect: creditd is not running, or no permission on its socket
      4  protocol error: bad reply, or the connection broke mid-request
      5  bad input: a local file is unreadable or unwritable, or an import
         file has bad rows
    """
