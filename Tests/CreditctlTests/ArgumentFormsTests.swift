import ArgumentParser
import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// The argument forms issue 15 asked for, without a daemon: global options anywhere, studio-local
/// times through daylight-saving changes, durations with units.
@Suite struct ArgumentFormsTests {
    @Test func globalOptionsBeforeTheSubcommandMoveBehindIt() {
        let reorder = { (args: [String]) in GlobalOptions.reorder(args, root: Creditctl.self) }
        #expect(reorder(["--socket", "S", "--json", "balance", "ann"]) == ["balance", "ann", "--socket", "S", "--json"])
        #expect(reorder(["--json", "credit", "--staff=Sam", "issue", "ann"]) == ["credit", "issue", "ann", "--json", "--staff=Sam"])
        // Words after the command path keep their order, and `--` still ends the options
        #expect(reorder(["--json", "note", "set", "4", "--", "--json"]) == ["note", "set", "4", "--json", "--", "--json"])
        #expect(reorder(["balance", "ann", "--json"]) == ["balance", "ann", "--json"])
        #expect(reorder(["--help"]) == ["--help"])
    }

    func instant(_ text: String, _ zone: String, _ meaning: When.DateMeaning = .refused) throws -> String {
        try When(argument: text)!.resolve(in: TimeZone(identifier: zone)!, date: meaning, option: "t").description
    }

    @Test func localTimesResolveInTheStudioZoneThroughDaylightSaving() throws {
        #expect(try instant("2027-01-10 18:00", "Europe/Berlin") == "2027-01-10T17:00:00Z")
        #expect(try instant("2027-07-10T18:00:30", "Europe/Berlin") == "2027-07-10T16:00:30Z")
        #expect(try instant("2027-01-10T18:00:00-05:00", "Europe/Berlin") == "2027-01-10T23:00:00Z")
        // Spring forward: 02:30 does not exist; autumn: 02:30 happens twice and means the earlier
        #expect(throws: CtlError.self) { try instant("2027-03-28 02:30", "Europe/Berlin") }
        #expect(try instant("2027-10-31 02:30", "Europe/Berlin") == "2027-10-31T00:30:00Z")
        #expect(try instant("2027-11-07 01:30", "America/New_York") == "2027-11-07T05:30:00Z")
        // Dates: the day's start, or through the day; refused where a time is needed
        #expect(try instant("2027-03-28", "Europe/Berlin", .startOfDay) == "2027-03-27T23:00:00Z")
        #expect(try instant("2027-03-28", "Europe/Berlin", .endOfDay) == "2027-03-28T22:00:00Z")
        #expect(throws: CtlError.self) { try instant("2027-03-28", "Europe/Berlin") }
        #expect(When(argument: "2027-02-30 10:00") == nil && When(argument: "tomorrow") == nil)
    }

    @Test func durationsNeedAUnitAndMayHaveFractions() throws {
        #expect(try Seconds.parse("1.5h").value == 5400)
        #expect(try Seconds.parse("90m").value == 5400)
        #expect(try Seconds.parse("2d").value == 172_800)
        #expect(try Seconds.parse("1h30m").value == 5400)
        #expect(try Seconds.parse("0").value == 0)
        #expect(throws: ValidationError.self) { try Seconds.parse("90") }
        #expect(throws: ValidationError.self) { try Seconds.parse("0.5s") }
        #expect(throws: ValidationError.self) { try Seconds.parse("5x") }
        #expect(throws: ValidationError.self) { try Count.positive("-1") }
    }
}
