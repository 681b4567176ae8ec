import CreditProtocol
import Foundation

/// One well-formed JSON-RPC request. `id == nil` means a notification: it runs, nobody hears back.
struct RPCRequest: Sendable {
    let id: JSONValue?
    let methodName: String
    /// The params object as JSON text, `{}` when absent.
    let params: Data
    /// The top-level keys of `params` when the fast path scanned them (nil: not known yet).
    let paramKeys: [String]?

    init(id: JSONValue?, methodName: String, params: Data, paramKeys: [String]? = nil) {
        self.id = id
        self.methodName = methodName
        self.params = params
        self.paramKeys = paramKeys
    }
}

/// One element of a single call or a batch, after validation of the envelope.
enum RPCItem: Sendable {
    case request(RPCRequest)
    /// A malformed element. `id` is what could be recovered (JSON null if none); a malformed
    /// notification whose only fault is its params gets no reply (`silent`).
    case invalid(id: JSONValue, RPCError, silent: Bool)
}

/// What one request line holds.
enum RPCLine: Sendable {
    case single(RPCItem)
    case batch([RPCItem])
    /// The line as a whole is unusable; reply once with a null id.
    case failure(RPCError)
    /// A blank line: ignored, no reply.
    case blank
}

/// Turns a request line into `RPCLine`, enforcing UTF-8, depth and batch limits before decoding.
enum RPCParser {
    static func parse(_ bytes: [UInt8]) -> RPCLine {
        var line = bytes[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        guard isASCII(line) || String(validating: line, as: UTF8.self) != nil else {
            return .failure(.parseError("request is not valid UTF-8"))
        }
        // The common case, one plain call object, without building a JSONValue tree.
        if let request = RequestScanner.scan(line) { return .single(.request(request)) }
        return parseGeneral(line)
    }

    /// Whether every byte is ASCII (then the line is valid UTF-8 without building a String).
    static func isASCII(_ line: ArraySlice<UInt8>) -> Bool {
        line.withUnsafeBufferPointer { bytes in
            var high: UInt8 = 0
            for byte in bytes { high |= byte }
            return high < 0x80
        }
    }

    /// The general path: any line, valid or not, decoded into a `JSONValue` and validated.
    /// The caller has handled blank lines and invalid UTF-8.
    static func parseGeneral(_ line: ArraySlice<UInt8>) -> RPCLine {
        // Bound the nesting before the recursive decoder runs (see JSONDepth).
        if JSONDepth.exceeds(line, limit: Limits.jsonDepthMax) {
            return .failure(.requestLimit(
                "JSON nested deeper than \(Limits.jsonDepthMax) levels", limit: Limits.jsonDepthMax))
        }
        // Refuse an oversized batch before decoding it: a flood of them must stay cheap.
        if let count = JSONDepth.topLevelArrayCount(line), count > Limits.rpcBatchMax {
            return .failure(.requestLimit(
                "batch of \(count) calls exceeds \(Limits.rpcBatchMax)", limit: Limits.rpcBatchMax))
        }
        // Foundation's decoder is laxer than RFC 8259 (trailing commas): check the text first.
        switch StrictJSON.check(line) {
        case nil: break
        case .syntax(let message, let at)?:
            return .failure(.parseError("request is not valid JSON: \(message) at byte \(at)"))
        case .duplicateKey(let key)?:
            return .failure(.invalidRequest("duplicate member name \"\(key.prefix(64))\" in one object"))
        case .numberOutOfRange(let number)?:
            return .failure(RPCError(code: -32600, reason: .limitExceeded,
                                     "number \(number.prefix(64)) is beyond the range of a 64-bit double"))
        }
        let value: JSONValue
        do {
            value = try JSONValue.decode(line)
        } catch {
            return .failure(.parseError("request is not valid JSON"))
        }
        switch value {
        case .array(let elements):
            if elements.isEmpty { return .failure(.invalidRequest("empty batch")) }
            if elements.count > Limits.rpcBatchMax {
                return .failure(.requestLimit(
                    "batch of \(elements.count) calls exceeds \(Limits.rpcBatchMax)", limit: Limits.rpcBatchMax))
            }
            return .batch(elements.map(item))
        case .object:
            return .single(item(value))
        default:
            return .failure(.invalidRequest("request must be an object or an array"))
        }
    }

    /// Validates one request object.
    static func item(_ value: JSONValue) -> RPCItem {
        guard case .object(let members) = value else {
            return .invalid(id: .null, .invalidRequest("request must be an object"), silent: false)
        }
        var id: JSONValue?
        if let rawID = members["id"] {
            switch rawID {
            case .null, .int, .double, .string: id = rawID
            default:
                return .invalid(id: .null, .invalidRequest("id must be a string, a number or null"), silent: false)
            }
        }
        let replyID = id ?? .null
        guard members["jsonrpc"] == .string("2.0") else {
            return .invalid(id: replyID, .invalidRequest("jsonrpc must be \"2.0\""), silent: false)
        }
        guard let method = members["method"]?.stringValue else {
            return .invalid(id: replyID, .invalidRequest("method must be a string"), silent: false)
        }
        switch members["params"] {
        case nil:
            return .request(RPCRequest(id: id, methodName: method, params: Data("{}".utf8), paramKeys: []))
        case .object(let params)?:
            return .request(RPCRequest(id: id, methodName: method, params: JSONValue.object(params).encoded()))
        default:
            // Every method takes named parameters; positional or scalar params are refused.
            return .invalid(id: replyID, .invalidParams("params must be an object"), silent: id == nil)
        }
    }
}
