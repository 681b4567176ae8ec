import CreditProtocol
import Foundation

/// A JSON document as a value, used for the JSON-RPC envelope.
///
/// Requests are decoded into this type (after `JSONDepth` has bounded the nesting, so the
/// recursive decoder cannot run out of stack) and `params` is re-encoded for the backend.
indirect enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Order matters: Bool before numbers, integers before doubles, so values keep their type.
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The JSON text of the value (sorted keys, `/` unescaped: JSONWriter, as JSONEncoder writes it).
    func encoded() -> Data {
        // Encoding a JSONValue cannot fail except for non-finite doubles, which JSON cannot carry anyway.
        (try? JSONWriter.write(self)) ?? Data("null".utf8)
    }

    /// Decodes JSON text. The caller must have bounded the nesting depth first.
    static func decode(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The string, when the value is one.
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}
