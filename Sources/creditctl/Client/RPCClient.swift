import CreditProtocol
import Foundation

/// One line from the daemon: a reply to a call, or a notification.
struct RPCMessage {
    /// The call id; nil for notifications.
    var id: Int?
    /// A notification's method (`events.event`).
    var method: String?
    /// The raw bytes of `result` (or a notification's `params`), exactly as sent.
    var payload: [UInt8]?
    /// The daemon's error, if the call failed.
    var error: CtlError?
}

/// A blocking JSON-RPC 2.0 client over the daemon's Unix socket, one JSON object per line.
final class RPCClient {
    /// The socket path, for messages.
    let path: String
    private let socket: UnixSocket
    private var nextID = 1
    private let encoder: JSONEncoder = {
        // Params types carry their own snake_case CodingKeys, so no key strategy here.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// Connects to the daemon at `path`.
    init(path: String) throws {
        self.path = path
        self.socket = try UnixSocket(path: path)
    }

    /// Calls `method` and returns the raw result bytes.
    func call(_ method: CreditProtocol.Method, _ params: some Encodable) throws -> [UInt8] {
        let id = nextID
        nextID += 1
        var line = try requestBytes(id: id, method: method, params: params)
        line.append(10)
        try socket.write(line)
        while true {
            guard let reply = try socket.readLine() else {
                throw CtlError.protocolError("creditd closed the connection before replying to \(method.rawValue)")
            }
            let message = try RPCClient.parse(reply)
            // Notifications of an earlier events.subscribe may interleave; they are not ours.
            guard message.id == id else { continue }
            if let error = message.error { throw error }
            return message.payload ?? Array("null".utf8)
        }
    }

    /// Calls `method` and decodes its result; returns the raw bytes too, for `--json`.
    func call<R: Decodable>(_ method: CreditProtocol.Method, _ params: some Encodable,
                            as type: R.Type) throws -> (raw: [UInt8], value: R) {
        let raw = try call(method, params)
        return (raw, try Wire.decode(type, raw))
    }

    /// Sends the calls as one JSON-RPC batch array and returns each outcome, in call order.
    func batch(_ calls: [(CreditProtocol.Method, any Encodable)]) throws -> [Result<[UInt8], CtlError>] {
        guard !calls.isEmpty else { return [] }
        let firstID = nextID
        nextID += calls.count
        var line: [UInt8] = [UInt8(ascii: "[")]
        for (offset, call) in calls.enumerated() {
            if offset > 0 { line.append(UInt8(ascii: ",")) }
            line += try requestBytes(id: firstID + offset, method: call.0, params: call.1)
        }
        line += [UInt8(ascii: "]"), 10]
        try socket.write(line)
        var outcomes = [Result<[UInt8], CtlError>?](repeating: nil, count: calls.count)
        while outcomes.contains(where: { $0 == nil }) {
            guard let reply = try socket.readLine() else {
                throw CtlError.protocolError("creditd closed the connection before answering a batch")
            }
            for message in try RPCClient.parseBatch(reply) {
                guard let id = message.id, id >= firstID, id < firstID + calls.count else { continue }
                outcomes[id - firstID] = message.error.map { .failure($0) } ?? .success(message.payload ?? [])
            }
        }
        return outcomes.map { $0! }
    }

    /// Waits for the next notification (after `events.subscribe`); nil when the daemon hangs up.
    func nextNotification() throws -> RPCMessage? {
        while let line = try socket.readLine() {
            let message = try RPCClient.parse(line)
            if message.method != nil { return message }
        }
        return nil
    }

    private func requestBytes(id: Int, method: CreditProtocol.Method, params: any Encodable) throws -> [UInt8] {
        let body: Data
        do { body = try encoder.encode(params) } catch {
            throw CtlError.usage("cannot encode params of \(method.rawValue): \(error)")
        }
        var out = Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method.rawValue)","params":"#.utf8)
        out += body
        out.append(UInt8(ascii: "}"))
        return out
    }
}
