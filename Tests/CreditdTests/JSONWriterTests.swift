import Foundation
import Testing
@testable import CreditdKit

/// `JSONValue.encoded()` (JSONWriter) against the JSONEncoder it replaced: the same bytes for
/// every value, so replies, echoed ids and re-encoded params are unchanged.
@Suite struct JSONWriterTests {
    private static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private func expectSameAsEncoder(_ value: JSONValue) throws {
        let written = value.encoded()
        let expected = try Self.reference.encode(value)
        #expect(written == expected, "\(String(decoding: written, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
    }

    @Test func everyASCIICharacterAndSomeUnicodeAreEscapedAsTheEncoderDoes() throws {
        // Given a string of every ASCII character, and non-ASCII ones JSON writers treat specially
        var text = ""
        for byte in 0..<0x80 { text.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        text += "é漢😀\u{2028}\u{2029}\u{FEFF}\u{85}e\u{301}"
        // When it is written alone, as a key, and in an array, then the bytes match JSONEncoder's
        try expectSameAsEncoder(.string(text))
        try expectSameAsEncoder(.object([text: .string(text)]))
        try expectSameAsEncoder(.array([.string(text), .string("")]))
    }

    @Test func keysAreSortedAsTheEncoderSortsThem() throws {
        // Given keys that sort differently by bytes, case, digits and Unicode (z + combining acute sorts
        // by its bytes, before ß, though String's `<` puts it after é)
        let keys = ["a", "B", "_", "10", "9", "aa", "a-b", "é", "Z", "ab", "a b", "", "\u{E9}x", "ß", "ss", "😀", "z\u{301}"]
        var members: [String: JSONValue] = [:]
        for (index, key) in keys.enumerated() { members[key] = .int(Int64(index)) }
        // Then the object, and one nested in it, are written in the encoder's order
        try expectSameAsEncoder(.object(members))
        try expectSameAsEncoder(.object(["outer": .object(members), "code": .int(-32600)]))
    }

    @Test func numbersLiteralsAndEmptyContainersMatch() throws {
        try expectSameAsEncoder(.array([.int(.min), .int(.max), .int(0), .int(-1), .null, .bool(true), .bool(false)]))
        try expectSameAsEncoder(.array([.double(1), .double(0.1), .double(1e21), .double(1e-7), .double(-0.0),
                                        .double(2.5e-300), .double(123456789012345683968)]))
        try expectSameAsEncoder(.object(["empty": .object([:]), "list": .array([]), "nested": .array([.array([])])]))
        try expectSameAsEncoder(.string("plain"))
        try expectSameAsEncoder(.int(42))
    }

    @Test func aNonFiniteNumberMakesTheWholeValueNull() {
        // The encoder throws on it; encoded() has always answered null then
        #expect(JSONValue.array([.int(1), .double(.infinity)]).encoded() == Data("null".utf8))
        #expect(JSONValue.object(["x": .double(.nan)]).encoded() == Data("null".utf8))
    }

    @Test func randomValuesMatch() throws {
        // Given many random values (deterministic generator) of every kind, nested
        var generator = SplitMix(seed: 6)
        let alphabet = Array("ab\"\\/\u{0}\u{1f}\n\t é😀\u{7f}zZ09_-\u{301}ß".unicodeScalars)
        func randomString() -> String {
            var text = ""
            for _ in 0..<generator.next(upTo: 8) { text.unicodeScalars.append(alphabet[generator.next(upTo: alphabet.count)]) }
            return text
        }
        func randomValue(depth: Int) -> JSONValue {
            switch generator.next(upTo: depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(generator.next(upTo: 2) == 0)
            case 2: return .int(Int64(bitPattern: generator.nextRaw()) >> generator.next(upTo: 63))
            case 3: return .double(Double(Int64(bitPattern: generator.nextRaw()) >> 20) / 1024)
            case 4: return .string(randomString())
            case 5: return .array((0..<generator.next(upTo: 4)).map { _ in randomValue(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<generator.next(upTo: 4) { members[randomString()] = randomValue(depth: depth + 1) }
                return .object(members)
            }
        }
        // Then each is written as JSONEncoder writes it
        for _ in 0..<2000 { try expectSameAsEncoder(randomValue(depth: 0)) }
    }
}

/// A small deterministic generator (SplitMix64), so a failure reproduces.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func nextRaw() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upTo bound: Int) -> Int { Int(nextRaw() % UInt64(bound)) }
}
