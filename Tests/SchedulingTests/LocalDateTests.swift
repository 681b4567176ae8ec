import Foundation
import Testing
@testable import Scheduling

@Suite struct LocalDateTests {
    @Test(arguments: [
        ("2026-01-31", 2026, 1, 31), ("2028-02-29", 2028, 2, 29), ("2000-02-29", 2000, 2, 29),
        ("0001-01-01", 1, 1, 1), ("9999-12-31", 9999, 12, 31), ("1969-12-31", 1969, 12, 31),
    ])
    func parsesRealDates(text: String, year: Int, month: Int, day: Int) throws {
        // Given a well-formed date / When parsed
        let date = try #require(LocalDate(text))
        // Then its fields and its text form round-trip
        #expect(date.year == year && date.month == month && date.day == day)
        #expect(date.description == text)
    }

    @Test(arguments: [
        "2026-02-30", "2027-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-00",
        "0000-01-01", "2026-1-31", "2026-01-5", "26-01-31", "2026/01/31", "2026-01-31T00:00", " 2026-01-31",
        "2026-01-31 ", "", "abcd-ef-gh", "+026-01-31", "2026-0１-31", "2026--1-31", "20260131xx",
    ])
    func rejectsBadDates(text: String) {
        // Given malformed or impossible text / When parsed / Then nil
        #expect(LocalDate(text) == nil)
    }

    @Test func memberwiseValidation() {
        // Given field values / Then only real dates within 0001...9999 exist
        #expect(LocalDate(year: 2024, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2023, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 10_000, month: 1, day: 1) == nil)
        #expect(LocalDate(year: 0, month: 1, day: 1) == nil)
        #expect(LocalDate(year: 2026, month: 6, day: 31) == nil)
    }

    @Test func dayNumbersAndWeekdays() throws {
        // Given known anchors of the proleptic Gregorian calendar
        let cases: [(String, Int, Int)] = [
            ("1970-01-01", 0, 4), ("2000-03-01", 11_017, 3), ("1969-12-31", -1, 3),
            ("0001-01-01", -719_162, 1), ("9999-12-31", 2_932_896, 5), ("2026-11-21", 20_778, 6),
        ]
        for (text, days, weekday) in cases {
            let date = try #require(LocalDate(text))
            // Then day numbers and ISO weekdays match, and day numbers convert back
            #expect(date.daysSinceEpoch == days, "\(text)")
            #expect(date.isoWeekday == weekday, "\(text)")
            #expect(LocalDate(daysSinceEpoch: days) == date)
        }
        #expect(LocalDate.max.advanced(byDays: 1) == nil)
        #expect(LocalDate.min.advanced(byDays: -1) == nil)
        #expect(LocalDate.max.advanced(byDays: Int.max) == nil)
    }

    @Test func ordersChronologically() throws {
        // Given dates that would sort wrongly by any single field
        let texts = ["2026-12-01", "2025-12-31", "2026-01-31", "2026-02-01", "2026-01-09"]
        let dates = try texts.map { try #require(LocalDate($0)) }
        // When sorted / Then chronological
        #expect(dates.sorted().map(\.description) == ["2025-12-31", "2026-01-09", "2026-01-31", "2026-02-01", "2026-12-01"])
    }

    @Test func codableAsString() throws {
        // Given a date inside a JSON object
        struct Box: Codable, Equatable { let on: LocalDate }
        let box = Box(on: try #require(LocalDate("2026-09-06")))
        // When encoded and decoded / Then it is the plain string and round-trips
        let json = try JSONEncoder().encode(box)
        #expect(String(decoding: json, as: UTF8.self) == #"{"on":"2026-09-06"}"#)
        #expect(try JSONDecoder().decode(Box.self, from: json) == box)
        // And an impossible date does not decode
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"on":"2026-02-30"}"#.utf8))
        }
    }
}
