import CreditProtocol
import Foundation

/// Messages for params that do not decode, each naming the param and what it must be.
enum ParamsErrors {
    static func describe(_ error: DecodingError, params: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, _): return "missing param \(key.stringValue)"
        case .typeMismatch(let type, let context): return "param \(path(context)) must be \(typeName(type))"
        case .valueNotFound(let type, let context): return "param \(path(context)) must be \(typeName(type)), not null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation reports a number that does not fit the integer it decodes (1.5, 1e30) as
            // "not valid JSON" with no path; the text is valid JSON (the parser checked), so find it.
            if let found = firstNonInteger(in: params) {
                return "param \(found.path) must be an integer (\(found.number) is not one that fits 64 bits)"
            }
            return "params: \(context.debugDescription)"
        case .dataCorrupted(let context): return "param \(path(context)): \(context.debugDescription)"
        @unknown default: return "params do not decode"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int64.Type, is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        default: return "\(type)".lowercased()
        }
    }

    /// The first number (in key order) that is not an Int64: no params is a fraction, so it is the
    /// one the typed decoder refused.
    static func firstNonInteger(in params: Data) -> (path: String, number: String)? {
        guard let value = try? JSONValue.decode(params) else { return nil }
        return firstNonInteger(value, path: [])
    }

    private static func firstNonInteger(_ value: JSONValue, path: [String]) -> (path: String, number: String)? {
        switch value {
        case .double(let number):
            return (path.joined(separator: "."), number.description)
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = firstNonInteger(element, path: path + [String(index)]) { return found }
            }
        case .object(let members):
            for key in members.keys.sorted() {
                if let found = firstNonInteger(members[key]!, path: path + [key]) { return found }
            }
        default:
            break
        }
        return nil
    }
}
