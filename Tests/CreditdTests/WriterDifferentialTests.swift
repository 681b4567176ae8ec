import CreditProtocol
import Foundation
import PropertyBased
import Testing
@testable import CreditdKit

/// The hand-written JSON writers (JSONText, JSONWriter, WireCoding.encode(booking:),
/// ReadResultJSON's balance and history, RPCError.encoded) against JSONEncoder on GENERATED
/// values: strings built from every escape class (each C0 control, quote, backslash, slash, DEL,
/// C1, line and paragraph separators, BOM, combining marks, astral scalars) and integers at the
/// Int64 bounds. The fixed-list tests (JSONWriterTests, ResultEncodingTests, ReadPathTests) stay;
/// these add generated text. Every writer's output must also be strict RFC 8259 (StrictJSON).
@Suite struct WriterDifferentialTests {
    static let seeds = Gen.uint64().array(of: 2)

    private static let snakeEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    @Test func jsonTextWritesStringsAsTheEncoderDoes() async {
        await propertyCheck(count: 2000, input: Self.seeds) { seeds in
            var g = SplitMix64(seed: seeds[0])
            let text = WriterValues.string(&g)
            for escapesSlashes in [false, true] {
                var json = JSONText(escapesSlashes: escapesSlashes)
                json.string(text)
                let encoder = JSONEncoder()
                if !escapesSlashes { encoder.outputFormatting = .withoutEscapingSlashes }
                let expected = (try? encoder.encode(text)) ?? Data()
                #expect(json.data == expected, "\(text.debugDescription)")
                #expect(StrictJSON.check(json.bytes[...]) == nil, "\(text.debugDescription)")
            }
        }
    }

    @Test func jsonWriterWritesValuesAsTheEncoderDoes() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        await propertyCheck(count: 1500, input: Self.seeds) { seeds in
            var g = SplitMix64(seed: seeds[0] ^ seeds[1])
            let value = WriterValues.value(&g, depth: 0)
            let written = value.encoded()
            #expect(written == (try? encoder.encode(value)), "\(String(decoding: written, as: UTF8.self))")
            #expect(StrictJSON.check(Array(written)[...]) == nil)
        }
    }

    @Test func resultWritersHoldWhatTheEncoderWrites() async {
        await propertyCheck(count: 1000, input: Self.seeds) { seeds in
            var g = SplitMix64(seed: seeds[0])
            let booking = WriterValues.booking(&g)
            let balance = WriterValues.balance(&g)
            let page = Page(items: (0..<g.next(upTo: 3)).map { _ in WriterValues.historyItem(&g) },
                            nextCursor: g.next(upTo: 2) == 0 ? nil : WriterValues.string(&g))
            let pairs: [(Data, Data?)] = [
                (WireCoding.encode(booking: booking), try? Self.snakeEncoder.encode(booking)),
                (WireCoding.encode(balance: balance), try? Self.snakeEncoder.encode(balance)),
                (WireCoding.encode(history: page), try? Self.snakeEncoder.encode(page)),
            ]
            for (written, expected) in pairs {
                #expect(StrictJSON.check(Array(written)[...]) == nil, "\(String(decoding: written, as: UTF8.self))")
                let mine = try? JSONValue.decode(written)
                #expect(mine != nil && mine == expected.flatMap { try? JSONValue.decode($0) },
                        "\(String(decoding: written, as: UTF8.self))")
            }
            let message = WriterValues.string(&g)
            let error = RPCError(code: -32602, reason: .invalidParams, message, details: ["param": .string(message)])
            let expected: JSONValue = .object(["code": .int(-32602), "message": .string(message),
                                               "data": .object(["reason": .string("invalid_params"), "param": .string(message)])])
            #expect((try? JSONValue.decode(error.encoded())) == expected, "\(message.debugDescription)")
        }
    }
}

/// Generated values for the writers.
enum WriterValues {
    /// Every class of character a JSON writer treats differently.
    static let classes: [[Unicode.Scalar]] = [
        (0x00...0x1F).map { Unicode.Scalar(UInt8($0)) },
        ["\"", "\\", "/"],
        Array("azAZ09 -_.:".unicodeScalars),
        ["\u{7F}"], (0x80...0x9F).map { Unicode.Scalar(UInt8($0)) },
        ["é", "ß", "漢", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{202E}", "\u{301}", "\u{FFFD}", "\u{FFFF}"],
        ["😀", "\u{10FFFF}", "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}"].flatMap { Array($0.unicodeScalars) },
    ]

    static func string(_ g: inout SplitMix64) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<g.next(upTo: 10) {
            let group = classes[g.next(upTo: classes.count)]
            text.append(group[g.next(upTo: group.count)])
        }
        return String(text)
    }

    static func int(_ g: inout SplitMix64) -> Int64 {
        switch g.next(upTo: 5) {
        case 0: return [Int64.min, .max, .min + 1, .max - 1, 0, -1, 1][g.next(upTo: 7)]
        case 1: return Int64(bitPattern: g.raw())
        default: return Int64(g.next(upTo: 2_000_001)) - 1_000_000
        }
    }

    static func instant(_ g: inout SplitMix64) -> Timestamp {
        let span = UInt64(Timestamp.latest.ms - Timestamp.earliest.ms)
        return g.next(upTo: 4) == 0 ? [Timestamp.earliest, Timestamp.latest, Timestamp(ms: 0)][g.next(upTo: 3)]
            : Timestamp(ms: Timestamp.earliest.ms + Int64(g.raw() % span))
    }

    static func value(_ g: inout SplitMix64, depth: Int) -> JSONValue {
        switch g.next(upTo: depth > 2 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(g.next(upTo: 2) == 0)
        case 2: return .int(int(&g))
        case 3: return .double(Double(int(&g)) / Double(1 << g.next(upTo: 20)))
        case 4: return .string(string(&g))
        case 5: return .array((0..<g.next(upTo: 4)).map { _ in value(&g, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<g.next(upTo: 4) { members[string(&g)] = value(&g, depth: depth + 1) }
            return .object(members)
        }
    }

    static func booking(_ g: inout SplitMix64) -> Booking {
        Booking(id: string(&g), client: string(&g), sessionType: string(&g), startsAt: instant(&g), endsAt: instant(&g),
                creditCost: int(&g), status: BookingStatus.allCases[g.next(upTo: BookingStatus.allCases.count)],
                cancelledAt: g.next(upTo: 2) == 0 ? nil : instant(&g), settlesAt: g.next(upTo: 2) == 0 ? nil : instant(&g),
                allocations: (0..<g.next(upTo: 3)).map { _ in Allocation(lot: g.next(upTo: 3) == 0 ? nil : int(&g), credits: int(&g)) },
                creditsLeft: g.next(upTo: 2) == 0 ? nil : int(&g), dryRun: [nil, true, false][g.next(upTo: 3)])
    }

    static func balance(_ g: inout SplitMix64) -> Balance {
        Balance(client: string(&g), total: int(&g), debt: int(&g), bySessionType: (0..<g.next(upTo: 3)).map { _ in
            ScopeBalance(sessionType: string(&g), archived: g.next(upTo: 2) == 0, credits: int(&g),
                         nextExpiry: g.next(upTo: 2) == 0 ? nil : NextExpiry(at: instant(&g), credits: int(&g)))
        })
    }

    static func historyItem(_ g: inout SplitMix64) -> HistoryItem {
        var rule: [String: String]?
        if g.next(upTo: 2) == 0 {
            rule = [:]
            for _ in 0..<g.next(upTo: 3) { rule?[string(&g)] = string(&g) }
        }
        return HistoryItem(id: int(&g), at: instant(&g), recordedAt: instant(&g),
                           event: EventKind.allCases[g.next(upTo: EventKind.allCases.count)], client: string(&g),
                           sessionType: string(&g), lot: g.next(upTo: 2) == 0 ? nil : int(&g),
                           booking: g.next(upTo: 2) == 0 ? nil : string(&g), amount: int(&g), credits: int(&g),
                           actor: string(&g), staff: g.next(upTo: 2) == 0 ? nil : string(&g),
                           note: g.next(upTo: 2) == 0 ? nil : string(&g), rule: rule)
    }
}
