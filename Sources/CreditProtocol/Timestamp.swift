/// An instant on the wire: RFC 3339 text, held as milliseconds since the Unix epoch.
///
/// Parsing is strict and allocation-light because every booking carries instants.
/// Output is always UTC (`Z`), with milliseconds only when they are not zero.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let ms: Int64

    public init(ms: Int64) { self.ms = ms }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`; `t`, `z` and a space for `T` are accepted.
    /// Nil outside years 0001-9999 (see `parse`).
    public init?(_ text: String) {
        guard let ms = Timestamp.parse(Array(text.utf8)) else { return nil }
        self.ms = ms
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.ms < rhs.ms }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an RFC 3339 instant in years 0001-9999 (at most "
                    + "\(Limits.instantFractionDigitsMax) fraction digits): \(text.prefix(48))")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String {
        let text = String(unsafeUninitializedCapacity: 24) { writeText(into: $0) }
        return text.isEmpty ? slowDescription : text
    }

    /// Writes `description` into `buffer` (24 bytes at least) and returns its length; 0 for a year
    /// outside 0...9999, which only `slowDescription` writes.
    func writeText(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = civilFromDays(days)
        guard year >= 0, year <= 9999 else { return 0 }
        // YYYY-MM-DDTHH:MM:SS[.mmm]Z written into bytes: this runs for every booking result and rule.
        let seconds = msOfDay / 1000
        let fraction = msOfDay % 1000
        var at = 0
        func digits(_ value: Int64, _ width: Int) {
            var value = value
            for k in stride(from: width - 1, through: 0, by: -1) {
                buffer[at + k] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            at += width
        }
        func put(_ byte: UInt8) {
            buffer[at] = byte
            at += 1
        }
        digits(year, 4); put(UInt8(ascii: "-")); digits(month, 2); put(UInt8(ascii: "-")); digits(day, 2)
        put(UInt8(ascii: "T"))
        digits(seconds / 3600, 2); put(UInt8(ascii: ":")); digits(seconds / 60 % 60, 2); put(UInt8(ascii: ":"))
        digits(seconds % 60, 2)
        if fraction != 0 { put(UInt8(ascii: ".")); digits(fraction, 3) }
        put(UInt8(ascii: "Z"))
        return at
    }

    /// `description` for any year (the general form; years outside 0...9999 are not padded the same way).
    var slowDescription: String {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = civilFromDays(days)
        let seconds = msOfDay / 1000
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if msOfDay % 1000 != 0 { text += "." + pad(msOfDay % 1000, 3) }
        return text + "Z"
    }

    /// The earliest instant the protocol carries: 0001-01-01T00:00:00Z (SPEC §7).
    public static let earliest = Timestamp(ms: daysFromCivil(1, 1, 1) * 86_400_000)
    /// The latest instant the protocol carries: 9999-12-31T23:59:59.999Z.
    public static let latest = Timestamp(ms: daysFromCivil(10_000, 1, 1) * 86_400_000 - 1)

    /// Whether the instant lies within `earliest...latest`, the range every instant on the wire and
    /// every instant the ledger derives (an expiry, a booking's end) must keep to.
    public var isInRange: Bool { ms >= Timestamp.earliest.ms && ms <= Timestamp.latest.ms }

    /// Longest text `parse` reads: `YYYY-MM-DDTHH:MM:SS` (19), `.` and the fraction, `±HH:MM` (6).
    static let textBytesMax = 19 + 1 + Limits.instantFractionDigitsMax + 6

    /// RFC 3339 `date-time` in years 0001-9999 (after applying the offset too). Any number of
    /// fraction digits up to `Limits.instantFractionDigitsMax`; digits after the third are
    /// truncated (the instant is kept to the millisecond, rounded toward the past).
    static func parse(_ b: [UInt8]) -> Int64? {
        guard b.count >= 20, b.count <= textBytesMax else { return nil }
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in from..<(from + count) {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour < 24, minute < 60, second < 60 else { return nil }
        var i = 19
        guard let fractionMs = parseFraction(b, &i), i < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == 43 || b[i] == 45 {
            guard i + 6 == b.count, let oh = num(i + 1, 2), b[i + 3] == 58, let om = num(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
        } else {
            return nil
        }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let ms = seconds * 1000 + fractionMs
        guard ms >= earliest.ms, ms <= latest.ms else { return nil }
        return ms
    }

    /// The milliseconds of an optional `.digits` fraction at `i` (0 when there is none), moving `i`
    /// past it; nil for a `.` without digits or more than `Limits.instantFractionDigitsMax` digits.
    private static func parseFraction(_ b: [UInt8], _ i: inout Int) -> Int64? {
        guard i < b.count, b[i] == 46 else { return 0 }
        i += 1
        var digits = 0
        var fractionMs: Int64 = 0
        while i < b.count, b[i] &- 48 < 10 {
            if digits < 3 { fractionMs = fractionMs * 10 + Int64(b[i] - 48) }
            digits += 1
            i += 1
        }
        guard digits > 0, digits <= Limits.instantFractionDigitsMax else { return nil }
        // One or two digits are tenths and hundredths: scale them up to milliseconds.
        var scale = digits
        while scale < 3 { fractionMs *= 10; scale += 1 }
        return fractionMs
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
public func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
public func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
}

func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
