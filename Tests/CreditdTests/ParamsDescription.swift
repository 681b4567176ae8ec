import CreditProtocol
import Foundation
@testable import CreditdKit

/// The decoded params (sorted JSON) or the error, through the scanning shortcut (as `method`'s
/// line would take it) or through `JSONDecoder`: the two must print the same.
func describeParams<P: ScannedParams>(_ type: P.Type, _ data: Data, method: CreditProtocol.Method, fast: Bool) -> String {
    let caller = Caller(uid: 0, gid: 0, pid: 0, userName: "t", role: "owner", permissions: [])
    do {
        let value = fast ? try WireCoding.decode(type, Call(method: method, params: data, caller: caller))
            : try WireCoding.decode(type, data, keys: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    } catch {
        return "error \(error.reason) \(error.message)"
    }
}
