import Foundation

/// Builds JSON-RPC response and notification lines (without the trailing newline).
///
/// Results arrive from the backend as JSON text and are spliced in as they are, never re-parsed.
enum RPCReply {
    /// `{"jsonrpc":"2.0","id":...,"result":...}`
    static func result(id: JSONValue, _ result: Data) -> Data {
        // Built in an array and copied once: appending to a Data costs more than the bytes.
        var out: [UInt8] = []
        out.reserveCapacity(result.count + 48)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        append(id, to: &out)
        out.append(contentsOf: #","result":"#.utf8)
        result.withUnsafeBytes { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// An id's JSON text (`JSONValue.encoded`), integers without a detour.
    private static func append(_ id: JSONValue, to out: inout [UInt8]) {
        if case .int(let value) = id {
            out.append(contentsOf: String(value).utf8)
        } else {
            id.encoded().withUnsafeBytes { out.append(contentsOf: $0) }
        }
    }

    /// `{"jsonrpc":"2.0","id":...,"error":{...}}`; `id` is null when the request's id is unknown.
    static func error(id: JSONValue, _ error: RPCError) -> Data {
        var out = Data(#"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(id.encoded())
        out.append(Data(#","error":"#.utf8))
        out.append(error.encoded())
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"jsonrpc":"2.0","method":...,"params":...}`, a notification from the daemon.
    static func notification(method: String, params: Data) -> Data {
        var out = Data(#"{"jsonrpc":"2.0","method":"#.utf8)
        out.append(JSONValue.string(method).encoded())
        out.append(Data(#","params":"#.utf8))
        out.append(params)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A batch response: the replies joined into one JSON array.
    static func batch(_ replies: [Data]) -> Data {
        var out = Data([UInt8(ascii: "[")])
        for (index, reply) in replies.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(reply)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
