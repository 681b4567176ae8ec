import CreditProtocol
import Scheduling
import Store

/// The studio the simulation runs: session types, plans and packages.
struct Catalog {
    let types = [
        SimType(id: "yoga", cost: 1, allowNegative: false, windowS: 86_400, graceS: 0),
        SimType(id: "pilates", cost: 1, allowNegative: false, windowS: 43_200, graceS: 7_200),
        SimType(id: "workshop", cost: 2, allowNegative: false, windowS: 172_800, graceS: 0),
        SimType(id: "dropin", cost: 1, allowNegative: true, windowS: 21_600, graceS: 3_600),
    ]
    let plans = [
        SimPlan(id: "monthly8", scope: "any", perCycle: 8, period: .month, count: 1, rolloverMax: 3, rolloverCycles: 1),
        SimPlan(id: "yoga12", scope: "yoga", perCycle: 12, period: .month, count: 1, rolloverMax: nil, rolloverCycles: nil),
        SimPlan(id: "weekly2", scope: "pilates", perCycle: 2, period: .week, count: 1, rolloverMax: 1, rolloverCycles: 2),
        SimPlan(id: "fortnight4", scope: "any", perCycle: 4, period: .week, count: 2, rolloverMax: 0, rolloverCycles: nil),
        SimPlan(id: "quarter20", scope: "any", perCycle: 20, period: .month, count: 3, rolloverMax: 5, rolloverCycles: nil),
    ]
    let packages = [
        SimPackage(id: "ten", scope: "any", credits: 10, bonus: 2, expiryDays: 90),
        SimPackage(id: "yoga5", scope: "yoga", credits: 5, bonus: 0, expiryDays: 30),
        SimPackage(id: "twenty", scope: "any", credits: 20, bonus: 0, expiryDays: nil),
        SimPackage(id: "workshop3", scope: "workshop", credits: 3, bonus: 1, expiryDays: 60),
    ]
    var scopes: [String] { ["any"] + types.map(\.id) }
}

extension Simulation {
    /// The studio, its catalogue and every client, each with a first membership, package or manual lot.
    func setUp() throws {
        for type in catalog.types {
            _ = try ledger.perform(Ledger.sessionTypeCreate(SessionTypeCreateParams(
                id: type.id, name: type.id, creditCost: type.cost, allowNegative: type.allowNegative,
                lateCancelWindowS: type.windowS, lateCancelGraceS: type.graceS), by: actor), nowMs: nowMs)
        }
        for plan in catalog.plans {
            _ = try ledger.perform(Ledger.planCreate(PlanCreateParams(
                id: plan.id, name: plan.id, scope: plan.scope, creditsPerCycle: plan.perCycle, period: plan.period.rawValue,
                periodCount: plan.count, rolloverMax: plan.rolloverMax, rolloverUnlimited: plan.rolloverMax == nil ? true : nil,
                rolloverExpiresAfterCycles: plan.rolloverCycles), by: actor), nowMs: nowMs)
        }
        for package in catalog.packages {
            _ = try ledger.perform(Ledger.packageCreate(PackageCreateParams(
                id: package.id, name: package.id, credits: package.credits, bonusCredits: package.bonus, priceMinor: 9_900,
                expiryDays: package.expiryDays, scope: package.scope), by: actor), nowMs: nowMs)
        }
        for n in 0..<config.clients {
            let id = "c" + String(n + 10_000)
            _ = try ledger.perform(Ledger.clientCreate(ClientCreateParams(id: id, name: "Client \(n)"), by: actor), nowMs: nowMs)
            model.addClient(id)
            clientIds.append(id)
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 12 { startMembership(client: id) }
            if roll >= 15 && roll < 70 { purchase(client: id) }
            if roll >= 60 { issue(client: id) }
        }
    }

    func randomOperation() throws {
        let roll = Int.random(in: 0..<1000, using: &rng)
        let client = clientIds.randomElement(using: &rng)!
        switch roll {
        case 0..<380: book(client: client)
        case 380..<560: cancel()
        case 560..<600: waiveOrSettle(waive: true)
        case 600..<620: waiveOrSettle(waive: false)
        case 620..<640: noShow()
        case 640..<740: issue(client: client)
        case 740..<770: remove(client: client)
        case 770..<850: purchase(client: client)
        case 850..<870: refund()
        // Starts (when the client has none) against cancels keep about 1 client in 8 a member.
        case 870..<910: startMembership(client: client)
        case 910..<938: pauseOrResume(pause: true)
        case 938..<965: pauseOrResume(pause: false)
        default: cancelMembership()
        }
    }

    // MARK: - Operations

    func book(client: String) {
        let type = catalog.types.randomElement(using: &rng)!
        let startsMs = (nowMs / 900_000 + Int64.random(in: 2...1_200, using: &rng)) * 900_000
        let id = nextId("b")
        let booked = apply("book \(id) \(client) \(type.id)", Ledger.bookingCreate(BookingCreateParams(
            id: id, client: client, sessionType: type.id, startsAt: Timestamp(ms: startsMs)), by: actor)) {
            () throws(ModelRejection) in
            try model.book(id: id, client: client, type: type, startsMs: startsMs, endsMs: startsMs + 3_600_000)
        }
        if booked != nil {
            bookedIds.append(id)
            recentBookingIds.append(id)
            if recentBookingIds.count > 200 { recentBookingIds.removeFirst(100) }
        }
    }

    func cancel() {
        // Mostly a booking still booked; now and then one that is not (invalid_state on both sides).
        let anyBooking = Int.random(in: 0..<20, using: &rng) == 0
        guard let id = anyBooking ? recentBookingIds.randomElement(using: &rng) : pick(&bookedIds, .booked) else { return }
        let mode = [CancelMode.auto, .auto, .auto, .auto, .early, .late].randomElement(using: &rng)!
        apply("cancel \(id) \(mode)", Ledger.bookingCancel(BookingCancelParams(id: id, mode: mode), by: actor)) {
            () throws(ModelRejection) in try model.cancel(id: id, mode: mode)
        }
        if model.bookings[id]?.status == .cancelPending { pendingIds.append(id) }
    }

    func waiveOrSettle(waive: Bool) {
        guard let id = pick(&pendingIds, .cancelPending) else { return }
        if waive {
            apply("waive \(id)", Ledger.bookingWaive(IdActionParams(id: id), by: actor)) {
                () throws(ModelRejection) in try model.waive(id: id)
            }
        } else {
            apply("settle \(id)", Ledger.bookingSettle(IdActionParams(id: id), by: actor)) {
                () throws(ModelRejection) in try model.settleNow(id: id)
            }
        }
    }

    func noShow() {
        guard let id = recentBookingIds.randomElement(using: &rng) else { return }
        apply("no_show \(id)", Ledger.bookingNoShow(IdActionParams(id: id), by: actor)) {
            () throws(ModelRejection) in try model.noShow(id: id)
        }
    }

    func issue(client: String) {
        let scope = catalog.scopes.randomElement(using: &rng)!
        let credits = Int64.random(in: 1...6, using: &rng)
        var expiresOn: String?
        var expiresAt: Timestamp?
        var expiresMs: Int64?
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<3: break
        case 3..<7:
            let date = model.calendar.adding(days: Int.random(in: 0...120, using: &rng),
                                             to: model.calendar.localDate(atMs: nowMs))
            expiresOn = date.description
            expiresMs = model.calendar.endOfDayMs(date)
        default:
            expiresMs = (nowMs / 1000 + Int64.random(in: 3_600...(60 * 86_400), using: &rng)) * 1000
            expiresAt = Timestamp(ms: expiresMs!)
        }
        apply("issue \(client) \(scope) \(credits)", Ledger.creditIssue(CreditIssueParams(
            client: client, sessionType: scope, credits: credits, expiresOn: expiresOn, expiresAt: expiresAt), by: actor)) {
            () throws(ModelRejection) in model.issue(client: client, scope: scope, credits: credits, expiresMs: expiresMs)
        }
    }

    func remove(client: String) {
        let scope = catalog.scopes.randomElement(using: &rng)!
        let credits = Int64.random(in: 1...3, using: &rng)
        apply("remove \(client) \(scope) \(credits)", Ledger.creditRemove(CreditRemoveParams(
            client: client, sessionType: scope, credits: credits), by: actor)) {
            () throws(ModelRejection) in try model.remove(client: client, scope: scope, credits: credits)
        }
    }

    func purchase(client: String) {
        let package = catalog.packages.randomElement(using: &rng)!
        let id = nextId("p")
        let sold = apply("purchase \(id) \(client) \(package.id)", Ledger.purchaseCreate(PurchaseCreateParams(
            id: id, client: client, package: package.id, paymentRef: "pi_" + id), by: actor)) {
            () throws(ModelRejection) in model.purchase(id: id, client: client, package: package)
        }
        if sold != nil { purchaseIds.append(id) }
    }

    func refund() {
        guard let id = purchaseIds.suffix(300).randomElement(using: &rng) else { return }
        apply("refund \(id)", Ledger.purchaseRefund(IdActionParams(id: id), by: actor)) {
            () throws(ModelRejection) in try model.refund(id: id)
        }
    }

    func startMembership(client: String) {
        if let current = model.clients[client]!.membership, current.status != "cancelled" { return }
        // Mostly monthly plans; weekly and fortnightly ones make four times the boundaries.
        let plan = catalog.plans[[0, 0, 0, 1, 1, 1, 2, 3, 4, 4].randomElement(using: &rng)!]
        let startsOn = model.calendar.adding(days: Int.random(in: -3...20, using: &rng),
                                             to: model.calendar.localDate(atMs: nowMs))
        let id = nextId("m")
        apply("membership \(id) \(client) \(plan.id) from \(startsOn)", Ledger.membershipCreate(MembershipCreateParams(
            id: id, client: client, plan: plan.id, startsOn: startsOn.description), by: actor)) {
            () throws(ModelRejection) in model.createMembership(id: id, client: client, plan: plan, startsOn: startsOn)
        }
    }

    func pauseOrResume(pause: Bool) {
        let status = pause ? "active" : "paused"
        guard let m = model.membershipList.filter({ $0.status == status }).randomElement(using: &rng) else { return }
        let id = m.id
        if pause {
            apply("pause \(id)", Ledger.membershipPause(IdActionParams(id: id), by: actor)) {
                () throws(ModelRejection) in try model.pause(id: id)
            }
        } else {
            apply("resume \(id)", Ledger.membershipResume(IdActionParams(id: id), by: actor)) {
                () throws(ModelRejection) in try model.resume(id: id)
            }
        }
    }

    func cancelMembership() {
        let candidates = model.membershipList.filter { $0.status != "cancelled" }
        guard let m = candidates.randomElement(using: &rng) else { return }
        let id = m.id
        let atCycleEnd = Bool.random(using: &rng)
        apply("cancel membership \(id) \(atCycleEnd ? "cycle_end" : "now")", Ledger.membershipCancel(
            MembershipCancelParams(id: id, when: atCycleEnd ? "cycle_end" : "now"), by: actor)) {
            () throws(ModelRejection) in try model.cancelMembership(id: id, atCycleEnd: atCycleEnd)
        }
    }

    /// A random id from `ids` whose booking has `status` in the model; drops the others.
    private func pick(_ ids: inout [String], _ status: BookingStatus) -> String? {
        while !ids.isEmpty {
            let index = Int.random(in: 0..<ids.count, using: &rng)
            if model.bookings[ids[index]]?.status == status { return ids[index] }
            ids.swapAt(index, ids.count - 1)
            ids.removeLast()
        }
        return nil
    }
}
