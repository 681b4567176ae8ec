import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit

/// The params of the most frequent writes, read by `ParamsScanner` on the event loop, must decode
/// to what `JSONDecoder` decodes, or step aside so that it reports the error (same reason, same
/// message).
@Suite struct WriteParamsTests {
    static let spaces = ["", " ", "\n\t "]
    /// Values of every kind, valid and not, for any key.
    static let values = [#""b1""#, #""c\"1""#, #""é🎉""#, #""a/b""#, #""c\/1""#, #""\u0041""#, "\"a\u{1}\"", #""""#,
                         #""2026-01-05T09:00:00Z""#, #""2026-13-05T09:00:00Z""#, #""2026-01-05T09:00:00.123+02:00""#,
                         #""2026-01-05 09:00:00z""#, #""2026-01-05""#, "null", "true", "false", "0", "1", "-3",
                         "007", "-0", "1e2", "2.0", "999999999999999999", "9999999999999999999", "[]", #"["x"]"#,
                         "{}", #"{"a":1}"#, #""auto""#, #""early""#, #""late""#, #""Late""#]

    @Test func bookingCreateScansAsJSONDecoder() {
        let keys = ["id", "client", "session_type", "starts_at", "ends_at", "credit_cost", "dry_run",
                    "idempotency_key", "staff", "note", "bogus", "ID"]
        var random = TestRandom(seed: 17)
        var scanned = 0
        for round in 0..<8000 {
            // Mostly a valid booking, as real requests are, then extra members of any kind.
            var members: [String] = []
            let required = [(#""id""#, [#""b1""#, #""b-000042""#, #""é""#]), (#""client""#, [#""c1""#, #""c 2""#]),
                            (#""session_type""#, [#""yoga""#, #""any""#]),
                            (#""starts_at""#, [#""2099-01-01T10:00:00Z""#, #""2026-03-29T01:30:00.5+01:00""#])]
            for (key, choices) in required where random.below(8) != 0 {
                members.append(key + ":" + random.pick(Self.spaces) + random.pick(choices))
            }
            let optional = [(#""ends_at""#, [#""2099-01-01T11:00:00Z""#, "null"]), (#""credit_cost""#, ["2", "0", "-1", "null"]),
                            (#""dry_run""#, ["true", "false", "null"]), (#""idempotency_key""#, [#""k1""#, "null"]),
                            (#""staff""#, [#""ana""#, "null"])]
            for (key, choices) in optional where random.below(3) == 0 {
                members.append(key + ":" + random.pick(choices))
            }
            for _ in 0..<random.below(3) {
                members.append("\"\(random.pick(keys))\"\(random.pick(Self.spaces)):\(random.pick(Self.values))")
            }
            let text = round == 0 ? "{}" : Self.object(members.shuffled(using: &random))
            if ParamsScanner.scan(Data(text.utf8)).flatMap(BookingCreateParams.init(scanning:)) != nil { scanned += 1 }
            #expect(describeParams(BookingCreateParams.self, Data(text.utf8), method: .bookingCreate, fast: true)
                    == describeParams(BookingCreateParams.self, Data(text.utf8), method: .bookingCreate, fast: false), "\(text)")
        }
        #expect(scanned > 1000)
    }

    @Test func bookingCancelScansAsJSONDecoder() {
        let keys = ["id", "mode", "note", "idempotency_key", "staff", "starts_at", "bogus"]
        var random = TestRandom(seed: 19)
        var scanned = 0
        for round in 0..<6000 {
            var members: [String] = []
            if random.below(6) != 0 { members.append(#""id":"# + random.pick([#""b1""#, #""b-000042""#, #""é""#])) }
            if random.below(3) == 0 { members.append(#""mode":"# + random.pick([#""auto""#, #""early""#, #""late""#, "null"])) }
            if random.below(3) == 0 { members.append(#""note":"# + random.pick([#""sick""#, #""""#, "null"])) }
            for _ in 0..<random.below(3) {
                members.append("\"\(random.pick(keys))\"\(random.pick(Self.spaces)):\(random.pick(Self.values))")
            }
            let text = round == 0 ? "{}" : Self.object(members.shuffled(using: &random))
            if ParamsScanner.scan(Data(text.utf8)).flatMap(BookingCancelParams.init(scanning:)) != nil { scanned += 1 }
            #expect(describeParams(BookingCancelParams.self, Data(text.utf8), method: .bookingCancel, fast: true)
                    == describeParams(BookingCancelParams.self, Data(text.utf8), method: .bookingCancel, fast: false), "\(text)")
        }
        #expect(scanned > 1000)
    }

    @Test func edgeCasesGiveTheDecodersErrors() {
        // Given params the general path refuses or reads specially
        let creates = [#"{"id":"b1","client":"c1","session_type":"yoga"}"#,
                       #"{"id":null,"client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T25:00:00Z"}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":null}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","credit_cost":1.5}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","dry_run":1}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","note":"x"}"#,
                       #"{"id":"b1","id":"b2","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
                       #"{"id":"b\n1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
                       #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","ends_at":5}"#,
                       #"[{"id":"b1"}]"#, "", "{", #"{"id":"b1",}"#]
        let cancels = [#"{"id":"b1","mode":"sometimes"}"#, #"{"id":"b1","mode":1}"#, #"{"mode":"late"}"#,
                       #"{"id":"b1","note":7}"#, #"{"id":"b1","staff":false}"#, #"{"id":"b1","idempotency_key":[]}"#,
                       #"{"id":"b1","dry_run":true}"#, #"{"id":"\u00e9"}"#]
        // When each is decoded both ways, then the outcomes are the same
        for text in creates {
            #expect(describeParams(BookingCreateParams.self, Data(text.utf8), method: .bookingCreate, fast: true)
                    == describeParams(BookingCreateParams.self, Data(text.utf8), method: .bookingCreate, fast: false), "\(text)")
        }
        for text in cancels {
            #expect(describeParams(BookingCancelParams.self, Data(text.utf8), method: .bookingCancel, fast: true)
                    == describeParams(BookingCancelParams.self, Data(text.utf8), method: .bookingCancel, fast: false), "\(text)")
        }
    }

    @Test func benchmarkWritesTakeTheShortcut() throws {
        // Given the params creditbench sends for book-cancel
        let create = #"{"id":"b00000042","client":"c00000007","session_type":"bench","starts_at":"2099-01-01T10:00:00Z"}"#
        let cancel = #"{"id":"b00000042"}"#
        // When scanned, then they decode without JSONDecoder to the same values
        let booking = try #require(ParamsScanner.scan(Data(create.utf8)).flatMap(BookingCreateParams.init(scanning:)))
        #expect(booking.id == "b00000042" && booking.client == "c00000007" && booking.sessionType == "bench")
        #expect(booking.startsAt == Timestamp("2099-01-01T10:00:00Z") && booking.endsAt == nil && booking.dryRun == nil)
        let cancelled = try #require(ParamsScanner.scan(Data(cancel.utf8)).flatMap(BookingCancelParams.init(scanning:)))
        #expect(cancelled.id == "b00000042" && cancelled.mode == nil && cancelled.idempotencyKey == nil)
    }

    private static func object(_ members: [String]) -> String {
        let space = spaces[members.count % spaces.count]
        return "{" + space + members.joined(separator: "," + space) + space + "}"
    }
}

extension TestRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 {
        UInt64(below(1 << 30)) << 34 ^ UInt64(below(1 << 30)) << 4 ^ UInt64(below(16))
    }
}
