import CreditProtocol
import Foundation
import PropertyBased
import Testing

/// `Timestamp.parse` (the hand-written byte parser every instant on the wire goes through)
/// against a reference RFC 3339 parser written plainly here: a regular expression for the shape,
/// day counting year by year for the value, Foundation's Gregorian calendar as a second opinion
/// where it is proleptic (from 1583). Generated instants of every shape, then mutated ones.
@Suite struct TimestampDifferentialTests {
    /// Random raw material for one candidate text: the parts, and what to do with them.
    static let candidates = Gen.uint64().array(of: 14)

    @Test func parserAgreesWithTheReferenceOnGeneratedInstants() async {
        var accepted = 0
        await propertyCheck(count: 4000, input: Self.candidates) { seeds in
            let text = TimestampText.make(seeds)
            let fast = Timestamp(text)?.ms
            #expect(fast == ReferenceRFC3339.parse(text), "\(text)")
            if fast != nil { accepted += 1 }
        }
        // Then the generator reached both sides, not only refusals
        #expect(accepted > 800)
    }

    @Test func parserAgreesWithTheReferenceOnMutatedInstants() async {
        await propertyCheck(count: 4000, input: Self.candidates) { seeds in
            var bytes = Array(TimestampText.make(seeds).utf8)
            let alphabet = Array("0123456789-:.TtZz+ x".utf8) + [0xC3, 0xA9, 0x00]
            for k in 0..<Int(seeds[13] % 4) where !bytes.isEmpty {
                let seed = seeds[k] >> 8
                let at = Int(seed % UInt64(bytes.count))
                switch seed / 7 % 3 {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = alphabet[Int(seed / 31 % UInt64(alphabet.count))]
                default: bytes.insert(alphabet[Int(seed / 31 % UInt64(alphabet.count))], at: at)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(Timestamp(text)?.ms == ReferenceRFC3339.parse(text), "\(text.debugDescription)")
        }
    }

    @Test func everyInstantInRangeRoundTripsThroughItsText() async {
        let span = Timestamp.latest.ms - Timestamp.earliest.ms
        await propertyCheck(count: 4000, input: Gen.uint64()) { seed in
            let ms = Timestamp.earliest.ms + Int64(seed % UInt64(span + 1))
            let text = Timestamp(ms: ms).description
            #expect(Timestamp(text)?.ms == ms, "\(text)")
            #expect(ReferenceRFC3339.parse(text) == ms, "\(text)")
        }
    }

    @Test func fractionDigitsAreTruncatedToMilliseconds() {
        // Given the same second with 1 to 18 fraction digits
        for digits in 1...Limits.instantFractionDigitsMax {
            let fraction = String("987654321987654321".prefix(digits))
            // Then the first three digits count, the rest is cut (toward the past)
            let expected: Int64 = [0, 900, 980, 987][min(digits, 3)]
            #expect(Timestamp("2026-01-05T09:00:00.\(fraction)Z")?.ms == 1_767_603_600_000 + expected, "\(digits)")
        }
        #expect(Timestamp("2026-01-05T09:00:00." + String(repeating: "1", count: Limits.instantFractionDigitsMax + 1) + "Z") == nil)
    }
}

/// Candidate instant texts: mostly well-formed, with every part sometimes out of range or malformed.
enum TimestampText {
    static func make(_ s: [UInt64]) -> String {
        func pick(_ seed: UInt64, _ normal: ClosedRange<Int>, _ odd: [Int]) -> Int {
            seed % 8 == 0 ? odd[Int(seed / 8 % UInt64(odd.count))] : normal.lowerBound + Int(seed / 8 % UInt64(normal.count))
        }
        let year = pick(s[0], 1...9999, [0, 1, 9999, 1582, 1600, 1900, 2000, 2024, 10000])
        let month = pick(s[1], 1...12, [0, 2, 13, 99])
        let day = pick(s[2], 1...28, [0, 29, 30, 31, 32])
        let hour = pick(s[3], 0...23, [0, 23, 24])
        let minute = pick(s[4], 0...59, [59, 60])
        let second = pick(s[5], 0...59, [59, 60])
        let fractionDigits = Int(s[6] % 3 == 0 ? 0 : s[6] / 3 % 22)
        var fraction = ""
        for k in 0..<fractionDigits { fraction.append(Character(String((s[7] >> UInt64(k % 60)) % 10))) }
        let separator = ["T", "T", "T", "t", " ", "_"][Int(s[8] % 6)]
        let zone: String
        switch s[9] % 10 {
        case 0...3: zone = "Z"
        case 4: zone = "z"
        case 5...7:
            let sign = s[10] % 2 == 0 ? "+" : "-"
            zone = sign + pad(pick(s[11], 0...14, [23, 24, 99]), 2) + ":" + pad(pick(s[12], 0...59, [59, 60]), 2)
        case 8: zone = "+0100"
        default: zone = ""
        }
        let width = s[12] % 50 == 0 ? 5 : 4
        return pad(year, width) + "-" + pad(month, 2) + "-" + pad(day, 2) + separator + pad(hour, 2) + ":"
            + pad(minute, 2) + ":" + pad(second, 2) + (fractionDigits > 0 || s[6] % 17 == 1 ? "." + fraction : "") + zone
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// RFC 3339 `date-time` as the protocol documents it, written plainly: a regular expression, then
/// arithmetic that counts days year by year (no shared helper with the parser under test).
enum ReferenceRFC3339 {
    private static let shape = try! NSRegularExpression(pattern:
        "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]{1,18})?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$")

    static func parse(_ text: String) -> Int64? {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = shape.firstMatch(in: text, range: range) else { return nil }
        func group(_ index: Int) -> String? {
            guard let r = Range(match.range(at: index), in: text) else { return nil }
            return String(text[r])
        }
        func number(_ index: Int) -> Int64 { Int64(group(index)!)! }
        let (year, month, day) = (number(1), number(2), number(3))
        let (hour, minute, second) = (number(4), number(5), number(6))
        guard (1...12).contains(month), day >= 1, day <= monthLengths(year)[Int(month) - 1],
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var offsetMinutes: Int64 = 0
        if let sign = group(9) {
            let (oh, om) = (number(10), number(11))
            guard oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (sign == "+" ? 1 : -1)
        }
        // Milliseconds: the first three fraction digits, padded with zeros; the rest is cut.
        let fraction = (group(7).map { String($0.dropFirst()) } ?? "") + "000"
        let fractionMs = Int64(fraction.prefix(3))!
        var days: Int64 = 0
        if year >= 1970 {
            for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
        }
        for m in 0..<Int(month - 1) { days += monthLengths(year)[m] }
        days += day - 1
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        let ms = seconds * 1000 + fractionMs
        if year >= 1583, let date = foundationDate(year, month, day, hour, minute, second, offsetMinutes) {
            // A second opinion from Foundation's calendar, where it is proleptic Gregorian.
            precondition(Int64((date.timeIntervalSince1970).rounded()) == seconds, "reference disagrees with Calendar: \(text)")
        }
        // Years 0001-9999 after the offset: 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59.999Z.
        guard ms >= -62_135_596_800_000, ms <= 253_402_300_799_999 else { return nil }
        return ms
    }

    private static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    private static func monthLengths(_ year: Int64) -> [Int64] {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    }

    private static func foundationDate(_ year: Int64, _ month: Int64, _ day: Int64, _ hour: Int64, _ minute: Int64,
                                       _ second: Int64, _ offsetMinutes: Int64) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let components = DateComponents(year: Int(year), month: Int(month), day: Int(day), hour: Int(hour),
                                        minute: Int(minute), second: Int(second))
        return calendar.date(from: components).map { $0.addingTimeInterval(TimeInterval(-offsetMinutes * 60)) }
    }
}
