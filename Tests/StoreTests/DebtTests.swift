import CreditProtocol
import Testing
@testable import Store

@Suite struct DebtTests {
    @Test func negativeBalanceBecomesDebtAndIsRepaidAcrossTwoIssuesOldestFirst() throws {
        // Given a type that allows negative balances and a client with no credits
        let f = try Fixture()
        try f.type("pt", cost: 2, allowNegative: true)
        try f.client("c1")
        // When two bookings are made without credits
        try f.book("b1", "c1", "pt")
        try f.book("b2", "c1", "pt")
        // Then the client owes 4
        #expect(try f.balance("c1").debt == 4)
        #expect(try f.balance("c1").total == -4)
        // When 3 credits are issued, then 2 more
        let first = try f.issue("c1", "pt", 3)
        #expect(first.debtRepaid == 3)
        #expect(try f.lot(first.lots[0].id).remaining == 0)
        #expect(try f.balance("c1").debt == 1)
        let second = try f.issue("c1", "any", 2)
        // Then the oldest debt (b1) was repaid first, and the rest of b2 came out of the second issue
        #expect(second.debtRepaid == 1)
        #expect(try f.lot(second.lots[0].id).remaining == 1)
        #expect(try f.ledger.booking("b1").allocations == [Allocation(lot: first.lots[0].id, credits: 2)])
        #expect(try f.ledger.booking("b2").allocations.contains(Allocation(lot: second.lots[0].id, credits: 1)))
        #expect(try f.balance("c1").total == 1 && f.balance("c1").debt == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func earlyCancelOfDebtCancelsTheDebt() throws {
        // Given a booking made on credit
        let f = try Fixture()
        try f.type("pt", allowNegative: true)
        try f.client("c1")
        try f.book("b1", "c1", "pt", startsIn: 72)
        // When it is cancelled early
        _ = try f.run(Ledger.bookingCancel(BookingCancelParams(id: "b1"), by: f.actor))
        // Then the debt is gone
        #expect(try f.balance("c1").debt == 0 && f.balance("c1").total == 0)
        #expect(try f.assertConsistent(["c1"]))
    }

    @Test func debtOnlyForTheShortfall() throws {
        let f = try Fixture()
        try f.type("pt", cost: 3, allowNegative: true)
        try f.client("c1")
        let lot = try f.issue("c1", "pt", 1).lots[0]
        let booking = try f.book("b1", "c1", "pt")
        #expect(booking.allocations == [Allocation(lot: lot.id, credits: 1), Allocation(lot: nil, credits: 2)])
        #expect(try f.balance("c1").debt == 2)
    }
}
