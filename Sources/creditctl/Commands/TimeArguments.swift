import ArgumentParser
import CreditProtocol
import Foundation

/// An instant on the command line, as staff type it: studio-local `2027-01-10 18:00` or
/// `2027-01-10T18:00[:SS]`, an RFC 3339 instant with its offset, or (for `--since`/`--until`)
/// a local date `2027-01-10`. Local forms are resolved in the studio's time zone, which creditctl
/// asks the daemon for (`studio.get`).
struct When: ExpressibleByArgument {
    enum Form: Equatable {
        /// RFC 3339 with an offset: already an instant.
        case instant(Timestamp)
        /// A local wall-clock time, held as if it were UTC.
        case local(wallMs: Int64)
        /// A local date, held as its midnight as if it were UTC.
        case date(wallMs: Int64)
    }

    let text: String
    let form: Form

    init?(argument: String) {
        text = argument
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        if Format.isLocalDate(trimmed), let midnight = Timestamp(trimmed + "T00:00:00Z") {
            form = .date(wallMs: midnight.ms)
        } else if let wall = When.wallClock(trimmed) {
            form = .local(wallMs: wall)
        } else if let instant = Timestamp(trimmed) {
            form = .instant(instant)
        } else {
            return nil
        }
    }

    /// `YYYY-MM-DD HH:MM[:SS]` or with `T`, no offset: milliseconds as if the wall clock were UTC.
    static func wallClock(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 16 || b.count == 19, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T") else { return nil }
        let date = String(decoding: b[0..<10], as: UTF8.self)
        let time = String(decoding: b[11...], as: UTF8.self) + (b.count == 16 ? ":00" : "")
        guard Format.isLocalDate(date) else { return nil }
        return Timestamp(date + "T" + time + "Z")?.ms
    }

    /// Whether resolving needs the studio's zone.
    var isLocal: Bool { if case .instant = form { return false } else { return true } }

    /// What a bare date stands for where one is allowed.
    enum DateMeaning {
        /// Not allowed: a time of day is needed.
        case refused
        /// The start of that day (`--since`).
        case startOfDay
        /// Through that day: the next day's start (`--until`).
        case endOfDay
    }

    /// The instant meant, in `zone`. A local time that does not exist (skipped by a daylight-saving
    /// change) is an error; one that happens twice (the clocks go back) means the earlier.
    func resolve(in zone: TimeZone, date meaning: DateMeaning, option: String) throws -> Timestamp {
        switch form {
        case .instant(let ts): return ts
        case .local(let wallMs): return try When.instant(wallMs: wallMs, zone, text: text, option: option)
        case .date(let wallMs):
            switch meaning {
            case .refused:
                throw CtlError.usage("\(option) \(text): give a time too, e.g. \"\(text) 18:00\"")
            case .startOfDay: return try When.instant(wallMs: wallMs, zone, text: text, option: option)
            case .endOfDay: return try When.instant(wallMs: wallMs + 86_400_000, zone, text: text, option: option)
            }
        }
    }

    /// The UTC instant whose local time in `zone` is `wallMs`.
    static func instant(wallMs: Int64, _ zone: TimeZone, text: String, option: String) throws -> Timestamp {
        // The offsets a day either side cover any one transition; keep those that map back to the wall time.
        let offsets = Set([-86_400_000, 86_400_000].map { Int64(zone.secondsFromGMT(for: date(wallMs + Int64($0)))) * 1000 })
        let candidates = offsets.map { wallMs - $0 }
            .filter { Int64(zone.secondsFromGMT(for: date($0))) * 1000 == wallMs - $0 }
        guard let earliest = candidates.min() else {
            throw CtlError.usage("\(option) \(text): that local time does not exist in \(zone.identifier) "
                                 + "(the clocks skip it); give a time after the change or an RFC 3339 instant")
        }
        return Timestamp(ms: earliest)
    }

    private static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension Connection {
    /// The instant meant by `when`; asks the daemon for the studio's zone only when it is local.
    func resolve(_ when: When?, _ option: String, date meaning: When.DateMeaning = .refused) throws -> Timestamp? {
        guard let when else { return nil }
        guard when.isLocal else { return try when.resolve(in: TimeZone(identifier: "UTC")!, date: meaning, option: option) }
        let (_, studio) = try connect().call(.studioGet, EmptyParams(), as: Studio.self)
        guard let zone = TimeZone(identifier: studio.timeZone) else {
            throw CtlError.usage("the studio's time zone \(studio.timeZone) is unknown here: give \(option) in RFC 3339")
        }
        return try when.resolve(in: zone, date: meaning, option: option)
    }
}

/// A duration on the command line: `90s`, `30m`, `1.5h`, `2d`, `1h30m`; `0` alone is allowed.
/// A bare number is refused: `--late-window 90` is surely 90 minutes or 90 seconds, not a guess.
struct Seconds: ExpressibleByArgument {
    var value: Int64

    init?(argument: String) {
        guard let parsed = try? Seconds.parse(argument) else { return nil }
        value = parsed.value
    }

    init(value: Int64) { self.value = value }

    /// For `@Option(transform:)`, so the reason a value is refused is shown.
    static func parse(_ text: String) throws -> Seconds {
        if text == "0" { return Seconds(value: 0) }
        if let number = Double(text), number.isFinite {
            throw ValidationError("a duration needs a unit: \(text)s or \(text)m (s, m, h, d, e.g. 1.5h, 1h30m)")
        }
        guard let value = Format.parseDuration(text) else {
            throw ValidationError("not a duration: use s, m, h or d, e.g. 90s, 30m, 1.5h, 2d, 1h30m")
        }
        return Seconds(value: value)
    }
}

/// Whole-number options: accepted unconditionally (so `-1` is a value, not an option) and checked here.
enum Count {
    /// `1`, `2`, ...
    static func positive(_ text: String) throws -> Int64 {
        guard let n = Int64(text), n >= 1 else { throw ValidationError("must be a positive whole number (1, 2, 3 ...)") }
        return n
    }

    /// `0`, `1`, ...
    static func nonNegative(_ text: String) throws -> Int64 {
        guard let n = Int64(text), n >= 0 else { throw ValidationError("must be a whole number, 0 or more") }
        return n
    }
}
