import Foundation

extension RPCClient {
    /// Parses one reply or notification line.
    static func parse(_ line: [UInt8]) throws -> RPCMessage {
        do {
            return try message(line, 0..<line.count)
        } catch is JSONScan.Malformed {
            throw CtlError.protocolError("creditd sent a line that is not JSON-RPC: \(preview(line))")
        }
    }

    /// Parses a batch reply: an array of replies (or a single error object for a bad batch).
    static func parseBatch(_ line: [UInt8]) throws -> [RPCMessage] {
        do {
            let start = JSONScan.skipSpace(line, 0)
            guard start < line.count, line[start] == UInt8(ascii: "[") else {
                let single = try message(line, 0..<line.count)
                // A batch-level error has a null id; it concerns every call of the batch.
                if single.id == nil, let error = single.error { throw error }
                return [single]
            }
            return try JSONScan.elements(line, 0..<line.count).map { try message(line, $0) }
        } catch is JSONScan.Malformed {
            throw CtlError.protocolError("creditd sent a batch reply that is not JSON-RPC: \(preview(line))")
        }
    }

    private static func message(_ b: [UInt8], _ range: Range<Int>) throws -> RPCMessage {
        var message = RPCMessage()
        for (key, value) in try JSONScan.members(b, range) {
            let bytes = Array(b[value])
            switch key {
            case "id": message.id = Int(String(decoding: bytes, as: UTF8.self))
            case "method": message.method = try JSONScan.decodeString(bytes)
            case "result", "params": message.payload = bytes
            case "error": message.error = daemonError(bytes)
            default: break
            }
        }
        return message
    }

    /// Turns `{"code","message","data":{"reason",...}}` into a `CtlError.daemon`.
    static func daemonError(_ bytes: [UInt8]) -> CtlError {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .protocolError("creditd sent an unreadable error: \(preview(bytes))")
        }
        let text = object["message"] as? String ?? "no message"
        var reason = "error \(object["code"].map { "\($0)" } ?? "?")"
        var details: [String: String] = [:]
        if let data = object["data"] as? [String: Any] {
            for (key, value) in data {
                if key == "reason", let value = value as? String { reason = value; continue }
                details[key] = describe(value)
            }
        }
        return .daemon(reason: reason, message: text, details: details)
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return text }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self)
        return bytes.count > 120 ? text + "…" : text
    }
}

/// Decoding of daemon results (snake_case keys) into CreditProtocol types.
enum Wire {
    /// Decodes a raw result with `convertFromSnakeCase`.
    static func decode<R: Decodable>(_ type: R.Type, _ raw: [UInt8]) throws -> R {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: Data(raw))
        } catch {
            throw CtlError.protocolError("cannot read creditd's reply as \(type): \(error)")
        }
    }
}
