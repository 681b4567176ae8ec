import CreditProtocol
import Foundation
import GRDB
import Scheduling

/// The typed facade: one method per protocol operation. Mutations return a `LedgerOperation` (so the
/// daemon can group-commit them) and have a convenience that performs it at once.
extension Ledger {
    // MARK: Operations (for group commit)

    public static func studioUpdate(_ p: StudioUpdateParams, by a: Actor) -> LedgerOperation<Studio> {
        LedgerOperation(.studioUpdate, p, actor: a, body: Setup.updateStudio)
    }
    public static func sessionTypeCreate(_ p: SessionTypeCreateParams, by a: Actor) -> LedgerOperation<SessionType> {
        LedgerOperation(.sessionTypeCreate, p, actor: a, body: Setup.createSessionType)
    }
    public static func sessionTypeUpdate(_ p: SessionTypeUpdateParams, by a: Actor) -> LedgerOperation<SessionType> {
        LedgerOperation(.sessionTypeUpdate, p, actor: a, body: Setup.updateSessionType)
    }
    public static func sessionTypeArchive(_ p: IdActionParams, by a: Actor) -> LedgerOperation<SessionTypeArchiveResult> {
        LedgerOperation(.sessionTypeArchive, p, actor: a, body: Setup.archiveSessionType)
    }
    public static func clientCreate(_ p: ClientCreateParams, by a: Actor) -> LedgerOperation<Client> {
        LedgerOperation(.clientCreate, p, actor: a, body: Setup.createClient)
    }
    public static func clientUpdate(_ p: ClientUpdateParams, by a: Actor) -> LedgerOperation<Client> {
        LedgerOperation(.clientUpdate, p, actor: a, body: Setup.updateClient)
    }
    public static func creditIssue(_ p: CreditIssueParams, by a: Actor) -> LedgerOperation<CreditIssueResult> {
        LedgerOperation(.creditIssue, p, actor: a, body: Credits.issue)
    }
    public static func creditRemove(_ p: CreditRemoveParams, by a: Actor) -> LedgerOperation<CreditRemoveResult> {
        LedgerOperation(.creditRemove, p, actor: a, body: Credits.remove)
    }
    public static func importStage(_ p: ImportStageParams, by a: Actor) -> LedgerOperation<ImportResult> {
        LedgerOperation(.importStage, p, actor: a, body: Imports.stage)
    }
    public static func importCommit(_ p: ImportCommitParams, by a: Actor) -> LedgerOperation<ImportResult> {
        LedgerOperation(.importCommit, p, actor: a, body: Imports.commit)
    }
    public static func importAbort(_ p: ImportCommitParams, by a: Actor) -> LedgerOperation<ImportResult> {
        LedgerOperation(.importAbort, p, actor: a, body: Imports.abort)
    }
    public static func noteSet(_ p: NoteSetParams, by a: Actor) -> LedgerOperation<HistoryItem> {
        LedgerOperation(.noteSet, p, actor: a, body: History.setNote)
    }
    public static func bookingCreate(_ p: BookingCreateParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingCreate, p, actor: a, dryRun: p.dryRun ?? false, body: Bookings.create)
    }
    public static func bookingCancel(_ p: BookingCancelParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingCancel, p, actor: a, body: Bookings.cancel)
    }
    public static func bookingWaive(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingWaive, p, actor: a, body: Bookings.waive)
    }
    public static func bookingSettle(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingSettle, p, actor: a, body: Bookings.settle)
    }
    public static func bookingNoShow(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingNoShow, p, actor: a, body: NoShows.noShow)
    }
    public static func bookingReinstate(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Booking> {
        LedgerOperation(.bookingReinstate, p, actor: a, body: NoShows.reinstate)
    }
    public static func packageCreate(_ p: PackageCreateParams, by a: Actor) -> LedgerOperation<CreditProtocol.Package> {
        LedgerOperation(.packageCreate, p, actor: a, body: Sales.createPackage)
    }
    public static func packageArchive(_ p: IdActionParams, by a: Actor) -> LedgerOperation<CreditProtocol.Package> {
        LedgerOperation(.packageArchive, p, actor: a, body: Sales.archivePackage)
    }
    public static func purchaseCreate(_ p: PurchaseCreateParams, by a: Actor) -> LedgerOperation<Purchase> {
        LedgerOperation(.purchaseCreate, p, actor: a, body: Sales.purchase)
    }
    public static func purchaseRefund(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Purchase> {
        LedgerOperation(.purchaseRefund, p, actor: a, body: Sales.refund)
    }
    public static func planCreate(_ p: PlanCreateParams, by a: Actor) -> LedgerOperation<Plan> {
        LedgerOperation(.planCreate, p, actor: a, body: Memberships.createPlan)
    }
    public static func planArchive(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Plan> {
        LedgerOperation(.planArchive, p, actor: a, body: Memberships.archivePlan)
    }
    public static func membershipCreate(_ p: MembershipCreateParams, by a: Actor) -> LedgerOperation<Membership> {
        LedgerOperation(.membershipCreate, p, actor: a, body: Memberships.create)
    }
    public static func membershipPause(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Membership> {
        LedgerOperation(.membershipPause, p, actor: a, body: Memberships.pause)
    }
    public static func membershipResume(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Membership> {
        LedgerOperation(.membershipResume, p, actor: a, body: Memberships.resume)
    }
    public static func membershipCancel(_ p: MembershipCancelParams, by a: Actor) -> LedgerOperation<Membership> {
        LedgerOperation(.membershipCancel, p, actor: a, body: Memberships.cancel)
    }

    // MARK: Reads

    public func studio() throws(LedgerError) -> Studio { try read { db in try Setup.studio(db) } }
    public func sessionType(_ id: String) throws(LedgerError) -> SessionType {
        try read { db in try SessionTypeRecord.require(db, id: id).wire }
    }
    public func sessionTypes(_ p: ListParams) throws(LedgerError) -> Page<SessionType> {
        try read { db in try Setup.listSessionTypes(db, p) }
    }
    public func client(_ id: String) throws(LedgerError) -> Client { try read { db in try Setup.getClient(db, id) } }
    public func clients(_ p: ClientListParams) throws(LedgerError) -> Page<Client> {
        try read { db in try Setup.listClients(db, p) }
    }
    public func balance(_ p: BalanceParams, nowMs: Int64) throws(LedgerError) -> Balance {
        try rawRead { c in try Balances.get(c, p, nowMs: nowMs) }
    }
    public func history(_ p: HistoryParams) throws(LedgerError) -> Page<HistoryItem> {
        try rawRead { c in try History.list(c, p) }
    }
    public func noteHistory(_ p: NoteHistoryParams) throws(LedgerError) -> Page<NoteEdit> {
        try read { db in try History.noteHistory(db, p) }
    }
    public func booking(_ id: String) throws(LedgerError) -> Booking { try read { db in try Bookings.get(db, id: id) } }
    public func bookings(_ p: BookingListParams) throws(LedgerError) -> Page<Booking> {
        try read { db in try Bookings.list(db, p) }
    }
    public func package(_ id: String) throws(LedgerError) -> CreditProtocol.Package {
        try read { db in try Sales.package(db, id) }
    }
    public func packages(_ p: ListParams) throws(LedgerError) -> Page<CreditProtocol.Package> {
        try read { db in try Sales.listPackages(db, p) }
    }
    public func purchase(_ id: String) throws(LedgerError) -> Purchase { try read { db in try Sales.get(db, id) } }
    public func plan(_ id: String) throws(LedgerError) -> Plan { try read { db in try Memberships.plan(db, id) } }
    public func plans(_ p: ListParams) throws(LedgerError) -> Page<Plan> {
        try read { db in try Memberships.listPlans(db, p) }
    }
    public func membership(_ id: String) throws(LedgerError) -> Membership {
        try read { db in try Memberships.get(db, id) }
    }
    public func memberships(_ p: MembershipListParams) throws(LedgerError) -> Page<Membership> {
        try read { db in try Memberships.list(db, p) }
    }
    public func usage(_ p: UsageParams) throws(LedgerError) -> UsageSummary {
        try read { db in try Usage.summary(db, p) }
    }
    /// Checks every invariant of the ledger.
    public func verify() throws(LedgerError) -> VerifyResult {
        var result = try read { db in try Verify.run(db) }
        if let fault = databaseFault {
            result.ok = false
            result.violations.insert(Violation(check: "database_file", detail: fault), at: 0)
        }
        return result
    }

    /// Why writes are refused for good (the database file removed or replaced while serving),
    /// looked up now; nil when the file at the path is the one opened.
    public var databaseFault: String? { fileWatch?.check() }

    /// Called once, on the thread that finds it, when the database file is found removed or replaced.
    public func setFaultHook(_ hook: @escaping @Sendable (String) -> Void) { fileWatch?.setFaultHook(hook) }

    /// Counts for status lines.
    public func counts() throws(LedgerError) -> (lots: Int64, events: Int64) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT (SELECT MAX(id) FROM lot), (SELECT MAX(id) FROM event)")!
            return ((row[0] as Int64?) ?? 0, (row[1] as Int64?) ?? 0)
        }
    }

    /// Copies the database to `path` with SQLite's online backup, consistent while serving.
    /// The copy keeps its rollback journal in memory: no `path-journal` file is created (a link
    /// planted under that name would be written through).
    public func backup(to path: String) throws(LedgerError) {
        do {
            var config = Configuration()
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = MEMORY") }
            let destination = try DatabaseQueue(path: path, configuration: config)
            try writer.backup(to: destination)
            try destination.close()
        } catch {
            throw LedgerError.from(error)
        }
    }
}

/// The scheduler drives the ledger's deadlines.
extension Ledger: DeadlineProcessor {
    public func nextDeadlineMs() throws -> Int64? {
        try writer.read { db in try Deadlines.next(db) }
    }

    /// Processes at most `batchMax` due deadlines in order, in one transaction, as the scheduler.
    /// A deadline that cannot be processed is skipped (see `DeadlineFailures`) and counts as handled.
    public func processDue(nowMs: Int64, batchMax: Int) throws -> [Int64] {
        guard batchMax >= 1 else { throw LedgerError.internalError("batchMax must be >= 1, got \(batchMax)") }
        if let fault = fileWatch?.latched { throw LedgerError.unavailable(fault) }
        do {
            return try processDue(nowMs: nowMs, batchMax: batchMax, skippingFailures: false)
        } catch LedgerError.unavailable(let message) {
            throw LedgerError.unavailable(message)
        } catch {
            // Some deadline in the batch throws: run the batch again, each run in a savepoint.
            return try processDue(nowMs: nowMs, batchMax: batchMax, skippingFailures: true)
        }
    }

    /// Deadlines skipped so far (`daemon.status`).
    public func skippedDeadlineCount() throws(LedgerError) -> Int {
        try read { db in try DeadlineFailures.count(db) }
    }

    /// `hook` hears each deadline the scheduler skips: kind, subject, due instant and why.
    public func setSkippedDeadlineHook(_ hook: @escaping @Sendable (_ kind: String, _ subject: String,
                                                                     _ atMs: Int64, _ reason: String) -> Void) {
        skippedDeadlineHook.set(hook)
    }

    private func processDue(nowMs: Int64, batchMax: Int, skippingFailures: Bool) throws -> [Int64] {
        var processed: [Int64] = []
        var committed: [EventRecord] = []
        var failures: [DeadlineFailures.Failure] = []
        do {
            try writer.write { db in
                processed = []
                let tx = Tx(db: db, nowMs: nowMs, ledger: self)
                tx.actor = .scheduler
                let dues = try Deadlines.due(db, nowMs: nowMs, limit: batchMax)
                if skippingFailures {
                    failures = try DeadlineFailures.processSkippingFailures(tx, dues)
                } else {
                    try Deadlines.process(tx, dues)
                }
                processed = dues.map(\.atMs)
                committed = tx.events
            }
        } catch {
            throw LedgerError.from(error)
        }
        readers.commits.committed()
        if let fault = fileWatch?.check() { throw LedgerError.unavailable(fault) }
        for failure in failures {
            skippedDeadlineHook.call(failure.kind, failure.subject, failure.atMs, failure.reason)
        }
        afterScheduledCommit(events: committed.map(\.item))
        return processed
    }
}

/// The hook that hears skipped deadlines.
final class SkippedDeadlineHook: @unchecked Sendable {
    typealias Hook = @Sendable (String, String, Int64, String) -> Void
    private let lock = NSLock()
    private var hook: Hook?

    func set(_ hook: @escaping Hook) { lock.withLock { self.hook = hook } }
    func call(_ kind: String, _ subject: String, _ atMs: Int64, _ reason: String) {
        lock.withLock { hook }?(kind, subject, atMs, reason)
    }
}
