import Testing
@testable import Scheduling

/// Parses a date known to be valid (test data only).
func d(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { fatalError("bad test date \(text)") }
    return date
}

func cal(_ zone: String) throws -> StudioCalendar { try StudioCalendar(timeZoneIdentifier: zone) }

private let hourMs: Int64 = 3_600_000

@Suite struct CycleDateTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let anchor: String, period: Period, count: Int, expected: [String]
        var testDescription: String { "\(anchor) every \(count) \(period)" }
    }

    @Test(arguments: [
        // Monthly from Jan 31 through a leap year: clamps each month, never drifts.
        Row(anchor: "2028-01-31", period: .month, count: 1, expected: [
            "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30", "2028-07-31",
            "2028-08-31", "2028-09-30", "2028-10-31", "2028-11-30", "2028-12-31", "2029-01-31", "2029-02-28",
            "2029-03-31"]),
        // ...and through a non-leap year.
        Row(anchor: "2027-01-31", period: .month, count: 1, expected: [
            "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]),
        Row(anchor: "2026-11-30", period: .month, count: 3, expected: [
            "2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30", "2027-11-30", "2028-02-29"]),
        Row(anchor: "2028-02-29", period: .year, count: 1, expected: [
            "2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
        Row(anchor: "2028-02-29", period: .year, count: 2, expected: ["2028-02-29", "2030-02-28", "2032-02-29"]),
        Row(anchor: "2026-12-28", period: .week, count: 2, expected: [
            "2026-12-28", "2027-01-11", "2027-01-25", "2027-02-08"]),
        Row(anchor: "2026-03-23", period: .week, count: 1, expected: ["2026-03-23", "2026-03-30", "2026-04-06"]),
    ])
    func cycleStarts(row: Row) throws {
        // Given a membership anchor and plan period
        let calendar = try cal("UTC")
        for (cycle, text) in row.expected.enumerated() {
            // When cycle k's start is computed / Then it is anchor + k * count periods, clamped
            let start = calendar.cycleStartDate(anchor: d(row.anchor), period: row.period, periodCount: row.count,
                                                cycle: cycle)
            #expect(start == d(text), "cycle \(cycle)")
            // And every date of the cycle maps back to it
            #expect(calendar.cycleIndex(containing: start, anchor: d(row.anchor), period: row.period,
                                        periodCount: row.count) == cycle)
            let dayBefore = calendar.adding(days: -1, to: start)
            #expect(calendar.cycleIndex(containing: dayBefore, anchor: d(row.anchor), period: row.period,
                                        periodCount: row.count) == (cycle == 0 ? nil : cycle - 1))
        }
    }

    @Test func dayArithmetic() throws {
        // Given the pure day arithmetic / Then it crosses months, years and leap days
        let calendar = try cal("Europe/Berlin")
        #expect(calendar.adding(days: 1, to: d("2028-02-28")) == d("2028-02-29"))
        #expect(calendar.adding(days: 90, to: d("2026-12-15")) == d("2027-03-15"))
        #expect(calendar.adding(days: -1, to: d("2026-01-01")) == d("2025-12-31"))
        #expect(calendar.days(from: d("2026-01-01"), to: d("2027-01-01")) == 365)
        #expect(calendar.days(from: d("2028-03-01"), to: d("2028-02-01")) == -29)
    }
}

@Suite struct ZoneInstantTests {
    // Expected instants were checked against Python zoneinfo (tzdata 2025b) on the build machine.
    struct Row: Sendable, CustomTestStringConvertible {
        let zone: String, date: String, startMs: Int64, dayLengthH: Double
        var testDescription: String { "\(zone) \(date)" }
    }

    @Test(arguments: [
        Row(zone: "UTC", date: "2026-01-31", startMs: 1_769_817_600_000, dayLengthH: 24),
        Row(zone: "Etc/UTC", date: "2026-01-31", startMs: 1_769_817_600_000, dayLengthH: 24),
        Row(zone: "Europe/Berlin", date: "2026-03-28", startMs: 1_774_652_400_000, dayLengthH: 24),
        Row(zone: "Europe/Berlin", date: "2026-03-29", startMs: 1_774_738_800_000, dayLengthH: 23),
        Row(zone: "Europe/Berlin", date: "2026-03-30", startMs: 1_774_821_600_000, dayLengthH: 24),
        Row(zone: "Europe/Berlin", date: "2026-10-25", startMs: 1_792_879_200_000, dayLengthH: 25),
        Row(zone: "America/New_York", date: "2026-03-08", startMs: 1_772_946_000_000, dayLengthH: 23),
        Row(zone: "America/New_York", date: "2026-11-01", startMs: 1_793_505_600_000, dayLengthH: 25),
        Row(zone: "Australia/Lord_Howe", date: "2026-04-05", startMs: 1_775_307_600_000, dayLengthH: 24.5),
        Row(zone: "Australia/Lord_Howe", date: "2026-10-04", startMs: 1_791_034_200_000, dayLengthH: 23.5),
        Row(zone: "Asia/Kathmandu", date: "2026-01-01", startMs: 1_767_204_900_000, dayLengthH: 24),
        // DST starts at midnight: 00:00 does not exist, the day starts at 01:00 -03.
        Row(zone: "America/Santiago", date: "2026-09-05", startMs: 1_788_580_800_000, dayLengthH: 24),
        Row(zone: "America/Santiago", date: "2026-09-06", startMs: 1_788_667_200_000, dayLengthH: 23),
        // DST ends at midnight (back to 23:00 of the day before): that day has 25 hours.
        Row(zone: "America/Santiago", date: "2026-04-04", startMs: 1_775_271_600_000, dayLengthH: 25),
        Row(zone: "America/Havana", date: "2026-03-08", startMs: 1_772_946_000_000, dayLengthH: 23),
        // Midnight happens twice (01:00 -> 00:00): the first one starts the day.
        Row(zone: "America/Havana", date: "2026-11-01", startMs: 1_793_505_600_000, dayLengthH: 25),
    ])
    func startAndEndOfDay(row: Row) throws {
        // Given a studio zone
        let calendar = try cal(row.zone)
        // When the day's bounds are computed
        let start = calendar.startOfDayMs(d(row.date))
        let end = calendar.endOfDayMs(d(row.date))
        // Then the start is the verified instant, the end is the next day's start,
        // and the day lasts as long as the zone's rules say
        #expect(start == row.startMs)
        #expect(end == calendar.startOfDayMs(calendar.adding(days: 1, to: d(row.date))))
        #expect(Double(end - start) / Double(hourMs) == row.dayLengthH)
        // And the instants map back to the local dates on either side
        #expect(calendar.localDate(atMs: start) == d(row.date))
        #expect(calendar.localDate(atMs: start - 1) == calendar.adding(days: -1, to: d(row.date)))
        #expect(calendar.localDate(atMs: end - 1) == d(row.date))
    }

    @Test(arguments: [
        // Weekly cycles across DST: local midnight stays local midnight, the instants move by 7 d -/+ 1 h.
        ("Europe/Berlin", "2026-03-23", Int64(1_774_220_400_000), Int64(1_774_821_600_000), 167.0),
        ("Europe/Berlin", "2026-10-19", Int64(1_792_360_800_000), Int64(1_792_969_200_000), 169.0),
        ("America/New_York", "2026-03-02", Int64(1_772_427_600_000), Int64(1_773_028_800_000), 167.0),
        ("America/New_York", "2026-10-26", Int64(1_792_987_200_000), Int64(1_793_595_600_000), 169.0),
    ])
    func weeklyCycleAcrossDST(zone: String, anchor: String, cycle0Ms: Int64, cycle1Ms: Int64, hours: Double) throws {
        // Given a weekly membership anchored the Monday before a DST change
        let calendar = try cal(zone)
        // When the first two cycle starts are computed
        let c0 = calendar.cycleStartMs(anchor: d(anchor), period: .week, periodCount: 1, cycle: 0)
        let c1 = calendar.cycleStartMs(anchor: d(anchor), period: .week, periodCount: 1, cycle: 1)
        // Then both are local midnights and they are 7 days -/+ 1 hour apart
        #expect(c0 == cycle0Ms)
        #expect(c1 == cycle1Ms)
        #expect(Double(c1 - c0) / Double(hourMs) == hours)
    }

    @Test func santiagoMonthlyCycleIntoTheGap() throws {
        // Given a monthly membership in Santiago anchored on the 6th
        let calendar = try cal("America/Santiago")
        // When the cycle lands on 2026-09-06, whose midnight does not exist
        let start = calendar.cycleStartMs(anchor: d("2026-08-06"), period: .month, periodCount: 1, cycle: 1)
        // Then it starts at 01:00 -03, the first instant of that day
        #expect(start == 1_788_667_200_000)
        #expect(calendar.endOfDayMs(d("2026-09-05")) == start)
    }

    @Test func localDateAtInstants() throws {
        // Given instants around offsets and before the epoch / Then the local date is the zone's
        #expect(try cal("UTC").localDate(atMs: -1) == d("1969-12-31"))
        #expect(try cal("UTC").localDate(atMs: 0) == d("1970-01-01"))
        #expect(try cal("Asia/Kathmandu").localDate(atMs: 1_767_204_899_999) == d("2025-12-31"))
        #expect(try cal("America/Santiago").localDate(atMs: 1_788_667_199_999) == d("2026-09-05"))
        #expect(try cal("Pacific/Kiritimati").localDate(atMs: 1_769_817_600_000) == d("2026-01-31"))
        #expect(try cal("Pacific/Pago_Pago").localDate(atMs: 1_769_817_600_000) == d("2026-01-30"))
        // And instants beyond the representable years clamp
        #expect(try cal("UTC").localDate(atMs: Int64.max) == LocalDate.max)
        #expect(try cal("UTC").localDate(atMs: Int64.min) == LocalDate.min)
    }

    @Test func everyDayOfAYearRoundTrips() throws {
        // Given zones with odd offsets and DST rules, every day of 2026
        for zone in ["America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Havana", "Europe/Berlin"] {
            let calendar = try cal(zone)
            var date = d("2026-01-01")
            while date.year == 2026 {
                // Then each day starts where the previous ended and the bounds map back to the date
                let start = calendar.startOfDayMs(date)
                let end = calendar.endOfDayMs(date)
                #expect(end - start >= 22 * hourMs && end - start <= 26 * hourMs, "\(zone) \(date)")
                #expect(calendar.localDate(atMs: start) == date, "\(zone) \(date)")
                #expect(calendar.localDate(atMs: end - 1) == date, "\(zone) \(date)")
                date = calendar.adding(days: 1, to: date)
            }
        }
    }

    @Test(arguments: ["Mars/Phobos", "", "utc", "Europe/berlin", "GMT+5", "../etc/passwd", "posix/Europe/Berlin",
                      "Europe", "/usr/share/zoneinfo/UTC"])
    func unknownZonesThrow(zone: String) {
        // Given an identifier that is not an IANA zone / Then building a calendar throws
        #expect(throws: CalendarError.unknownTimeZone(zone)) { try StudioCalendar(timeZoneIdentifier: zone) }
    }

    @Test(arguments: ["UTC", "Etc/UTC", "US/Eastern", "America/Argentina/Buenos_Aires", "Etc/GMT-14"])
    func ianaNamesAndLinksAreAccepted(zone: String) throws {
        // Given canonical names and IANA backward links / Then the calendar keeps the given identifier
        #expect(try StudioCalendar(timeZoneIdentifier: zone).timeZoneIdentifier == zone)
    }
}
