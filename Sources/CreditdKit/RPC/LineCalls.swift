import CreditProtocol
import Foundation

/// One call of a request line, ready to run: the connection handler routes these (writes to the
/// single writer, reads on the event loop or the slow-read queue) and the fuzz target runs them
/// in order, so both take a line through the same parser, access checks and params decoding.
enum LineCall {
    /// The reply is known already: an error (including params that do not decode), or nothing
    /// (nil) for a notification.
    case reply(Data?)
    /// A mutating call with its params decoded (`Backend.prepare`): for `Backend.write`.
    case write(id: JSONValue?, PreparedWrite)
    /// A read: for `Backend.read`, once the connection's earlier writes are durable.
    case read(id: JSONValue?, Call)
    /// `events.subscribe`, which needs the connection's outlet.
    case subscribe(id: JSONValue?, Call)
}

extension Dispatcher {
    /// The calls of one request line as `caller` sends it: parsed (`RPCParser`: the request
    /// scanner's fast path with its scanned params keys, else Foundation), access and permission
    /// decided (`steps`), and each write's params decoded by `backend`. Nil for a blank line,
    /// which gets no reply at all. `isBatch`: the line was a JSON array (its replies form one).
    static func calls(ofLine line: [UInt8], caller: Result<Caller, RPCError>, backend: any Backend,
                      metrics: DaemonMetrics) -> (isBatch: Bool, calls: [LineCall])? {
        let parsed = RPCParser.parse(line)
        guard let steps = steps(for: parsed, caller: caller, metrics: metrics) else { return nil }
        var isBatch = false
        if case .batch = parsed { isBatch = true }
        let calls = steps.map { step -> LineCall in
            switch step {
            case .reply(let reply):
                return .reply(reply)
            case .write(let id, let call):
                do throws(WireError) {
                    return .write(id: id, try backend.prepare(call))
                } catch {
                    // Params that do not decode fail alone, without reaching the writer.
                    metrics.count(call.method, failure: error.reason)
                    return .reply(reply(id: id, .failure(error)))
                }
            case .read(let id, let call):
                return .read(id: id, call)
            case .subscribe(let id, let call):
                return .subscribe(id: id, call)
            }
        }
        return (isBatch, calls)
    }
}
