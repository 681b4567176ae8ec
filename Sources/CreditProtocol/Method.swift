/// What a role may do. A method needs exactly one permission.
public enum Permission: String, Codable, Sendable, CaseIterable {
    case read, issue, remove, book, cancel, waive
    case manageTypes = "manage_types"
    case managePackages = "manage_packages"
    case managePlans = "manage_plans"
    case manageClients = "manage_clients"
    case sell, refund, memberships, backup
    /// Daemon administration: verify, test clock.
    case admin
}

/// Every method of the protocol, `noun.verb`.
public enum Method: String, Codable, Sendable, CaseIterable {
    case studioGet = "studio.get"
    case studioUpdate = "studio.update"
    case sessionTypeCreate = "session_type.create"
    case sessionTypeUpdate = "session_type.update"
    case sessionTypeArchive = "session_type.archive"
    case sessionTypeGet = "session_type.get"
    case sessionTypeList = "session_type.list"
    case clientCreate = "client.create"
    case clientUpdate = "client.update"
    case clientGet = "client.get"
    case clientList = "client.list"
    case creditIssue = "credit.issue"
    case creditRemove = "credit.remove"
    case importStage = "import.stage"
    case importCommit = "import.commit"
    case importAbort = "import.abort"
    case balanceGet = "balance.get"
    case historyList = "history.list"
    case noteSet = "note.set"
    case noteHistory = "note.history"
    case bookingCreate = "booking.create"
    case bookingCancel = "booking.cancel"
    case bookingWaive = "booking.waive"
    case bookingSettle = "booking.settle"
    case bookingNoShow = "booking.no_show"
    case bookingReinstate = "booking.reinstate"
    case bookingGet = "booking.get"
    case bookingList = "booking.list"
    case packageCreate = "package.create"
    case packageArchive = "package.archive"
    case packageGet = "package.get"
    case packageList = "package.list"
    case purchaseCreate = "purchase.create"
    case purchaseRefund = "purchase.refund"
    case purchaseGet = "purchase.get"
    case planCreate = "plan.create"
    case planArchive = "plan.archive"
    case planGet = "plan.get"
    case planList = "plan.list"
    case membershipCreate = "membership.create"
    case membershipPause = "membership.pause"
    case membershipResume = "membership.resume"
    case membershipCancel = "membership.cancel"
    case membershipGet = "membership.get"
    case membershipList = "membership.list"
    case usageSummary = "usage.summary"
    case eventsSubscribe = "events.subscribe"
    case daemonStatus = "daemon.status"
    case daemonMetrics = "daemon.metrics"
    case daemonVerify = "daemon.verify"
    case daemonBackup = "daemon.backup"
    case clockSet = "clock.set"
    case clockAdvance = "clock.advance"
    // Studio workflows beyond v1 (issue 16).
    case reportExpiring = "report.expiring"
    case clientDeactivate = "client.deactivate"
    case clientReactivate = "client.reactivate"
    case lotExtend = "lot.extend"
    case creditTransfer = "credit.transfer"
    case reportActivity = "report.activity"
    case reportLiability = "report.liability"

    /// Whether the method changes the ledger (and so goes through the single writer).
    public var isMutating: Bool {
        switch self {
        case .studioGet, .sessionTypeGet, .sessionTypeList, .clientGet, .clientList, .balanceGet,
             .historyList, .noteHistory, .bookingGet, .bookingList, .packageGet, .packageList,
             .purchaseGet, .planGet, .planList, .membershipGet, .membershipList, .usageSummary,
             .eventsSubscribe, .daemonStatus, .daemonVerify, .daemonBackup, .clockSet, .clockAdvance,
             .daemonMetrics, .reportExpiring, .reportActivity, .reportLiability:
            return false
        default:
            return true
        }
    }

    /// The permission a caller's role needs for the method.
    public var permission: Permission {
        switch self {
        case .studioGet, .sessionTypeGet, .sessionTypeList, .clientGet, .clientList, .balanceGet,
             .historyList, .noteHistory, .bookingGet, .bookingList, .packageGet, .packageList,
             .purchaseGet, .planGet, .planList, .membershipGet, .membershipList, .usageSummary,
             .eventsSubscribe, .daemonStatus, .daemonMetrics, .reportExpiring, .reportActivity,
             .reportLiability:
            return .read
        case .studioUpdate, .sessionTypeCreate, .sessionTypeUpdate, .sessionTypeArchive: return .manageTypes
        case .clientCreate, .clientUpdate, .clientDeactivate, .clientReactivate: return .manageClients
        case .creditIssue, .noteSet, .importStage, .importCommit, .importAbort, .lotExtend: return .issue
        case .creditRemove, .creditTransfer: return .remove
        case .bookingCreate, .bookingNoShow: return .book
        case .bookingCancel: return .cancel
        case .bookingWaive, .bookingSettle, .bookingReinstate: return .waive
        case .packageCreate, .packageArchive: return .managePackages
        case .planCreate, .planArchive: return .managePlans
        case .purchaseCreate: return .sell
        case .purchaseRefund: return .refund
        case .membershipCreate, .membershipPause, .membershipResume, .membershipCancel: return .memberships
        case .daemonBackup: return .backup
        case .daemonVerify, .clockSet, .clockAdvance: return .admin
        }
    }
}
