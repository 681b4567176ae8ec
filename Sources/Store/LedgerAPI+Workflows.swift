import CreditProtocol
import GRDB

/// The facade of the studio workflows beyond v1 (issue 16): reports, client lifecycle, goodwill
/// extensions and transfers.
extension Ledger {
    // MARK: Operations (for group commit)

    public static func clientDeactivate(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Client> {
        LedgerOperation(.clientDeactivate, p, actor: a, body: ClientLifecycle.deactivate)
    }
    public static func clientReactivate(_ p: IdActionParams, by a: Actor) -> LedgerOperation<Client> {
        LedgerOperation(.clientReactivate, p, actor: a, body: ClientLifecycle.reactivate)
    }
    public static func lotExtend(_ p: LotExtendParams, by a: Actor) -> LedgerOperation<LotExtendResult> {
        LedgerOperation(.lotExtend, p, actor: a, body: LotExtension.extend)
    }
    public static func creditTransfer(_ p: CreditTransferParams, by a: Actor) -> LedgerOperation<CreditTransferResult> {
        LedgerOperation(.creditTransfer, p, actor: a, body: Transfers.transfer)
    }

    // MARK: Reads

    /// `report.expiring` at `nowMs`.
    public func expiring(_ p: ExpiringParams, nowMs: Int64) throws(LedgerError) -> Page<ExpiringLot> {
        try read { db in try Expiring.list(db, p, nowMs: nowMs) }
    }

    /// `report.activity`.
    public func activity(_ p: ActivityParams) throws(LedgerError) -> ActivityReport {
        try read { db in try Activity.report(db, p) }
    }

    /// `report.liability` at `nowMs`.
    public func liability(_ p: LiabilityParams, nowMs: Int64) throws(LedgerError) -> LiabilityReport {
        try read { db in try Liability.report(db, p, nowMs: nowMs) }
    }
}
