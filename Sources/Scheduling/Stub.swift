// TEMPORARY stub until the sched branch lands; replaced by the real module.
import Foundation

public struct LocalDate: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int
    public init?(_ text: String) {
        let p = text.split(separator: "-")
        guard text.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= 31 else { return nil }
        self.year = year; self.month = month; self.day = day
    }
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public static func < (a: LocalDate, b: LocalDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}
public enum Period: String, Codable, Sendable, CaseIterable { case week, month, year }
public enum CalendarError: Error, Equatable { case unknownTimeZone(String) }
public struct StudioCalendar: Sendable {
    let zone: TimeZone
    public init(timeZoneIdentifier: String) throws(CalendarError) {
        guard let z = TimeZone(identifier: timeZoneIdentifier) else { throw .unknownTimeZone(timeZoneIdentifier) }
        zone = z
    }
    public var timeZoneIdentifier: String { zone.identifier }
    var cal: Calendar { var c = Calendar(identifier: .gregorian); c.timeZone = zone; return c }
    public func startOfDayMs(_ date: LocalDate) -> Int64 {
        let d = cal.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
        return Int64((cal.startOfDay(for: d).timeIntervalSince1970 * 1000).rounded())
    }
    public func endOfDayMs(_ date: LocalDate) -> Int64 { startOfDayMs(adding(days: 1, to: date)) }
    public func localDate(atMs: Int64) -> LocalDate {
        let c = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(atMs) / 1000))
        return LocalDate(year: c.year!, month: c.month!, day: c.day!)!
    }
    public func adding(days: Int, to date: LocalDate) -> LocalDate {
        var c = Calendar(identifier: .gregorian); c.timeZone = TimeZone(identifier: "UTC")!
        let d = c.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
        let r = c.dateComponents([.year, .month, .day], from: c.date(byAdding: .day, value: days, to: d)!)
        return LocalDate(year: r.year!, month: r.month!, day: r.day!)!
    }
    public func cycleStartDate(anchor: LocalDate, period: Period, periodCount: Int, cycle: Int) -> LocalDate {
        var c = Calendar(identifier: .gregorian); c.timeZone = TimeZone(identifier: "UTC")!
        let d = c.date(from: DateComponents(year: anchor.year, month: anchor.month, day: anchor.day))!
        let comp: Calendar.Component = period == .week ? .weekOfYear : period == .month ? .month : .year
        let r = c.dateComponents([.year, .month, .day], from: c.date(byAdding: comp, value: cycle * periodCount, to: d)!)
        return LocalDate(year: r.year!, month: r.month!, day: r.day!)!
    }
    public func cycleStartMs(anchor: LocalDate, period: Period, periodCount: Int, cycle: Int) -> Int64 {
        startOfDayMs(cycleStartDate(anchor: anchor, period: period, periodCount: periodCount, cycle: cycle))
    }
    public func days(from a: LocalDate, to b: LocalDate) -> Int {
        Int((startOfDayMs(b) - startOfDayMs(a) + 43_200_000) / 86_400_000)
    }
}
public enum DeadlineKind: Int, Comparable, Codable, Sendable, CaseIterable {
    case settleCancellation = 0, completeBooking = 1, expireLot = 2, membershipBoundary = 3, idempotencyCleanup = 4
    public static func < (a: DeadlineKind, b: DeadlineKind) -> Bool { a.rawValue < b.rawValue }
}
public protocol DeadlineProcessor: AnyObject, Sendable {
    func nextDeadlineMs() throws -> Int64?
    func processDue(nowMs: Int64, batchMax: Int) throws -> [Int64]
}
