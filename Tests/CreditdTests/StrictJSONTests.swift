import Foundation
import Testing
@testable import CreditdKit

/// Strict RFC 8259 at the request parser: what the RFC refuses is -32700 (Foundation's decoders
/// took trailing commas), and valid JSON a ledger must not guess about is refused as a request.
/// JSONDifferentialTests checks the same against Python's json module on generated texts.
@Suite struct StrictJSONTests {
    @Test func rfc8259RejectionsAreParseErrors() {
        // Given texts RFC 8259 refuses, which Foundation's decoders (partly) accept
        let refused = [#"["",]"#, "[1,]", #"{"id":0,}"#, #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1,}}"#,
                       "[01]", #"["\ud800"]"#, #"["\udc00\ud800"]"#, "[\"a\u{1}b\"]", "[1] x", "[NaN]", "[Infinity]",
                       "[-Infinity]", "[+1]", "[1.]", "[.5]", "[0x10]", "['a']", "{a:1}", "[1,,2]", #"["\x"]"#]
        for text in refused {
            // Then the whole line is -32700
            guard case .failure(let error) = RPCParser.parse(Array(text.utf8)) else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(error.code == -32700, "\(text): \(error)")
        }
        // And invalid UTF-8 too
        guard case .failure(let error) = RPCParser.parse([0x5B, 0x22, 0xFF, 0x22, 0x5D]) else { Issue.record("invalid UTF-8"); return }
        #expect(error.code == -32700)
    }

    @Test func duplicateNamesAndHugeNumbersAreRefusedAsRequests() {
        // Given valid JSON a ledger must not guess about: the same name twice, a number beyond a double
        for text in [#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"credits":1,"credits":100000}}"#,
                     #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1,"\u0061":2}}"#,
                     #"{"jsonrpc":"2.0","id":1,"id":2,"method":"m"}"#] {
            guard case .failure(let error) = RPCParser.parse(Array(text.utf8)) else { Issue.record("accepted: \(text)"); continue }
            // Then it is -32600 invalid_request naming the member
            #expect(error.code == -32600 && error.reason == .invalidRequest && error.message.contains("duplicate"), "\(error)")
        }
        guard case .failure(let error) = RPCParser.parse(Array(#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"n":1e400}}"#.utf8)) else {
            Issue.record("1e400 accepted")
            return
        }
        #expect(error.code == -32600 && error.reason == .limitExceeded, "\(error)")
    }

}
