// Calendar math in the studio's IANA zone. Date arithmetic is pure (LocalDate); only the
// conversions between local dates and instants consult the zone's offsets.
import Foundation

/// The unit of a membership cycle.
public enum Period: String, Codable, Sendable, CaseIterable { case week, month, year }

/// Errors from building a ``StudioCalendar``.
public enum CalendarError: Error, Equatable {
    /// The identifier is not an IANA time zone known to this system.
    case unknownTimeZone(String)
}

/// Calendar math in one IANA zone.
public struct StudioCalendar: Sendable {
    /// The zone's identifier as given, e.g. "Europe/Berlin".
    public let timeZoneIdentifier: String
    private let zone: TimeZone

    private static let secondsPerDay: Int64 = 86_400
    // Offsets in use worldwide lie within -12 h...+14 h; sampling this far either side of a
    // local midnight finds every candidate instant and every transition that could matter.
    private static let sampleFromSeconds: Int64 = -16 * 3_600
    private static let sampleToSeconds: Int64 = 16 * 3_600
    private static let sampleStepSeconds: Int64 = 2 * 3_600

    /// Builds the calendar for an IANA zone identifier such as "America/Santiago" or "UTC".
    /// - Throws: ``CalendarError/unknownTimeZone(_:)`` for anything the system's zone database lacks.
    public init(timeZoneIdentifier: String) throws(CalendarError) {
        // TimeZone(identifier:) also accepts ad hoc forms ("GMT+5", abbreviations); the contract
        // wants real IANA names, so the identifier must also be listed by the zone database.
        guard !timeZoneIdentifier.isEmpty,
              let zone = TimeZone(identifier: timeZoneIdentifier),
              Self.isKnown(timeZoneIdentifier)
        else { throw .unknownTimeZone(timeZoneIdentifier) }
        self.timeZoneIdentifier = timeZoneIdentifier
        self.zone = zone
    }

    private static func isKnown(_ identifier: String) -> Bool {
        if identifier == "UTC" || identifier == "GMT" { return true }
        if TimeZone.knownTimeZoneIdentifiers.contains(identifier) { return true }
        // Foundation's list omits IANA backward links such as "Etc/UTC" (Debian's default in
        // /etc/timezone) and "US/Eastern"; accept those when the system's zoneinfo has the file.
        // "GMT+5" is refused: Foundation reads it as +05:00, the IANA file as -05:00.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-")
        guard identifier.allSatisfy(allowed.contains), !identifier.hasPrefix("/"),
              !["GMT+", "GMT-", "UTC+", "UTC-", "posix/", "right/"].contains(where: identifier.hasPrefix)
        else { return false }
        var isDirectory: ObjCBool = false
        let path = "/usr/share/zoneinfo/" + identifier
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The first instant of `date` in the zone. A local midnight that does not exist (DST gap at 00:00,
    /// e.g. America/Santiago, America/Havana) resolves to the first valid instant after it.
    public func startOfDayMs(_ date: LocalDate) -> Int64 {
        startOfDayMs(localDays: Int64(date.daysSinceEpoch))
    }

    /// Credits "valid through `date`" expire at the next local midnight: startOfDayMs(date + 1 day).
    public func endOfDayMs(_ date: LocalDate) -> Int64 {
        // Computed on day numbers so that 9999-12-31 has an end too.
        startOfDayMs(localDays: Int64(date.daysSinceEpoch) + 1)
    }

    /// The local date at an instant. Instants beyond years 0001...9999 clamp to ``LocalDate/min``/``LocalDate/max``.
    public func localDate(atMs ms: Int64) -> LocalDate {
        let seconds = Self.floorDiv(ms, 1_000)
        let local = seconds + offsetSeconds(at: seconds)
        let days = Self.floorDiv(local, Self.secondsPerDay)
        if days < Int64(LocalDate.min.daysSinceEpoch) { return .min }
        if days > Int64(LocalDate.max.daysSinceEpoch) { return .max }
        return LocalDate(daysSinceEpoch: Int(days))!
    }

    /// `date` moved by `days` (negative: backwards). The result must stay within years 0001...9999;
    /// use ``LocalDate/advanced(byDays:)`` for untrusted input.
    public func adding(days: Int, to date: LocalDate) -> LocalDate {
        guard let result = date.advanced(byDays: days) else {
            preconditionFailure("\(date) + \(days) days leaves years 0001...9999")
        }
        return result
    }

    /// Whole days between two local dates (b - a).
    public func days(from a: LocalDate, to b: LocalDate) -> Int {
        b.daysSinceEpoch - a.daysSinceEpoch
    }

    /// Start date of cycle `cycle` (0-based) of a membership anchored on `anchor`:
    /// anchor + cycle * periodCount periods. Monthly/yearly keep the anchor's day, clamped to short months,
    /// always computed from the anchor (never from the previous cycle), so Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30.
    /// - Precondition: `periodCount >= 1`, `cycle >= 0`, and the result lies within years 0001...9999;
    ///   use ``cycleStartDateIfRepresentable(anchor:period:periodCount:cycle:)`` for stored or untrusted data.
    public func cycleStartDate(anchor: LocalDate, period: Period, periodCount: Int, cycle: Int) -> LocalDate {
        precondition(periodCount >= 1, "periodCount must be >= 1, got \(periodCount)")
        precondition(cycle >= 0, "cycle must be >= 0, got \(cycle)")
        guard let date = cycleStartDateIfRepresentable(anchor: anchor, period: period, periodCount: periodCount,
                                                       cycle: cycle) else {
            preconditionFailure("cycle \(cycle) of \(anchor) leaves years 0001...9999")
        }
        return date
    }

    /// ``cycleStartDate(anchor:period:periodCount:cycle:)``, or nil when the arguments are out of
    /// range (`periodCount < 1`, `cycle < 0`) or the date would leave years 0001...9999. Never traps.
    public func cycleStartDateIfRepresentable(anchor: LocalDate, period: Period, periodCount: Int,
                                              cycle: Int) -> LocalDate? {
        guard periodCount >= 1, cycle >= 0 else { return nil }
        let (steps, overflow) = periodCount.multipliedReportingOverflow(by: cycle)
        guard !overflow else { return nil }
        switch period {
        case .week:
            let (days, overflow) = steps.multipliedReportingOverflow(by: 7)
            return overflow ? nil : anchor.advanced(byDays: days)
        case .month:
            return Self.clamped(anchor: anchor, monthsAfter: steps)
        case .year:
            let (months, overflow) = steps.multipliedReportingOverflow(by: 12)
            return overflow ? nil : Self.clamped(anchor: anchor, monthsAfter: months)
        }
    }

    /// startOfDayMs(cycleStartDate(...)).
    public func cycleStartMs(anchor: LocalDate, period: Period, periodCount: Int, cycle: Int) -> Int64 {
        startOfDayMs(cycleStartDate(anchor: anchor, period: period, periodCount: periodCount, cycle: cycle))
    }

    /// The cycle (0-based) whose local dates contain `date`: the largest `k` with
    /// `cycleStartDate(k) <= date`, or nil when `date` is before `anchor`.
    /// - Precondition: `periodCount >= 1`.
    public func cycleIndex(containing date: LocalDate, anchor: LocalDate, period: Period, periodCount: Int) -> Int? {
        precondition(periodCount >= 1, "periodCount must be >= 1, got \(periodCount)")
        guard date >= anchor else { return nil }
        // Whole periods between the dates. Exact for weeks; for months and years cycle k starts in a
        // month at or before date's month, so the estimate is at most one too high (a start later in
        // the same month than `date`), never too low.
        var k: Int
        switch period {
        case .week: k = days(from: anchor, to: date) / (7 * periodCount)
        case .month: k = ((date.year - anchor.year) * 12 + (date.month - anchor.month)) / periodCount
        case .year: k = ((date.year - anchor.year) * 12 + (date.month - anchor.month)) / (12 * periodCount)
        }
        while k > 0, cycleStartDate(anchor: anchor, period: period, periodCount: periodCount, cycle: k) > date {
            k -= 1
        }
        return k
    }

    // MARK: - Private

    private static func clamped(anchor: LocalDate, monthsAfter months: Int) -> LocalDate? {
        let (index, overflow) = (anchor.month - 1).addingReportingOverflow(months)
        guard !overflow else { return nil }
        let year = anchor.year + floorDiv(index, 12)
        guard (1...9999).contains(year) else { return nil }
        let month = index - floorDiv(index, 12) * 12 + 1
        let day = Swift.min(anchor.day, LocalDate.daysInMonth(year: year, month: month))
        return LocalDate(year: year, month: month, day: day)
    }

    private func offsetSeconds(at seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// `localDays` is a day number since 1970-01-01; its local midnight as an instant in ms.
    private func startOfDayMs(localDays: Int64) -> Int64 {
        let midnight = localDays * Self.secondsPerDay  // local seconds, as if the zone were UTC
        let segments = offsetSegments(around: midnight)
        // Every segment whose offset maps local midnight into the segment itself is a real midnight;
        // the earliest one is the start of the day (a repeated midnight counts from its first time).
        var best: Int64?
        for (i, segment) in segments.enumerated() {
            let instant = midnight - segment.offset
            let end = i + 1 < segments.count ? segments[i + 1].start : Int64.max
            if instant >= segment.start, instant < end { best = Swift.min(best ?? instant, instant) }
        }
        if let best { return best * 1_000 }
        // Midnight falls in a gap: the day starts at the transition that jumps over it.
        for i in 1..<segments.count {
            let t = segments[i].start
            if t + segments[i - 1].offset <= midnight, midnight < t + segments[i].offset { return t * 1_000 }
        }
        preconditionFailure("no start of day found for day \(localDays) in \(timeZoneIdentifier)")
    }

    /// Constant-offset stretches of time around `midnight - offset`: (first second, offset), ascending.
    /// The first segment is open to the left.
    private func offsetSegments(around midnight: Int64) -> [(start: Int64, offset: Int64)] {
        var previousT = midnight + Self.sampleFromSeconds
        var previousOffset = offsetSeconds(at: previousT)
        var segments: [(start: Int64, offset: Int64)] = [(Int64.min, previousOffset)]
        var t = previousT + Self.sampleStepSeconds
        while t <= midnight + Self.sampleToSeconds {
            let offset = offsetSeconds(at: t)
            if offset != previousOffset {
                segments.append((firstSecond(after: previousT, upTo: t, differingFrom: previousOffset), offset))
            }
            previousT = t
            previousOffset = offset
            t += Self.sampleStepSeconds
        }
        return segments
    }

    /// Binary search for the first second in (lo, hi] whose offset differs from `offset`.
    private func firstSecond(after lo: Int64, upTo hi: Int64, differingFrom offset: Int64) -> Int64 {
        var lo = lo, hi = hi
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offsetSeconds(at: mid) == offset { lo = mid } else { hi = mid }
        }
        return hi
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
