import CreditProtocol
import Foundation

/// Shows instants in the studio's time zone, which is how staff think about bookings and expiry.
struct Zone {
    let timeZone: TimeZone
    private let calendar: Calendar

    /// A zone by IANA name; UTC when the name is unknown.
    init(identifier: String) {
        let zone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")!
        timeZone = zone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    static let utc = Zone(identifier: "UTC")

    private func parts(_ ts: Timestamp) -> DateComponents {
        calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                from: Date(timeIntervalSince1970: Double(ts.ms) / 1000))
    }

    /// `2026-05-01 18:00` in the zone.
    func dateTime(_ ts: Timestamp) -> String {
        let p = parts(ts)
        return Zone.date(p) + " " + Zone.two(p.hour!) + ":" + Zone.two(p.minute!)
    }

    /// `2026-05-01 18:00`, or empty for nil.
    func dateTime(_ ts: Timestamp?) -> String { ts.map(dateTime) ?? "" }

    /// The local date.
    func date(_ ts: Timestamp) -> String { Zone.date(parts(ts)) }

    /// The last local date credits are valid on: an expiry at local midnight means "through the
    /// day before", which is how a studio says it ("expire 2026-12-31"); otherwise the date-time.
    func validThrough(_ ts: Timestamp) -> String {
        let p = parts(ts)
        if p.hour == 0, p.minute == 0, p.second == 0 { return date(Timestamp(ms: ts.ms - 1)) }
        return dateTime(ts)
    }

    /// Today's local date at `now`.
    func today(_ now: Timestamp) -> String { date(now) }

    private static func date(_ p: DateComponents) -> String {
        String(format: "%04d-%02d-%02d", p.year!, p.month!, p.day!)
    }
    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Formatting and parsing of the values creditctl shows and takes.
enum Format {
    /// ISO 4217 currencies whose minor unit is not a hundredth.
    private static let exponents: [String: Int] = [
        "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XAF": 0, "XOF": 0, "XPF": 0, "UGX": 0,
        "PYG": 0, "RWF": 0, "KMF": 0, "GNF": 0, "DJF": 0, "VUV": 0,
        "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
    ]

    /// `120.00 EUR` from minor units.
    static func money(_ minor: Int64, _ currency: String) -> String {
        let exponent = exponents[currency.uppercased()] ?? 2
        guard exponent > 0 else { return "\(minor) \(currency)" }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let sign = minor < 0 ? "-" : ""
        let whole = abs(minor) / scale
        let fraction = String(abs(minor) % scale)
        return "\(sign)\(whole).\(String(repeating: "0", count: exponent - fraction.count))\(fraction) \(currency)"
    }

    /// `1 client`, `2 clients`, `0 credits`: a count with its noun in the right number.
    static func count(_ n: some BinaryInteger, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }

    /// `+3` / `-1` / `0`.
    static func signed(_ n: Int64) -> String { n > 0 ? "+\(n)" : "\(n)" }

    /// `yes` or empty, so flags stand out in a column.
    static func flag(_ value: Bool, _ text: String = "yes") -> String { value ? text : "" }

    /// Seconds as `1d2h`, `24h`, `30m`, `45s`, `0s`.
    static func duration(_ seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// Parses `90`, `90s`, `30m`, `1.5h`, `24h`, `2d`, `1h30m` into whole seconds (nil otherwise).
    static func parseDuration(_ text: String) -> Int64? {
        if let plain = Int64(text) { return plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        for ch in text.lowercased() {
            if ch.isASCII && (ch.isNumber || ch == ".") { number.append(ch); continue }
            guard let n = Double(number), n >= 0 else { return nil }
            switch ch {
            case "d": total += n * 86_400
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
        }
        // Whole seconds only, and small enough for any window the daemon takes (about 300 years).
        let whole = total.rounded()
        guard number.isEmpty, !text.isEmpty, total < 1e10, abs(total - whole) < 1e-6 else { return nil }
        return Int64(whole)
    }

    /// Whether `text` is a real `YYYY-MM-DD` date (2026-02-30 is not).
    static func isLocalDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 45, b[7] == 45 else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        guard digits.allSatisfy({ b[$0] >= 48 && b[$0] <= 57 }) else { return false }
        // Timestamp's parser knows month lengths and leap years; reuse it via midnight UTC.
        return Timestamp(text + "T00:00:00Z") != nil
    }
}
