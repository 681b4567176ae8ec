import CreditProtocol
import Foundation

/// Decoding params and encoding results for the ledger backend, in one place.
enum WireCoding {
    /// Decodes params, refusing unknown keys before anything runs (the compatibility rule).
    static func decode<P: WireParams>(_ type: P.Type, _ data: Data) throws(WireError) -> P {
        try decode(type, data, keys: nil)
    }

    /// Decodes a call's params; keys the request parser already scanned are not decoded again.
    static func decode<P: WireParams>(_ type: P.Type, _ call: Call) throws(WireError) -> P {
        try decode(type, call.params, keys: call.paramKeys)
    }

    /// Decodes a call's params read straight from their bytes when they are plain (see
    /// `ScannedParams`), else as the other overloads do, with the same errors.
    static func decode<P: ScannedParams>(_ type: P.Type, _ call: Call) throws(WireError) -> P {
        if let members = ParamsScanner.scan(call.params), let params = P(scanning: members) { return params }
        return try decode(type, call.params, keys: call.paramKeys)
    }

    /// `keys`: the params' top-level keys when known, or nil to read them from `data`.
    static func decode<P: WireParams>(_ type: P.Type, _ data: Data, keys known: [String]?) throws(WireError) -> P {
        let keys: [String]
        if let known {
            keys = known
        } else {
            do { keys = try JSONDecoder().decode(KeyList.self, from: data).keys } catch {
                throw WireError(.invalidParams, "params must be a JSON object")
            }
        }
        let unknown = keys.filter { !P.fieldNames.contains($0) }
        guard unknown.isEmpty else {
            throw WireError(.invalidParams, "unknown params: \(unknown.sorted().joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(P.self, from: data)
        } catch let error as DecodingError {
            throw WireError(.invalidParams, ParamsErrors.describe(error, params: data))
        } catch {
            throw WireError(.invalidParams, "params do not decode: \(error)")
        }
    }

    static func encode<R: Encodable>(_ value: R) throws(WireError) -> Data {
        // The result of every booking write, on the single writer: written by hand.
        if let booking = value as? Booking { return encode(booking: booking) }
        // The most frequent reads' results (see ReadResultJSON).
        if let balance = value as? Balance { return encode(balance: balance) }
        if let page = value as? Page<HistoryItem> { return encode(history: page) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // stable output: the same reply every time
        do { return try encoder.encode(value) } catch {
            throw WireError(.internalError, "result does not encode: \(error)")
        }
    }

    /// A booking exactly as `encode` would write it with `JSONEncoder` (snake_case keys in
    /// declaration order, absent optionals left out, an allocation's null lot written), without it.
    static func encode(booking: Booking) -> Data {
        var json = JSONText(escapesSlashes: false)
        json.raw(#"{"id":"#)
        json.string(booking.id)
        json.raw(#","client":"#)
        json.string(booking.client)
        json.raw(#","session_type":"#)
        json.string(booking.sessionType)
        json.raw(#","starts_at":"#)
        json.string(booking.startsAt.description)
        json.raw(#","ends_at":"#)
        json.string(booking.endsAt.description)
        json.raw(#","credit_cost":"#)
        json.int(booking.creditCost)
        json.raw(#","status":"#)
        json.string(booking.status.rawValue)
        if let cancelledAt = booking.cancelledAt {
            json.raw(#","cancelled_at":"#)
            json.string(cancelledAt.description)
        }
        if let settlesAt = booking.settlesAt {
            json.raw(#","settles_at":"#)
            json.string(settlesAt.description)
        }
        json.raw(#","allocations":["#)
        for (index, allocation) in booking.allocations.enumerated() {
            json.raw(index == 0 ? #"{"lot":"# : #",{"lot":"#)
            if let lot = allocation.lot { json.int(lot) } else { json.null() }
            json.raw(#","credits":"#)
            json.int(allocation.credits)
            json.raw("}")
        }
        json.raw("]")
        if let creditsLeft = booking.creditsLeft {
            json.raw(#","credits_left":"#)
            json.int(creditsLeft)
        }
        if let dryRun = booking.dryRun {
            json.raw(#","dry_run":"#)
            json.bool(dryRun)
        }
        json.raw("}")
        return json.data
    }
}

/// Only the keys of a JSON object.
private struct KeyList: Decodable {
    let keys: [String]
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: any Decoder) throws {
        keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    }
}

/// An operation's result on its way to its reply: JSON text, or a booking not yet written as JSON.
/// Every booking write returns a booking, and the single writer thread is the daemon's limit under
/// write load, so the connection's event loop encodes it (`json`) after the commit. An
/// idempotency key stores the result inside the transaction, through `Codable`, as JSON text.
struct RawResult: Codable, Sendable {
    private enum Content: Sendable {
        case json(Data)
        case booking(Booking)
    }

    private let content: Content
    init(json: Data) { content = .json(json) }
    init(booking: Booking) { content = .booking(booking) }

    /// The result's JSON text.
    var json: Data {
        switch content {
        case .json(let data): return data
        case .booking(let booking): return WireCoding.encode(booking: booking)
        }
    }

    init(from decoder: any Decoder) throws {
        content = .json(Data(try decoder.singleValueContainer().decode(String.self).utf8))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(decoding: json, as: UTF8.self))
    }
}
