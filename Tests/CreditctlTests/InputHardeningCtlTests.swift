import CreditProtocol
import Foundation
import Testing
@testable import creditctl

/// creditctl's side of issue 14: it parses instants with the shared Timestamp (which trapped on
/// 4+ fraction digits) and prints text from the daemon, which must not reach the terminal raw.
@Suite("creditctl input hardening")
struct InputHardeningCtlTests {
    @Test func tablesEscapeControlAndBidiCharacters() {
        // Given names holding a bidi override, an escape sequence, a C1 control, DEL and a zero-width space
        var table = Table([.init("CLIENT"), .init("NAME")])
        table.add(["ann", "\u{202E}evil"])
        table.add(["bob", "x\u{1B}[2Jy\u{85}\u{7F}\u{200B}"])
        // Then each is shown as <U+XXXX>, and the columns still line up
        #expect(table.render() == """
            CLIENT  NAME
            ann     <U+202E>evil
            bob     x<U+001B>[2Jy<U+0085><U+007F><U+200B>

            """)
        // And plain text, accents and emoji are untouched
        #expect(Printable.escape("Zoë e\u{301} 漢 😀") == "Zoë e\u{301} 漢 😀")
        #expect(Fields([("Name", "a\u{2066}b\tc")]).render() == "Name:  a<U+2066>b<U+0009>c\n")
    }

    @Test func sharedTimestampTakesAnyFractionDigits() {
        #expect(Timestamp("2027-01-10T18:00:00.123456Z")?.description == "2027-01-10T18:00:00.123Z")
    }
}

/// `creditctl book` with a microsecond instant against a live creditd (it died with SIGILL).
@Suite("creditctl book with fraction digits", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CREDITD_BIN"] != nil))
final class BookWithFractionDigitsTests {
    let live: LiveDaemonTests
    init() throws { live = try LiveDaemonTests() }

    @Test func bookAcceptsMicrosecondInstants() throws {
        // Given yoga and ann with credits
        for args in [["session-type", "create", "yoga", "Yoga"], ["client", "add", "ann", "Ann Lee"],
                     ["credit", "issue", "ann", "--type", "yoga", "--credits", "5"]] {
            #expect(try CtlRun.run(args + ["--socket", live.socket]).status == 0)
        }
        // When a booking names an instant with six fraction digits
        let run = try CtlRun.run(["book", "ann", "yoga", "2027-01-10T18:00:00.123456Z", "--id", "b1", "--json",
                                  "--socket", live.socket])
        // Then it is booked at the millisecond
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#""starts_at":"2027-01-10T18:00:00.123Z""#), "\(run.stdout)")
    }
}
