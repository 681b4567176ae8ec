import CreditProtocol
import GRDB
import PropertyBased
import Testing
@testable import Store

/// One step of a generated sequence. Clients, scopes, types and packages are indices into the
/// fixed setup of `Harness`; `pick`s choose among the bookings / purchases / lots that exist when
/// the step runs, so any generated sequence is meaningful.
enum Op: Sendable, Hashable, CustomStringConvertible {
    case issue(client: Int, scope: Int, credits: Int64, expiry: Expiry)
    case remove(client: Int, scope: Int, credits: Int64, lotPick: Int?)
    case book(client: Int, type: Int, cost: Int64?, startsInMinutes: Int64, dryRun: Bool)
    case cancel(pick: Int, onlyBooked: Bool, mode: CancelMode?)
    case waive(pick: Int, onlyPending: Bool)
    case settle(pick: Int, onlyPending: Bool)
    case noShow(pick: Int)
    case advance(minutes: Int64)
    case purchase(client: Int, package: Int)
    case refund(pick: Int)
    case transfer(from: Int, to: Int, scope: Int, credits: Int64)
    case extend(lotPick: Int, expiry: Expiry)

    /// How an issue expires: never, `hours` after now (`expires_at`), or through the UTC date
    /// `days` after today (`expires_on`).
    enum Expiry: Sendable, Hashable { case never, inHours(Int64), throughDay(Int64) }

    var description: String {
        switch self {
        case let .issue(c, s, n, e): return "issue(c\(c), \(Harness.scopes[s]), \(n), \(e))"
        case let .remove(c, s, n, l): return "remove(c\(c), \(Harness.scopes[s]), \(n), lot: \(l.map(String.init) ?? "-"))"
        case let .book(c, t, cost, start, dry):
            return "book(c\(c), \(Harness.types[t].id), cost: \(cost.map(String.init) ?? "-"), +\(start)min\(dry ? ", dry" : ""))"
        case let .cancel(p, only, m): return "cancel(#\(p)\(only ? " booked" : ""), \(m?.rawValue ?? "nil"))"
        case let .waive(p, only): return "waive(#\(p)\(only ? " pending" : ""))"
        case let .settle(p, only): return "settle(#\(p)\(only ? " pending" : ""))"
        case let .noShow(p): return "noShow(#\(p))"
        case let .advance(m): return "advance(\(m)min)"
        case let .purchase(c, p): return "purchase(c\(c), \(Harness.packages[p].id))"
        case let .refund(p): return "refund(#\(p))"
        case let .transfer(f, t, s, n): return "transfer(c\(f) -> c\(t), \(Harness.scopes[s]), \(n))"
        case let .extend(l, e): return "extend(lot #\(l), \(e))"
        }
    }

    /// Decodes five random integers (each 0...999, the first 0...109 weighting the kind) into a step.
    static func make(_ kind: Int, _ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Op {
        let client = a % Harness.clients.count
        switch kind {
        case 0..<18:
            let expiry: Expiry
            switch d % 4 {
            case 1: expiry = .inHours(Int64(1 + (d / 4) % 48))
            case 2: expiry = .throughDay(Int64((d / 4) % 4))
            default: expiry = .never
            }
            return .issue(client: client, scope: b % Harness.scopes.count, credits: Int64(1 + c % 4), expiry: expiry)
        case 18..<26:
            return .remove(client: client, scope: b % Harness.scopes.count, credits: Int64(1 + c % 3),
                           lotPick: d % 3 == 0 ? d / 3 : nil)
        case 26..<46:
            return .book(client: client, type: b % Harness.types.count, cost: c % 5 == 0 || c % 5 == 4 ? nil : Int64(c % 5),
                         startsInMinutes: Int64(15 + (d * 7) % (6 * 1440)), dryRun: c % 13 == 0)
        case 46..<58:
            let modes: [CancelMode?] = [nil, .auto, .early, .early, .late]
            return .cancel(pick: a, onlyBooked: d % 3 != 0, mode: modes[b % modes.count])
        case 58..<63: return .waive(pick: a, onlyPending: b % 3 != 0)
        case 63..<66: return .settle(pick: a, onlyPending: b % 3 != 0)
        case 66..<68: return .noShow(pick: a)
        case 68..<84:
            let steps: [Int64] = [1, 30, 60, 120, 360, 1440, 4320]
            return .advance(minutes: steps[b % steps.count] + Int64(c % 3 == 0 ? c % 60 : 0))
        case 84..<93: return .purchase(client: client, package: b % Harness.packages.count)
        case 93..<100: return .refund(pick: a)
        case 100..<105:
            return .transfer(from: client, to: (client + 1 + c % (Harness.clients.count - 1)) % Harness.clients.count,
                             scope: b % Harness.scopes.count, credits: Int64(1 + d % 4))
        default:
            let expiry: Expiry
            switch d % 4 {
            case 0: expiry = .never
            case 1: expiry = .throughDay(Int64((d / 4) % 5) - 1)
            default: expiry = .inHours(Int64((d / 4) % 72) - 2)
            }
            return .extend(lotPick: b, expiry: expiry)
        }
    }
}

/// Counts of interesting situations seen, so the test can insist the generator reaches them.
struct Coverage {
    var sequences = 0
    var steps = 0
    var insufficient = 0
    var debts = 0
    var repayments = 0
    var returnedIntoDeadLot = 0
    var scheduledVoids = 0
    var expiries = 0
    var refunds = 0
    var otherErrors = 0
    var transfers = 0
    var extensions = 0

    mutating func count(_ events: [ReferenceModel.Event]) {
        for (index, event) in events.enumerated() {
            switch event.kind {
            case .used where event.lot == nil: debts += 1
            case .used where event.amount == 0: repayments += 1
            case .expired: expiries += 1
            case .refunded: refunds += 1
            case .transferredOut: transfers += 1
            case .extended: extensions += 1
            default: break
            }
            if index > 0, events[index - 1].kind == .returned, event.kind == .expired || event.kind == .refunded,
               event.booking != nil {
                returnedIntoDeadLot += 1
            }
        }
    }
}
