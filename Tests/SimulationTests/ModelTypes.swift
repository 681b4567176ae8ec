import CreditProtocol
import Scheduling

// The reference model's state: plain Swift objects, no SQL. Written from SPEC §3-4, not from the
// Store's code; only the calendar math (StudioCalendar, table-tested in SchedulingTests) is shared.

struct SimType {
    var id: String
    var cost: Int64
    var allowNegative: Bool
    var windowS: Int64
    var graceS: Int64
}

struct SimPlan {
    var id: String
    var scope: String
    var perCycle: Int64
    var period: Period
    var count: Int
    /// nil: unlimited.
    var rolloverMax: Int64?
    /// nil: rollover credits never expire.
    var rolloverCycles: Int?
}

struct SimPackage {
    var id: String
    var scope: String
    var credits: Int64
    var bonus: Int64
    var expiryDays: Int?
}

final class MLot {
    let seq: Int
    let client: String
    let scope: String
    let source: String
    var remaining: Int64
    let effectiveMs: Int64
    var expiresMs: Int64?
    var done = false
    var refunded = false
    var frozen = false
    /// A cycle's own lot: its membership's boundary rolls it over and expires it.
    var boundaryExpiry = false
    let membership: String?
    let cycle: Int?

    init(seq: Int, client: String, scope: String, source: String, quantity: Int64, effectiveMs: Int64,
         expiresMs: Int64?, membership: String?, cycle: Int?) {
        self.seq = seq
        self.client = client
        self.scope = scope
        self.source = source
        self.remaining = quantity
        self.effectiveMs = effectiveMs
        self.expiresMs = expiresMs
        self.membership = membership
        self.cycle = cycle
    }

    /// Live: in effect, not expired, not refunded. A frozen lot's expiry is suspended: still live.
    func isLive(_ now: Int64) -> Bool {
        !refunded && !done && effectiveMs <= now && (frozen || expiresMs.map { now < $0 } ?? true)
    }

    func isBookable(_ now: Int64) -> Bool { remaining > 0 && !frozen && isLive(now) }
}

/// Credits a booking holds: from a lot, or as debt (lot nil) until repaid.
final class MAlloc {
    let seq: Int
    let booking: String
    let scope: String
    var lot: MLot?
    var credits: Int64
    var held = true

    init(seq: Int, booking: String, scope: String, lot: MLot?, credits: Int64) {
        self.seq = seq
        self.booking = booking
        self.scope = scope
        self.lot = lot
        self.credits = credits
    }
}

final class MBooking {
    let id: String
    let client: String
    let type: SimType
    let startsMs: Int64
    let endsMs: Int64
    let cost: Int64
    var status: BookingStatus = .booked
    var allocations: [MAlloc] = []
    var settleMs: Int64?

    init(id: String, client: String, type: SimType, startsMs: Int64, endsMs: Int64, cost: Int64) {
        self.id = id
        self.client = client
        self.type = type
        self.startsMs = startsMs
        self.endsMs = endsMs
        self.cost = cost
    }
}

final class MMembership {
    let id: String
    let client: String
    let plan: SimPlan
    let startsOn: LocalDate
    var status = "active"
    var cycle = -1
    var nextBoundaryMs: Int64?
    var pausedDays = 0
    var pausedAtMs: Int64?

    init(id: String, client: String, plan: SimPlan, startsOn: LocalDate) {
        self.id = id
        self.client = client
        self.plan = plan
        self.startsOn = startsOn
    }
}

final class MClient {
    let id: String
    /// Lots not yet expired or refunded (the only ones a balance or booking can see).
    var openLots: [MLot] = []
    /// Held debt allocations, oldest first.
    var debts: [MAlloc] = []
    var membership: MMembership?

    init(id: String) { self.id = id }
}

struct MPurchase {
    let id: String
    let client: String
    let lot: MLot
    var refunded = false
}

/// What the rules say the ledger writes: compared per day, aggregated by client and kind.
struct ModelEvent {
    var kind: EventKind
    var client: String
    var amount: Int64
    var credits: Int64
}

/// A balance as the model computes it.
struct ModelBalance: Equatable, CustomStringConvertible {
    var total: Int64
    var debt: Int64
    /// Credits per scope (live remaining minus that scope's debt), zero entries dropped.
    var byScope: [String: Int64]

    var description: String {
        "total \(total) debt \(debt) " + byScope.keys.sorted().map { "\($0)=\(byScope[$0]!)" }.joined(separator: ",")
    }
}

/// A rejected operation, by its wire reason.
struct ModelRejection: Error, Equatable {
    var reason: ErrorReason
}

/// Pending time-driven work in the model, ordered like SPEC §4: instant, then kind, then subject.
struct ModelDue: Comparable {
    enum Subject {
        case booking(MBooking)
        case lot(MLot)
        case membership(MMembership)
    }
    var atMs: Int64
    var kind: DeadlineKind
    var key: String
    var subject: Subject

    static func < (a: ModelDue, b: ModelDue) -> Bool {
        if a.atMs != b.atMs { return a.atMs < b.atMs }
        if a.kind != b.kind { return a.kind < b.kind }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }
    static func == (a: ModelDue, b: ModelDue) -> Bool { !(a < b) && !(b < a) }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []
    var isEmpty: Bool { items.isEmpty }
    var first: Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// SplitMix64: a small seeded generator, so a failing run replays exactly from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
