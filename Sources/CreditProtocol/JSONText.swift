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
        var value = value
        // Scanned and copied through a pointer: iterating a String's UTF-8 view costs more.
        let plain = value.withUTF8 { text -> Bool in
            for byte in text where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                || (escapesSlashes && byte == UInt8(ascii: "/")) {
                return false
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: text)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        guard !plain else { return }
        let encoder = JSONEncoder()
        if !escapesSlashes { encoder.outputFormatting = .withoutEscapingSlashes }
        // A String always encodes.
        bytes.append(contentsOf: (try? encoder.encode(value)) ?? Data(#""""#.utf8))
    }

    public mutating func int(_ value: Int64) {
        // Digits written backwards into a small buffer, as `String(value)` would write them.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<20]))
        }
    }

    /// An instant as its `description` string, written without making the String.
    public mutating func timestamp(_ instant: Timestamp) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer -> Bool in
            let count = instant.writeText(into: buffer)
            guard count > 0 else { return false }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if !written { string(instant.description) }
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    public mutating func null() { raw("null") }

    public var data: Data { Data(bytes) }
}
