import CreditProtocol
import GRDB
import PropertyBased
import Testing
@testable import Store

// Issue 2: random operation sequences run against an in-memory ledger and the `ReferenceModel`
// side by side. After every step the balances (total, debt, per scope, next expiry), every lot's
// remainder, the new events, the sum of each client's event amounts, the booking statuses and
// `verify` must agree; errors must agree too, and a failed operation must change nothing.

/// Random sequences of 5–30 steps.
let operationSequences = zip(Gen.int(in: 0...109), Gen.int(in: 0...999), Gen.int(in: 0...999),
                             Gen.int(in: 0...999), Gen.int(in: 0...999))
    .map { t in Op.make(t.0, t.1, t.2, t.3, t.4) }
    .array(of: 5...30)

@Suite struct LedgerPropertyTests {
    /// Given 1000 random sequences, when each runs on a fresh ledger and the model,
    /// then they agree after every step and `verify` stays clean.
    @Test func ledgerAgreesWithReferenceModel() async throws {
        var coverage = Coverage()
        await propertyCheck(count: 1000, input: operationSequences) { ops in
            var harness = try Harness()
            let failure = harness.run(ops)
            coverage.sequences += harness.coverage.sequences
            coverage.steps += harness.coverage.steps
            coverage.insufficient += harness.coverage.insufficient
            coverage.debts += harness.coverage.debts
            coverage.repayments += harness.coverage.repayments
            coverage.returnedIntoDeadLot += harness.coverage.returnedIntoDeadLot
            coverage.scheduledVoids += harness.coverage.scheduledVoids
            coverage.expiries += harness.coverage.expiries
            coverage.refunds += harness.coverage.refunds
            coverage.otherErrors += harness.coverage.otherErrors
            coverage.transfers += harness.coverage.transfers
            coverage.extensions += harness.coverage.extensions
            #expect(failure == nil, "\(failure ?? "")")
        }
        print("LedgerPropertyTests coverage: \(coverage)")
        // Then the generator reached the interesting situations, not only the easy paths.
        #expect(coverage.sequences >= 1000)
        #expect(coverage.insufficient > 0 && coverage.debts > 0 && coverage.repayments > 0)
        #expect(coverage.returnedIntoDeadLot > 0 && coverage.expiries > 0 && coverage.refunds > 0)
        #expect(coverage.transfers > 0 && coverage.extensions > 0)
    }

    /// Given the date helper, when formatting known days, then it prints the UTC civil date.
    @Test func dateHelper() {
        #expect(Harness.date(day: 0) == "1970-01-01")
        #expect(Harness.date(day: ReferenceModel.floorDiv(Harness.start, ReferenceModel.dayMs)) == "2026-03-02")
        #expect(Harness.date(day: 20_512) == "2026-02-28")
    }
}
