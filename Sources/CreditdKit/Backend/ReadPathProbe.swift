import CreditProtocol
import Foundation
import Store

/// The in-process part of a read request as the daemon runs it — parse the line, look up the
/// method, `ReadMethods.run`, build the reply line — without the socket, the access config or
/// any threading, for benchmarks (`readbench`) that measure the CPU of a read alone.
public struct ReadPathProbe: Sendable {
    let ledger: Ledger
    let caller = Caller(uid: 0, gid: 0, pid: 0, userName: "readbench", role: "owner",
                        permissions: Set(Permission.allCases))

    public init(ledger: Ledger) { self.ledger = ledger }

    /// The reply line (no newline) to one single-call request line of a ledger read (a method
    /// `ReadMethods` serves), or nil when the line is not a call with an id or its method writes.
    public func reply(to line: [UInt8], nowMs: Int64) -> Data? {
        guard case .single(.request(let request)) = RPCParser.parse(line), let id = request.id,
              let method = Method(rawValue: request.methodName), !method.isMutating else { return nil }
        let call = Call(method: method, params: request.params, caller: caller, paramKeys: request.paramKeys)
        do {
            return RPCReply.result(id: id, try ReadMethods.run(call, ledger: ledger, nowMs: nowMs))
        } catch {
            return RPCReply.error(id: id, RPCError(error))
        }
    }
}
