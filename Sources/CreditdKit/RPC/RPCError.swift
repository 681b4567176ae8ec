import CreditProtocol
import Foundation

/// A JSON-RPC error object: `{code, message, data: {reason, ...details}}`.
///
/// Usually made from a `WireError` (code follows the reason); the framing errors keep the
/// standard JSON-RPC code but carry a more precise reason, e.g. an oversized line is
/// -32600 with reason `limit_exceeded`.
struct RPCError: Error, Sendable, Equatable {
    var code: Int
    var message: String
    var reason: ErrorReason
    var details: [String: DetailValue]

    init(code: Int, reason: ErrorReason, _ message: String, details: [String: DetailValue] = [:]) {
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details
    }

    init(_ wire: WireError) {
        self.init(code: wire.reason.code, reason: wire.reason, wire.message, details: wire.details)
    }

    static func parseError(_ message: String) -> RPCError {
        RPCError(code: -32700, reason: .parseError, message)
    }

    static func invalidRequest(_ message: String) -> RPCError {
        RPCError(code: -32600, reason: .invalidRequest, message)
    }

    /// A request-level limit (line length, depth, batch size): -32600 with reason `limit_exceeded`.
    static func requestLimit(_ message: String, limit: Int) -> RPCError {
        RPCError(code: -32600, reason: .limitExceeded, message, details: ["limit": .int(Int64(limit))])
    }

    static func methodNotFound(_ name: String) -> RPCError {
        RPCError(code: -32601, reason: .methodNotFound, "method not found: \(name)",
                 details: ["method": .string(name)])
    }

    static func invalidParams(_ message: String) -> RPCError {
        RPCError(code: -32602, reason: .invalidParams, message)
    }

    static func permissionDenied(_ message: String) -> RPCError {
        RPCError(WireError(.permissionDenied, message))
    }

    /// The error object as JSON: `{"code":..,"message":..,"data":{"reason":..,<details>}}`, written
    /// directly (every refused line of a garbage flood gets one); details in key order.
    func encoded() -> Data {
        var json = JSONText(escapesSlashes: false, capacity: 96 + message.utf8.count)
        json.raw(#"{"code":"#)
        json.int(Int64(code))
        json.raw(#","message":"#)
        json.string(message)
        json.raw(#","data":{"reason":"#)
        json.string(reason.rawValue)
        for key in details.keys.sorted() where key != "reason" {
            json.raw(",")
            json.string(key)
            json.raw(":")
            switch details[key] {
            case .int(let number)?: json.int(number)
            case .string(let text)?: json.string(text)
            case nil: json.null()
            }
        }
        json.raw("}}")
        return json.data
    }
}
