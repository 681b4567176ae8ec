import Foundation
import PropertyBased
import Testing
@testable import CreditdKit

/// The request path's hand-written JSON readers against independent references, on generated
/// texts (every JSON construct, and the defects RFC 8259 refuses) and on mutated request lines:
/// - `StrictJSON.check` and `RPCParser.parse` against Python's strict `json` module (acceptance,
///   duplicate names) — Foundation cannot be the reference for acceptance: it takes trailing commas;
/// - the decoded value (`JSONValue`, the general path) against Foundation's `JSONSerialization`;
/// - `RequestScanner` and `ParamsScanner` (the fast paths): whatever they take must be valid JSON
///   and must read the same values as `JSONSerialization`.
@Suite(.serialized) struct JSONDifferentialTests {
    static let seeds = Gen.uint64().array(of: 4)

    @Test func generatedTextsAgreeWithTheReferences() async throws {
        let python = try PythonJSONReference()
        var verdicts: [String: Int] = [:]
        await propertyCheck(count: 3000, input: Self.seeds) { seeds in
            var generator = SplitMix64(seed: seeds[0] ^ seeds[1] << 1)
            let text = JSONCandidates.text(&generator)
            verdicts[check(Array(text.utf8), python), default: 0] += 1
        }
        // Then the generator reached every verdict, with plenty of valid texts
        #expect(verdicts["ok", default: 0] > 600 && verdicts["no", default: 0] > 600 && verdicts["dup", default: 0] > 10,
                "\(verdicts)")
    }

    @Test func mutatedRequestLinesAgreeWithTheReferences() async throws {
        let python = try PythonJSONReference()
        var verdicts: [String: Int] = [:]
        let lines = RequestScannerTests.taken + [
            #"{"jsonrpc":"2.0","id":1,"method":"credit.issue","params":{"client":"ann","session_type":"any","credits":5,"note":"\u00e9\ud83d\ude00"}}"#,
            #"[{"jsonrpc":"2.0","id":1,"method":"daemon.status"},{"jsonrpc":"2.0","id":2,"method":"balance.get","params":{"client":"a"}}]"#,
        ]
        await propertyCheck(count: 4000, input: Self.seeds) { seeds in
            var generator = SplitMix64(seed: seeds[0])
            var bytes = Array(lines[generator.next(upTo: lines.count)].utf8)
            let alphabet = Array(#"{}[]":, -+.0123456789eEtrufalsnNI\/u"#.utf8) + [0x09, 0x0A, 0x0D, 0x41, 0xC3, 0xA9, 0x01, 0x7F, 0xFF]
            for _ in 0...generator.next(upTo: 3) where !bytes.isEmpty {
                let at = generator.next(upTo: bytes.count)
                switch generator.next(upTo: 5) {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = alphabet[generator.next(upTo: alphabet.count)]
                case 2: bytes.insert(alphabet[generator.next(upTo: alphabet.count)], at: at)
                case 3: bytes[at] ^= UInt8(1 << generator.next(upTo: 8))
                default:
                    // A trailing comma before a closing bracket or brace
                    if let close = bytes[at...].firstIndex(where: { $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "}") }) {
                        bytes.insert(UInt8(ascii: ","), at: close)
                    }
                }
            }
            verdicts[check(bytes, python), default: 0] += 1
        }
        #expect(verdicts["ok", default: 0] > 400 && verdicts["no", default: 0] > 1000, "\(verdicts)")
    }

    /// Runs one candidate through every reader; returns the reference's verdict.
    private func check(_ bytes: [UInt8], _ python: PythonJSONReference) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let verdict = python.verdict(bytes)
        let utf8 = String(validating: bytes, as: UTF8.self) != nil
        let strict = utf8 ? StrictJSON.check(bytes[...]) : .syntax("not UTF-8", at: 0)
        switch verdict {
        case "ok": #expect(strict == nil, "\(text.debugDescription): \(String(describing: strict))")
        case "dup":
            guard case .duplicateKey? = strict else { Issue.record("\(text.debugDescription): \(String(describing: strict))"); break }
        default:
            #expect(strict != nil, "accepted what RFC 8259 refuses: \(text.debugDescription)")
        }
        let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        if verdict == "ok" {
            // The general path's value is Foundation's
            #expect(foundation != nil, "\(text.debugDescription)")
            if let foundation {
                let decoded: JSONValue? = try? JSONValue.decode(bytes)
                #expect(Canonical.of(decoded) == Canonical.of(foundation: foundation), "\(text.debugDescription)")
            }
        }
        // The fast paths take only valid JSON, and read what Foundation reads
        if utf8, let request = RequestScanner.scan(bytes[...]) {
            #expect(verdict == "ok", "the request scanner took \(text.debugDescription)")
            if let object = foundation as? [String: Any] {
                let params: JSONValue? = try? JSONValue.decode(request.params)
                #expect(Canonical.of(params) == Canonical.of(foundation: object["params"] ?? [String: Any]()),
                        "\(text.debugDescription)")
            }
            if let members = ParamsScanner.scan(request.params), let params = (foundation as? [String: Any])?["params"] as? [String: Any] {
                #expect(Canonical.of(members) == Canonical.of(foundation: params), "\(text.debugDescription)")
            }
        }
        if utf8, let members = ParamsScanner.scan(Data(bytes)) {
            #expect(verdict == "ok", "the params scanner took \(text.debugDescription)")
            #expect(Canonical.of(members) == Canonical.of(foundation: foundation ?? NSNull()), "\(text.debugDescription)")
        }
        // The parser refuses what the reference refuses, with the documented codes
        let trimmed = bytes.last == UInt8(ascii: "\r") ? Array(bytes.dropLast()) : bytes
        let blank = trimmed.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        if verdict != "ok", !blank, trimmed == bytes {
            switch RPCParser.parse(bytes) {
            case .failure(let error):
                let allowed = verdict == "dup" ? [-32600] : [-32700, -32600]
                #expect(allowed.contains(error.code), "\(text.debugDescription): \(error)")
                if error.code == -32600, verdict == "no" {
                    #expect(error.reason == .limitExceeded, "\(text.debugDescription): \(error)")
                }
            default:
                Issue.record("the parser accepted \(text.debugDescription) (reference: \(verdict))")
            }
        }
        return verdict
    }
}
