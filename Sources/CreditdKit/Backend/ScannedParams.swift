import CreditProtocol
import Foundation

/// Params that can be read straight from the bytes of a flat params object, for the most
/// frequent reads and writes, instead of through `JSONDecoder`.
///
/// `init?(scanning:)` answers only when the outcome is certain to be the value `JSONDecoder`
/// would decode: every member known, of the expected type, valid. For anything else (an unknown
/// or missing key, a wrong type, an escape in a string, an invalid instant, an array...) it returns
/// nil and `WireCoding.decode` takes the general path, which gives the usual errors.
protocol ScannedParams: WireParams {
    init?(scanning members: [ParamsScanner.Member])
}

extension BalanceParams: ScannedParams {
    init?(scanning members: [ParamsScanner.Member]) {
        var client: String?
        var asOf: Timestamp?
        for member in members {
            switch member.key {
            case "client": guard case .string(let text) = member.value else { return nil }; client = text
            case "as_of": guard let instant = member.value.instant else { return nil }; asOf = instant
            default: return nil
            }
        }
        guard let client else { return nil }
        self.init(client: client, asOf: asOf)
    }
}

extension HistoryParams: ScannedParams {
    init?(scanning members: [ParamsScanner.Member]) {
        var client: String?
        var params = HistoryParams(client: "")
        for member in members {
            switch member.key {
            case "client": guard case .string(let text) = member.value else { return nil }; client = text
            case "session_type": guard let text = member.value.text else { return nil }; params.sessionType = text
            case "from": guard let instant = member.value.instant else { return nil }; params.from = instant
            case "to": guard let instant = member.value.instant else { return nil }; params.to = instant
            case "cursor": guard let text = member.value.text else { return nil }; params.cursor = text
            case "booking": guard let text = member.value.text else { return nil }; params.booking = text
            case "membership": guard let text = member.value.text else { return nil }; params.membership = text
            case "purchase": guard let text = member.value.text else { return nil }; params.purchase = text
            case "limit":
                switch member.value {
                case .null: params.limit = nil
                case .integer(let value): params.limit = Int(value)
                default: return nil
                }
            case "events":
                guard case .null = member.value else { return nil }  // a list: JSONDecoder reads it
                params.events = nil
            default: return nil
            }
        }
        guard let client else { return nil }
        params.client = client
        self = params
    }
}

/// Reads a params object whose members are plain scalars: strings without escapes, integers
/// without fraction or exponent (at most 18 digits), true, false, null; keys without escapes, each
/// once. Anything else (nested values included) gives nil.
enum ParamsScanner {
    enum Value {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null

        /// A string or null (nil: another type).
        var text: String?? {
            switch self {
            case .string(let text): return .some(text)
            case .null: return .some(nil)
            default: return nil
            }
        }

        /// An integer or null (nil: another type).
        var integerOrNull: Int64?? {
            switch self {
            case .integer(let value): return .some(value)
            case .null: return .some(nil)
            default: return nil
            }
        }

        /// true, false or null (nil: another type).
        var flag: Bool?? {
            switch self {
            case .bool(let value): return .some(value)
            case .null: return .some(nil)
            default: return nil
            }
        }

        /// A valid RFC 3339 instant or null (nil: anything else).
        var instant: Timestamp?? {
            switch self {
            case .string(let text):
                guard let instant = Timestamp(text) else { return nil }
                return .some(instant)
            case .null: return .some(nil)
            default: return nil
            }
        }
    }

    struct Member {
        let key: String
        let value: Value
    }

    static func scan(_ data: Data) -> [Member]? {
        data.withUnsafeBytes { raw -> [Member]? in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return reader.object()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func object() -> [Member]? {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var members: [Member] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    for member in members where member.key == key { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    skipSpace()
                    guard let value = value() else { return nil }
                    members.append(Member(key: key, value: value))
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { return nil }
                    i += 1
                    break
                }
            }
            skipSpace()
            return i == bytes.count ? members : nil
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer().map(Value.integer)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return nil
            }
        }

        /// A string without escapes or control characters, valid UTF-8.
        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            var ascii = true
            while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                let byte = bytes[j]
                guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
                if byte >= 0x80 { ascii = false }
                j += 1
            }
            guard j < bytes.count else { return nil }
            i = j + 1
            let text = UnsafeBufferPointer(rebasing: bytes[start..<j])
            return ascii ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
        }

        /// `-?(0|[1-9][0-9]{0,17})`, not followed by a fraction or an exponent; not `-0`.
        mutating func integer() -> Int64? {
            var j = i
            let negative = bytes[j] == UInt8(ascii: "-")
            if negative { j += 1 }
            let digitsStart = j
            var value: Int64 = 0
            while j < bytes.count, bytes[j] &- UInt8(ascii: "0") < 10 {
                guard j - digitsStart < 18 else { return nil }  // 18 digits always fit an Int64
                value = value * 10 + Int64(bytes[j] &- UInt8(ascii: "0"))
                j += 1
            }
            let digits = j - digitsStart
            guard digits >= 1 else { return nil }
            if bytes[digitsStart] == UInt8(ascii: "0"), digits > 1 || negative { return nil }
            if j < bytes.count, bytes[j] == UInt8(ascii: ".") || bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
                return nil
            }
            i = j
            return negative ? -value : value
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - i >= count else { return false }
            for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
            i += count
            return true
        }
    }
}

// The writes creditbench (and a busy front desk) sends most: booking.create and booking.cancel,
// decoded on the event loop for every durable write.

extension BookingCreateParams: ScannedParams {
    init?(scanning members: [ParamsScanner.Member]) {
        var id: String?
        var client: String?
        var sessionType: String?
        var startsAt: Timestamp?
        var params = BookingCreateParams(id: "", client: "", sessionType: "", startsAt: Timestamp(ms: 0))
        for member in members {
            switch member.key {
            case "id": guard case .string(let text) = member.value else { return nil }; id = text
            case "client": guard case .string(let text) = member.value else { return nil }; client = text
            case "session_type": guard case .string(let text) = member.value else { return nil }; sessionType = text
            case "starts_at":
                guard case .string(let text) = member.value, let instant = Timestamp(text) else { return nil }
                startsAt = instant
            case "ends_at": guard let instant = member.value.instant else { return nil }; params.endsAt = instant
            case "credit_cost": guard let value = member.value.integerOrNull else { return nil }; params.creditCost = value
            case "dry_run": guard let flag = member.value.flag else { return nil }; params.dryRun = flag
            case "idempotency_key": guard let text = member.value.text else { return nil }; params.idempotencyKey = text
            case "staff": guard let text = member.value.text else { return nil }; params.staff = text
            default: return nil
            }
        }
        guard let id, let client, let sessionType, let startsAt else { return nil }
        params.id = id
        params.client = client
        params.sessionType = sessionType
        params.startsAt = startsAt
        self = params
    }
}

extension BookingCancelParams: ScannedParams {
    init?(scanning members: [ParamsScanner.Member]) {
        var id: String?
        var params = BookingCancelParams(id: "")
        for member in members {
            switch member.key {
            case "id": guard case .string(let text) = member.value else { return nil }; id = text
            case "mode":
                switch member.value {
                case .null: params.mode = nil
                case .string(let text):
                    guard let mode = CancelMode(rawValue: text) else { return nil }
                    params.mode = mode
                default: return nil
                }
            case "note": guard let text = member.value.text else { return nil }; params.note = text
            case "idempotency_key": guard let text = member.value.text else { return nil }; params.idempotencyKey = text
            case "staff": guard let text = member.value.text else { return nil }; params.staff = text
            default: return nil
            }
        }
        guard let id else { return nil }
        params.id = id
        self = params
    }
}
