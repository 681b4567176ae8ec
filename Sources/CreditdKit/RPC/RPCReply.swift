import Foundation

/// Builds JSON-RPC response and notification lines (without the trailing newline).
///
/// Results arrive from the backend as JSON text and are spliced in as they are, never re-parsed.
enum RPCReply {
    /// `{"jsonrpc":"2.0","id":...,"result":...}`
    static func result(id: JSONValue, _ result: Data) -> Data {
        var out = Data(#"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(id.encoded())
        out.append(Data(#","result":"#.utf8))
        out.append(result)
        out.append(UInt8(ascii: "}"))
        return out
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
