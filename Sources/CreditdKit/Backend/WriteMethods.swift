import CreditProtocol
import Foundation
import Store

/// Mutating methods: decode params, build the ledger operation, encode its result.
enum WriteMethods {
    static func operation(for call: Call) throws(WireError) -> LedgerOperation<RawResult> {
        let actor = Actor(user: call.caller.userName)
        let p = call
        switch call.method {
        case .studioUpdate: return wrap(Ledger.studioUpdate(try WireCoding.decode(StudioUpdateParams.self, p), by: actor))
        case .sessionTypeCreate:
            return wrap(Ledger.sessionTypeCreate(try WireCoding.decode(SessionTypeCreateParams.self, p), by: actor))
        case .sessionTypeUpdate:
            return wrap(Ledger.sessionTypeUpdate(try WireCoding.decode(SessionTypeUpdateParams.self, p), by: actor))
        case .sessionTypeArchive:
            return wrap(Ledger.sessionTypeArchive(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .clientCreate: return wrap(Ledger.clientCreate(try WireCoding.decode(ClientCreateParams.self, p), by: actor))
        case .clientUpdate: return wrap(Ledger.clientUpdate(try WireCoding.decode(ClientUpdateParams.self, p), by: actor))
        case .creditIssue: return wrap(Ledger.creditIssue(try WireCoding.decode(CreditIssueParams.self, p), by: actor))
        case .creditRemove: return wrap(Ledger.creditRemove(try WireCoding.decode(CreditRemoveParams.self, p), by: actor))
        case .importStage: return wrap(Ledger.importStage(try WireCoding.decode(ImportStageParams.self, p), by: actor))
        case .importCommit: return wrap(Ledger.importCommit(try WireCoding.decode(ImportCommitParams.self, p), by: actor))
        case .importAbort: return wrap(Ledger.importAbort(try WireCoding.decode(ImportCommitParams.self, p), by: actor))
        case .noteSet: return wrap(Ledger.noteSet(try WireCoding.decode(NoteSetParams.self, p), by: actor))
        case .bookingCreate:
            return wrap(Ledger.bookingCreate(try WireCoding.decode(BookingCreateParams.self, call), by: actor))
        case .bookingCancel:
            return wrap(Ledger.bookingCancel(try WireCoding.decode(BookingCancelParams.self, call), by: actor))
        case .bookingWaive: return wrap(Ledger.bookingWaive(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .bookingSettle: return wrap(Ledger.bookingSettle(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .bookingNoShow: return wrap(Ledger.bookingNoShow(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .bookingReinstate:
            return wrap(Ledger.bookingReinstate(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .packageCreate:
            return wrap(Ledger.packageCreate(try WireCoding.decode(PackageCreateParams.self, p), by: actor))
        case .packageArchive: return wrap(Ledger.packageArchive(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .purchaseCreate:
            return wrap(Ledger.purchaseCreate(try WireCoding.decode(PurchaseCreateParams.self, p), by: actor))
        case .purchaseRefund: return wrap(Ledger.purchaseRefund(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .planCreate: return wrap(Ledger.planCreate(try WireCoding.decode(PlanCreateParams.self, p), by: actor))
        case .planArchive: return wrap(Ledger.planArchive(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .membershipCreate:
            return wrap(Ledger.membershipCreate(try WireCoding.decode(MembershipCreateParams.self, p), by: actor))
        case .membershipPause:
            return wrap(Ledger.membershipPause(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .membershipResume:
            return wrap(Ledger.membershipResume(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .membershipCancel:
            return wrap(Ledger.membershipCancel(try WireCoding.decode(MembershipCancelParams.self, p), by: actor))
        case .clientDeactivate:
            return wrap(Ledger.clientDeactivate(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .clientReactivate:
            return wrap(Ledger.clientReactivate(try WireCoding.decode(IdActionParams.self, p), by: actor))
        case .lotExtend: return wrap(Ledger.lotExtend(try WireCoding.decode(LotExtendParams.self, p), by: actor))
        case .creditTransfer:
            return wrap(Ledger.creditTransfer(try WireCoding.decode(CreditTransferParams.self, p), by: actor))
        default:
            preconditionFailure("\(call.method.rawValue) is not a mutating method")
        }
    }

    /// Booking writes leave their result to be encoded on the connection's event loop (see `RawResult`).
    private static func wrap(_ operation: LedgerOperation<Booking>) -> LedgerOperation<RawResult> {
        operation.map { booking in RawResult(booking: booking) }
    }

    private static func wrap<R: Encodable>(_ operation: LedgerOperation<R>) -> LedgerOperation<RawResult> {
        operation.map { value in
            do { return RawResult(json: try WireCoding.encode(value)) } catch let error as WireError {
                throw LedgerError.internalError(error.message)
            }
        }
    }
}
