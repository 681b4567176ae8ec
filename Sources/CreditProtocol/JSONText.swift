import Foundation

/// Builds JSON text byte by byte for the hottest values (a booking result, an event's rule),
/// producing exactly what `JSONEncoder` produces for them, at a fraction of the cost.
///
/// Strings that need no escaping are copied as they are; any other string is escaped by
/// `JSONEncoder` itself (with the same slash option), so the output is always the encoder's.
public struct JSONText {
    public private(set) var bytes: [UInt8] = []
    /// Whether `/` is written `\/` (JSONEncoder's default; off with `.withoutEscapingSlashes`).
    public let escapesSlashes: Bool

    public init(escapesSlashes: Bool, capacity: Int = 256) {
        self.escapesSlashes = escapesSlashes
        bytes.reserveCapacity(capacity)
    }

    /// Raw JSON punctuation or a key written as a literal, e.g. `{"id":`.
    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func string(_ value: String) {
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
            || (escapesSlashes && byte == UInt8(ascii: "/")) {
            plain = false
            break
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
        } else {
            let encoder = JSONEncoder()
            if !escapesSlashes { encoder.outputFormatting = .withoutEscapingSlashes }
            // A String always encodes.
            bytes.append(contentsOf: (try? encoder.encode(value)) ?? Data(#""""#.utf8))
        }
    }

    public mutating func int(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    public mutating func null() { raw("null") }

    public var data: Data { Data(bytes) }
}
