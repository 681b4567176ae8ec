import CreditProtocol
import Foundation
import Store

/// Read-only ledger methods: decode params, query a WAL reader, encode the result.
enum ReadMethods {
    static func run(_ call: Call, ledger: Ledger, nowMs: Int64) throws(WireError) -> Data {
        let p = call
        do {
            switch call.method {
            case .studioGet: return try WireCoding.encode(ledger.studio())
            case .sessionTypeGet: return try WireCoding.encode(ledger.sessionType(try WireCoding.decode(IdParams.self, p).id))
            case .sessionTypeList: return try WireCoding.encode(ledger.sessionTypes(try WireCoding.decode(ListParams.self, p)))
            case .clientGet: return try WireCoding.encode(ledger.client(try WireCoding.decode(IdParams.self, p).id))
            case .clientList: return try WireCoding.encode(ledger.clients(try WireCoding.decode(ClientListParams.self, p)))
            case .balanceGet:
                return WireCoding.encode(balance: try ledger.balance(try WireCoding.decode(BalanceParams.self, p), nowMs: nowMs))
            case .historyList: return WireCoding.encode(history: try ledger.history(try WireCoding.decode(HistoryParams.self, p)))
            case .noteHistory: return try WireCoding.encode(ledger.noteHistory(try WireCoding.decode(NoteHistoryParams.self, p)))
            case .bookingGet: return try WireCoding.encode(ledger.booking(try WireCoding.decode(IdParams.self, p).id))
            case .bookingList: return try WireCoding.encode(ledger.bookings(try WireCoding.decode(BookingListParams.self, p)))
            case .packageGet: return try WireCoding.encode(ledger.package(try WireCoding.decode(IdParams.self, p).id))
            case .packageList: return try WireCoding.encode(ledger.packages(try WireCoding.decode(ListParams.self, p)))
            case .purchaseGet: return try WireCoding.encode(ledger.purchase(try WireCoding.decode(IdParams.self, p).id))
            case .planGet: return try WireCoding.encode(ledger.plan(try WireCoding.decode(IdParams.self, p).id))
            case .planList: return try WireCoding.encode(ledger.plans(try WireCoding.decode(ListParams.self, p)))
            case .membershipGet: return try WireCoding.encode(ledger.membership(try WireCoding.decode(IdParams.self, p).id))
            case .membershipList:
                return try WireCoding.encode(ledger.memberships(try WireCoding.decode(MembershipListParams.self, p)))
            case .usageSummary: return try WireCoding.encode(ledger.usage(try WireCoding.decode(UsageParams.self, p)))
            case .reportExpiring:
                return try WireCoding.encode(ledger.expiring(try WireCoding.decode(ExpiringParams.self, p), nowMs: nowMs))
            case .reportActivity:
                return try WireCoding.encode(ledger.activity(try WireCoding.decode(ActivityParams.self, p)))
            case .reportLiability:
                return try WireCoding.encode(ledger.liability(try WireCoding.decode(LiabilityParams.self, p), nowMs: nowMs))
            case .daemonVerify:
                _ = try WireCoding.decode(EmptyParams.self, p)
                return try WireCoding.encode(ledger.verify())
            default:
                preconditionFailure("\(call.method.rawValue) is not a ledger read")
            }
        } catch let error as LedgerError {
            throw error.wire
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError(.internalError, "\(error)")
        }
    }
}
