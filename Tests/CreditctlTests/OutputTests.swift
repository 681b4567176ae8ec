import CreditProtocol
import Foundation
import Testing
@testable import creditctl

@Suite("tables and formats")
struct OutputTests {
    @Test func tableAlignsColumnsAndTrimsTrailingSpace() {
        var table = Table([.init("TYPE"), .init("CREDITS", .right), .init("NOTE")])
        table.add(["yoga", "5", ""])
        table.add(["spin-class", "12", "two\nlines"])
        #expect(table.render() == """
            TYPE        CREDITS  NOTE
            yoga              5
            spin-class       12  two⏎lines

            """)
    }

    @Test func tablePadsShortRowsAndDropsExtraCells() {
        var table = Table([.init("A"), .init("B")])
        table.add(["x"])
        table.add(["y", "z", "dropped"])
        #expect(table.render() == "A  B\nx\ny  z\n")
    }

    @Test func fieldsAlignValues() {
        var fields = Fields([("Client", "alice"), ("Name", "Alice A.")])
        fields.add("Email", nil as String?)
        #expect(fields.render() == "Client:  alice\nName:    Alice A.\n")
    }

    @Test func balanceShowsArchivedAndNextExpiry() {
        let balance = Balance(client: "alice", total: 7, debt: 0, bySessionType: [
            ScopeBalance(sessionType: "yoga", archived: false, credits: 5,
                         nextExpiry: NextExpiry(at: Timestamp("2026-12-31T23:00:00Z")!, credits: 3)),
            ScopeBalance(sessionType: "old-spin", archived: true, credits: 2),
        ])
        let text = RenderLedger.balance(balance, Zone(identifier: "Europe/Berlin"))
        #expect(text == """
            alice: 7 credits
            SESSION TYPE  CREDITS  ARCHIVED  NEXT EXPIRY
            yoga                5            3 credits expire 2026-12-31
            old-spin            2  archived

            """)
    }

    @Test func expiryAtLocalMidnightReadsAsTheDayBefore() {
        let zone = Zone(identifier: "America/New_York")
        #expect(zone.validThrough(Timestamp("2027-01-01T05:00:00Z")!) == "2026-12-31")
        #expect(zone.validThrough(Timestamp("2027-01-01T06:30:00Z")!) == "2027-01-01 01:30")
        #expect(zone.dateTime(Timestamp("2026-07-01T16:00:00Z")!) == "2026-07-01 12:00")
    }

    @Test func durationsAndMoney() {
        #expect(Format.parseDuration("86400") == 86_400)
        #expect(Format.parseDuration("24h") == 86_400)
        #expect(Format.parseDuration("1h30m") == 5_400)
        #expect(Format.parseDuration("2d") == 172_800)
        #expect(Format.parseDuration("h") == nil)
        #expect(Format.parseDuration("5x") == nil)
        #expect(Format.parseDuration("") == nil)
        #expect(Format.duration(86_400) == "1d")
        #expect(Format.duration(5_400) == "1h30m")
        #expect(Format.duration(0) == "0s")
        #expect(Format.money(12_000, "EUR") == "120.00 EUR")
        #expect(Format.money(5, "EUR") == "0.05 EUR")
        #expect(Format.money(1500, "JPY") == "1500 JPY")
        #expect(Format.money(-1234, "KWD") == "-1.234 KWD")
    }

    @Test func localDates() {
        #expect(Format.isLocalDate("2028-02-29"))
        #expect(!Format.isLocalDate("2026-02-29"))
        #expect(!Format.isLocalDate("2026-13-01"))
        #expect(!Format.isLocalDate("2026-1-01"))
        #expect(!Format.isLocalDate("31/12/2026"))
    }

    @Test func statusPutsAWriteFaultFirstAndCountsSkippedDeadlines() {
        // Given a daemon that refuses writes and skipped one deadline
        let scheduler = SchedulerStatus(processed: 7, nextDeadline: nil, lagMs: LagFigures(p50: 0, p99: 1, max: 2),
                                        overdueAtCreation: 3, skipped: 1)
        let status = DaemonStatus(version: "1", protocol: 1, now: Timestamp(ms: 0), testClock: false, connections: 1,
                                  lots: 0, events: 0, scheduler: scheduler, fault: "the database file was removed")
        // When it is rendered
        let text = RenderSales.status(status, Zone(identifier: "UTC"))
        // Then the fault is the first line, and the scheduler's counts are shown
        #expect(text.hasPrefix("WRITES REFUSED"))
        #expect(text.contains("the database file was removed"))
        #expect(text.contains("Overdue at creation:  3"), "\(text)")
        #expect(text.contains("1 (creditctl verify lists them)"))
    }

    @Test func progressBar() {
        #expect(Progress.bar(done: 5, total: 10, label: "importing", width: 10) == "\rimporting [#####.....]  50% 5/10")
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

@Suite("finding the daemon")
struct SocketPathTests {
    @Test func optionWinsOverEverything() {
        #expect(SocketPath.resolve(option: "/tmp/a.sock", environment: ["CREDITD_SOCKET": "/tmp/b.sock"], exists: { _ in true }) == "/tmp/a.sock")
    }

    @Test func environmentWinsOverDefaults() {
        #expect(SocketPath.resolve(option: nil, environment: ["CREDITD_SOCKET": "/tmp/b.sock"], exists: { _ in true }) == "/tmp/b.sock")
    }

    @Test func localDaemonWhenItsSocketExists() {
        #expect(SocketPath.resolve(option: nil, environment: [:], exists: { $0 == SocketPath.localPath }) == "./.creditd/creditd.sock")
    }

    @Test func systemDaemonOtherwise() {
        #expect(SocketPath.resolve(option: nil, environment: ["CREDITD_SOCKET": ""], exists: { _ in false }) == "/run/creditd/creditd.sock")
    }

    @Test func connectErrorsSayWhatToDo() {
        #expect(UnixSocket.connectError(errno: ENOENT, path: "/run/creditd/creditd.sock").message
            == "creditd is not running at /run/creditd/creditd.sock (start it with: sudo systemctl start creditd.socket)")
        #expect(UnixSocket.connectError(errno: ECONNREFUSED, path: "/x.sock").status == .cannotConnect)
        let denied = UnixSocket.connectError(errno: EACCES, path: "/run/creditd/creditd.sock")
        #expect(denied.message.hasPrefix("permission denied on /run/creditd/creditd.sock: add your user to the creditd group"))
        #expect(denied.status.rawValue == 3)
    }
}

@Suite("JSON-RPC replies")
struct ReplyTests {
    @Test func resultBytesAreKeptExactly() throws {
        let line = Array(#"{"jsonrpc":"2.0","id":7,"result":{"b":1, "a" : [1,{"x":"}\"]"}],"c":null}}"#.utf8)
        let message = try RPCClient.parse(line)
        #expect(message.id == 7)
        #expect(String(decoding: message.payload!, as: UTF8.self) == #"{"b":1, "a" : [1,{"x":"}\"]"}],"c":null}"#)
    }

    @Test func errorsCarryReasonAndDetails() throws {
        let line = Array(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32003,"message":"not enough credits","data":{"reason":"insufficient_credits","available":1,"required":2}}}"#.utf8)
        let error = try #require(try RPCClient.parse(line).error)
        #expect(error == .daemon(reason: "insufficient_credits", message: "not enough credits",
                                 details: ["available": "1", "required": "2"]))
        #expect(error.message == "insufficient_credits: not enough credits (available=1, required=2)")
        #expect(error.status.rawValue == 1)
    }

    @Test func batchRepliesAndNotifications() throws {
        let batch = try RPCClient.parseBatch(Array(#"[{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":1,"result":[]}]"#.utf8))
        #expect(batch.map(\.id) == [2, 1])
        let note = try RPCClient.parse(Array(#"{"jsonrpc":"2.0","method":"events.event","params":{"id":1}}"#.utf8))
        #expect(note.method == "events.event" && note.id == nil)
        #expect(throws: CtlError.self) { try RPCClient.parse(Array("not json".utf8)) }
    }

    @Test func everyMethodHasACommand() throws {
        // Each protocol method must be reachable: its case name appears in a command's source.
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/creditctl/Commands").standardized
        let sources = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }.joined()
        for method in CreditProtocol.Method.allCases {
            #expect(sources.contains(".\(method)"), "no command calls \(method.rawValue)")
        }
    }
}
