import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit
@testable import CreditProtocol

/// The read path's shortcuts must answer exactly as the general code: results written by hand
/// (`ReadResultJSON`) hold what `JSONEncoder` writes, params read by `ParamsScanner` decode to
/// what `JSONDecoder` decodes (or step aside so that it reports the error), and ids are echoed as
/// the encoder writes them.
@Suite struct ReadPathTests {
    static let texts = ["c1", "client:7", "yoga.x-1_2", "a/b", "q\"b\\s", "é🎉", "ctl\u{1}\n", "", "any", "camelCase"]
    static let times = [Timestamp(ms: 0), Timestamp(ms: 1_767_603_600_000), Timestamp(ms: 4_102_444_800_123),
                        Timestamp(ms: -86_400_001), Timestamp(ms: 253_402_300_800_000)]

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }

    @Test func balanceMatchesJSONEncoder() throws {
        var random = TestRandom(seed: 3)
        let encoder = Self.encoder
        for _ in 0..<3000 {
            let scopes = (0..<random.below(5)).map { _ in
                ScopeBalance(sessionType: random.pick(Self.texts), archived: random.below(2) == 0,
                             credits: random.int64(), nextExpiry: random.below(2) == 0 ? nil
                                : NextExpiry(at: random.pick(Self.times), credits: random.int64()))
            }
            let balance = Balance(client: random.pick(Self.texts), total: random.int64(), debt: random.int64(),
                                  bySessionType: scopes)
            let written = WireCoding.encode(balance: balance)
            #expect(try JSONValue.decode(written) == JSONValue.decode(encoder.encode(balance)),
                    "\(String(decoding: written, as: UTF8.self))")
            #expect(try WireCoding.encode(balance) == written)
        }
    }

    @Test func historyPageMatchesJSONEncoder() throws {
        var random = TestRandom(seed: 5)
        let encoder = Self.encoder
        let ruleKeys = ["mode", "window_s", "camelCase", "A", "é", "e\u{301}", "a/b", "q\"", ""]
        for _ in 0..<2000 {
            let items = (0..<random.below(4)).map { _ in
                var rule: [String: String]?
                if random.below(2) == 0 {
                    rule = [:]
                    for _ in 0..<random.below(4) { rule?[random.pick(ruleKeys)] = random.pick(Self.texts) }
                }
                return HistoryItem(
                    id: random.int64(), at: random.pick(Self.times), recordedAt: random.pick(Self.times),
                    event: random.pick(EventKind.allCases), client: random.pick(Self.texts),
                    sessionType: random.pick(Self.texts), lot: random.below(2) == 0 ? nil : random.int64(),
                    booking: random.optional(Self.texts), amount: random.int64(), credits: random.int64(),
                    actor: random.pick(Self.texts), staff: random.optional(Self.texts), note: random.optional(Self.texts),
                    rule: rule)
            }
            let page = Page(items: items, nextCursor: random.optional(["1767603600000/42", "a/b", "x\"y"]))
            let written = WireCoding.encode(history: page)
            #expect(try JSONValue.decode(written) == JSONValue.decode(encoder.encode(page)),
                    "\(String(decoding: written, as: UTF8.self))")
            #expect(try WireCoding.encode(page) == written)
        }
    }

    @Test func scannedParamsDecodeAsJSONDecoder() {
        let keys = ["client", "as_of", "session_type", "events", "from", "to", "limit", "cursor", "bogus", "Client"]
        let values = [#""c1""#, #""c\"1""#, #""é""#, #""2026-01-05T09:00:00Z""#, #""2026-13-05T09:00:00Z""#,
                      #""2026-01-05T09:00:00.123+02:00""#, "null", "true", "false", "20", "-3", "0", "007", "-0",
                      "1e2", "20.0", "999999999999999999", "9999999999999999999", "[]", #"["used"]"#, "{}",
                      #"{"a":1}"#, #""""#, #""\u0041""#, #""c\/1""#, "\"a\u{1}\""]
        let spaces = ["", " ", "\n\t "]
        var random = TestRandom(seed: 9)
        var scanned = 0
        for round in 0..<6000 {
            var members: [String] = []
            // Mostly a client first, as real requests have.
            if random.below(4) != 0 { members.append(#""client":"# + random.pick([#""c1""#, #""c2""#, #""é""#])) }
            for _ in 0..<random.below(4) {
                members.append("\"\(random.pick(keys))\"\(random.pick(spaces)):\(random.pick(spaces))\(random.pick(values))")
            }
            let space = random.pick(spaces)
            let text = round == 0 ? "{}" : "{" + space + members.joined(separator: "," + space) + space + "}"
            let data = Data(text.utf8)
            if ParamsScanner.scan(data) != nil { scanned += 1 }
            #expect(describeParams(BalanceParams.self, data, method: .balanceGet, fast: true) == describeParams(BalanceParams.self, data, method: .balanceGet, fast: false), "\(text)")
            #expect(describeParams(HistoryParams.self, data, method: .historyList, fast: true) == describeParams(HistoryParams.self, data, method: .historyList, fast: false), "\(text)")
        }
        #expect(scanned > 1000)
        // The requests creditbench sends take the shortcut.
        #expect(ParamsScanner.scan(Data(#"{"client":"c00000042"}"#.utf8)).flatMap(BalanceParams.init(scanning:)) != nil)
        #expect(ParamsScanner.scan(Data(#"{"client":"c00000042","limit":20}"#.utf8)).flatMap(HistoryParams.init(scanning:)) != nil)
    }

    @Test func numbersAndInstantsAreWrittenAsTheirText() {
        var random = TestRandom(seed: 13)
        for _ in 0..<20_000 {
            let value = random.int64() &* Int64(random.below(1_000_000) + 1)
            var json = JSONText(escapesSlashes: false)
            json.int(value)
            #expect(json.bytes == Array(String(value).utf8), "\(value)")
            let instant = Timestamp(ms: value / 1000)
            var text = JSONText(escapesSlashes: false)
            text.timestamp(instant)
            #expect(text.bytes == Array("\"\(instant.description)\"".utf8), "\(instant.ms)")
        }
    }

    @Test func readLinesTakeTheScannerAndAnswerOnce() throws {
        // The lines creditbench sends are scanned, not decoded into a JSONValue tree.
        let lines = [#"{"jsonrpc":"2.0","id":7,"method":"balance.get","params":{"client":"c00000042"}}"#,
                     #"{"jsonrpc":"2.0","id":8,"method":"history.list","params":{"client":"c00000042","limit":20}}"#]
        for line in lines {
            let request = try #require(RequestScanner.scan(Array(line.utf8)[...]))
            #expect(request.paramKeys != nil)
            guard case .single(.request) = RPCParser.parse(Array(line.utf8)) else {
                Issue.record("not one request: \(line)")
                continue
            }
        }
    }

    @Test func scalarIdsAreWrittenAsTheEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let ids: [JSONValue] = [.null, .int(0), .int(-1), .int(42), .int(.max), .int(.min), .string(""), .string("a/b"),
                                .string("q\"b\\s"), .string("ctl\u{1}\n\u{7f}"), .string("é🎉\u{2028}"), .bool(true), .double(1.5)]
        for id in ids {
            #expect(id.encoded() == (try encoder.encode(id)), "\(id)")
            let reply = RPCReply.result(id: id, Data(#"{"a":1}"#.utf8))
            let expected = Data(#"{"jsonrpc":"2.0","id":"#.utf8) + (try encoder.encode(id)) + Data(#","result":{"a":1}}"#.utf8)
            #expect(reply == expected, "\(String(decoding: reply, as: UTF8.self))")
        }
        #expect(RPCParser.isASCII(Array(#"{"id":1}"#.utf8)[...]))
        #expect(!RPCParser.isASCII(Array("{\"é\":1}".utf8)[...]))
    }
}

/// A small deterministic generator (an LCG).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func below(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    mutating func optional<T>(_ values: [T]) -> T? { below(3) == 0 ? nil : pick(values) }

    /// Small, large and extreme integers.
    mutating func int64() -> Int64 {
        switch below(4) {
        case 0: return Int64(below(201)) - 100
        case 1: return Int64(below(2_000_000_001)) - 1_000_000_000
        case 2: return pick([Int64.max, Int64.min, 0, -1])
        default: return Int64(below(10))
        }
    }
}
