import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit
@testable import CreditProtocol

/// Booking results are written by hand (`WireCoding.encode(booking:)`; balances and history pages
/// are checked in ReadPathTests); the JSON must be what
/// `JSONEncoder` with `.convertToSnakeCase` and `.withoutEscapingSlashes` writes: the same
/// members with the same values (JSONEncoder's member order follows a hash, it is not fixed; the
/// hand-written order is the declaration order).
@Suite struct ResultEncodingTests {
    @Test func bookingMatchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .withoutEscapingSlashes
        let texts = ["b1", "client:7", "yoga.x-1_2", "a/b", "q\"b\\s", "é🎉", "ctl\u{1}\n", ""]
        let times = [Timestamp(ms: 0), Timestamp(ms: 1_767_603_600_000), Timestamp(ms: 4_102_444_800_123), Timestamp(ms: -86_400_001)]
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<3000 {
            let allocations = (0..<next(4)).map { _ in
                Allocation(lot: next(3) == 0 ? nil : Int64(next(1_000_000)), credits: Int64(next(100)) + 1)
            }
            let booking = Booking(
                id: texts[next(texts.count)], client: texts[next(texts.count)], sessionType: texts[next(texts.count)],
                startsAt: times[next(times.count)], endsAt: times[next(times.count)], creditCost: Int64(next(101)) - 1,
                status: BookingStatus.allCases[next(BookingStatus.allCases.count)],
                cancelledAt: next(2) == 0 ? nil : times[next(times.count)],
                settlesAt: next(2) == 0 ? nil : times[next(times.count)], allocations: allocations,
                creditsLeft: next(2) == 0 ? nil : Int64(next(2_000_001)) - 1_000_000,
                dryRun: [nil, true, false][next(3)])
            let expected = try JSONValue.decode(encoder.encode(booking))
            let written = WireCoding.encode(booking: booking)
            #expect(try JSONValue.decode(written) == expected, "\(String(decoding: written, as: UTF8.self))")
            #expect(try WireCoding.encode(booking) == written)
        }
    }

    @Test func idsAndErrorsMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let texts = ["", "a/b", "q\"b\\s", "é🎉", "ctl\u{1}\n\t", "x", String(repeating: "long ", count: 50)]
        let ids: [JSONValue] = [.null, .bool(true), .bool(false), .int(0), .int(-7), .int(.max), .int(.min), .double(1.5)]
            + texts.map(JSONValue.string)
        for id in ids {
            // Then a reply's id is written exactly as JSONEncoder writes it
            #expect(id.encoded() == (try encoder.encode(id)), "\(id)")
        }
        for message in texts {
            for details in [[:], ["limit": DetailValue.int(256)], ["method": .string(message), "param": .string("id")]] {
                let error = RPCError(code: -32602, reason: .invalidParams, message, details: details)
                var data: [String: JSONValue] = ["reason": .string("invalid_params")]
                for (key, value) in details {
                    switch value {
                    case .int(let number): data[key] = .int(number)
                    case .string(let text): data[key] = .string(text)
                    }
                }
                let expected: JSONValue = .object(["code": .int(-32602), "message": .string(message), "data": .object(data)])
                // And an error object carries the same members and values as the JSONEncoder form
                #expect(try JSONValue.decode(error.encoded()) == expected, "\(String(decoding: error.encoded(), as: UTF8.self))")
            }
        }
    }

    @Test func timestampTextMatchesTheGeneralForm() {
        var state: UInt64 = 11
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        let edges: [Int64] = [0, -1, 1, 999, 1000, 86_399_999, 86_400_000, -86_400_000, 253_402_300_799_999,
                              253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 4_102_444_800_123]
        let random = (0..<20_000).map { _ in Int64(bitPattern: next() % 600_000_000_000_000) - 300_000_000_000_000 }
        for ms in edges + random {
            #expect(Timestamp(ms: ms).description == Timestamp(ms: ms).slowDescription, "\(ms)")
        }
    }
}
