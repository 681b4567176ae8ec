import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit

/// The request parser's fast path (`RequestScanner`) against the general path: whenever the
/// scanner answers, its request must be the one the general path builds, and typed params must
/// decode from its raw params exactly as from the general path's re-encoded ones.
@Suite struct RequestScannerTests {
    /// Lines the scanner must take (the common shapes) and lines it must leave to the general path.
    static let taken = [
        #"{"jsonrpc":"2.0","id":1,"method":"booking.create","params":{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}}"#,
        #"{"jsonrpc":"2.0","id":"x","method":"booking.cancel","params":{"id":"b1"}}"#,
        #"{"jsonrpc":"2.0","id":null,"method":"daemon.status"}"#,
        #"{"jsonrpc":"2.0","method":"daemon.status"}"#,
        #" { "method" : "a.b" , "params" : { } , "jsonrpc" : "2.0" , "id" : -42 } "#,
        "{\"jsonrpc\":\"2.0\",\t\"id\":0,\"method\":\"x\",\"params\":{\"k\":[1,2,true,null,[],[\"s\"]]}}",
        #"{"jsonrpc":"2.0","id":"é ü 🎉","method":"m","params":{"note":"line\nbreak \"quoted\" back\\slash \/ tab\t"}}"#,
        #"{"jsonrpc":"2.0","id":999999999999999999,"method":"m","params":{"n":-999999999999999999}}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"m","extra":[1,"two",false],"params":{"a":"\u007f"}}"#.replacingOccurrences(of: #"\u007f"#, with: "\u{7f}"),
        #"{"jsonrpc":"2.0","id":"","method":"","params":{"":""}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"clients":["a","b"],"session_type":"any","credits":3,"dry":true}}"#,
    ]

    static let general = [
        #"[{"jsonrpc":"2.0","id":1,"method":"a"}]"#,
        #"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1e2,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":-0,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1234567890123456789,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":true,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":{},"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":[1],"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":"\u0041","method":"m"}"#,
        #"{"jsonrpc":"2.0","id":"a\"b","method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":{"b":1}}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1,"a":2}}"#,
        #"{"jsonrpc":"2.0","id":1,"id":2,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","x":1,"x":2}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":null}"#,
        #"{"jsonrpc":"2.0","id":1,"method":7}"#,
        #"{"jsonrpc":"2.0","id":1}"#,
        #"{"jsonrpc":"1.0","id":1,"method":"m"}"#,
        #"{"jsonrpc":2.0,"id":1,"method":"m"}"#,
        #"{"id":1,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":01,"method":"m"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m",}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m"} x"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m"}{"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":tru}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":"\x"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1e400}}"#,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":\"tab\traw\"}}",
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"\u0061":1}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1"#,
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"deep":"# + String(repeating: "[", count: 40)
            + String(repeating: "]", count: 40) + "}}",
        "7", "\"s\"", "null", "hello", "{", "}", "",
    ]

    @Test func takesCommonLinesAndLeavesTheRest() {
        for line in Self.taken {
            #expect(RequestScanner.scan(Array(line.utf8)[...]) != nil, "\(line)")
            check(line)
        }
        for line in Self.general {
            #expect(RequestScanner.scan(Array(line.utf8)[...]) == nil, "\(line)")
        }
    }

    /// Mutations of valid lines (bytes dropped, replaced, inserted, cut): whatever the scanner
    /// takes must match the general path.
    @Test func mutationsAgreeWithTheGeneralPath() {
        var generator = SplitMix(seed: 0x5EED)
        let alphabet = Array(#"{}[]":, -+.0123456789eEtrufalsn\/"#.utf8) + [0x09, 0x0A, 0x41, 0xC3, 0xA9, 0x01]
        var taken = 0
        for round in 0..<20_000 {
            var bytes = Array(Self.taken[round % Self.taken.count].utf8)
            for _ in 0...(generator.next() % 3) {
                guard !bytes.isEmpty else { break }
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 2: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                default: bytes = Array(bytes[..<at])
                }
            }
            // The scanner only ever sees valid UTF-8 (the parser checks first).
            guard String(validating: bytes, as: UTF8.self) != nil else { continue }
            if RequestScanner.scan(bytes[...]) != nil {
                taken += 1
                check(bytes)
            }
        }
        #expect(taken > 1000)
    }

    /// Typed params decode the same from the raw text with scanned keys as from the general path.
    @Test func typedParamsDecodeTheSame() {
        let params = [
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","credit_cost":2,"dry_run":true,"staff":"a\nb"}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"not a time"}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","bogus":1,"other":[]}"#,
            #"{"id":"b1","client":"c1"}"#,
            #"{"id":1,"client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
            #"{"id":"b1","client":null,"session_type":"yoga","starts_at":"2099-01-01T10:00:00Z"}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","credit_cost":"2"}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","credit_cost":999999999999999999}"#,
            #"{"id":"b1","client":"c1","session_type":"yoga","starts_at":"2099-01-01T10:00:00Z","dry_run":1}"#,
            #"{}"#,
        ]
        for text in params {
            let line = #"{"jsonrpc":"2.0","id":1,"method":"booking.create","params":"# + text + "}"
            guard let fast = RequestScanner.scan(Array(line.utf8)[...]),
                  case .single(.request(let slow)) = RPCParser.parseGeneral(Array(line.utf8)[...]) else {
                Issue.record("not taken: \(line)")
                continue
            }
            #expect(slow.paramKeys == nil)
            #expect(describe(BookingCreateParams.self, fast) == describe(BookingCreateParams.self, slow), "\(text)")
            #expect(describe(BookingCancelParams.self, fast) == describe(BookingCancelParams.self, slow), "\(text)")
        }
    }

    private func describe<P: WireParams & Encodable>(_ type: P.Type, _ request: RPCRequest) -> String {
        do {
            let value = try WireCoding.decode(type, request.params, keys: request.paramKeys)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
        } catch {
            return "error \(error.reason) \(error.message)"
        }
    }

    private func check(_ line: String) { check(Array(line.utf8)) }

    private func check(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let fast = RequestScanner.scan(bytes[...]) else { return }
        guard case .single(.request(let slow)) = RPCParser.parseGeneral(bytes[...]) else {
            Issue.record("the general path does not accept \(text) as one request")
            return
        }
        #expect(fast.id == slow.id, "\(text)")
        #expect(fast.methodName == slow.methodName, "\(text)")
        let fastParams = try? JSONValue.decode(fast.params)
        let slowParams = try? JSONValue.decode(slow.params)
        #expect(fastParams != nil && fastParams == slowParams, "\(text)")
        guard case .object(let members)? = slowParams else {
            Issue.record("params are not an object: \(text)")
            return
        }
        #expect(fast.paramKeys?.sorted() == members.keys.sorted(), "\(text)")
    }
}

/// A small deterministic generator for the mutation test.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
