import CreditProtocol
import Foundation
import GRDB
import Testing
@testable import Store

/// `daemon.verify` checks the state the workflows of issue 16 add, naming the ids involved.
@Suite struct WorkflowVerifyTests {
    @Test func verifyReportsATransferWhoseOtherHalfIsMissing() throws {
        // Given a transfer of 2 credits from c1 to c2
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        try f.client("c2")
        let lot = try f.issue("c1", "yoga", 3).lots[0]
        let moved = try f.run(Ledger.creditTransfer(CreditTransferParams(from: "c1", to: "c2", sessionType: "yoga",
                                                                         credits: 2), by: f.actor))
        #expect(try f.ledger.verify().ok)
        // When a stray transferred_out (with its lot change) appears that no transferred_in answers
        try f.ledger.writer.write { db in
            try db.execute(sql: "UPDATE lot SET remaining = 0 WHERE id = ?", arguments: [lot.id])
            try db.execute(sql: """
                INSERT INTO event (kind, at_ms, recorded_at_ms, client_id, scope, lot_id, amount, credits, actor, rule)
                VALUES ('transferred_out', 1, 1, 'c1', 'yoga', ?, -1, 1, 'x', '{"to_client":"c2","to_lot":"999"}')
                """, arguments: [lot.id])
        }
        // Then verify names it, and only it: the real pair still matches
        let result = try f.ledger.verify()
        let links = result.violations.filter { $0.check == "transfer_link" }
        #expect(links.count == 1 && links.first?.lot == lot.id && links.first?.client == "c1")
        #expect(moved.parts.count == 1)
    }

    @Test func verifyReportsALotGivenToADeactivatedClient() throws {
        // Given c1 deactivated
        let f = try Fixture()
        try f.type("yoga")
        try f.client("c1")
        _ = try f.run(Ledger.clientDeactivate(IdActionParams(id: "c1"), by: f.actor))
        #expect(try f.ledger.verify().ok)
        // When a lot is written for c1 later behind the ledger's back
        f.nowMs += 1000
        try f.ledger.writer.write { db in
            try db.execute(sql: "UPDATE client SET deactivated_at_ms = NULL WHERE id = 'c1'")
        }
        let lot = try f.issue("c1", "yoga", 1).lots[0]
        try f.ledger.writer.write { db in
            try db.execute(sql: "UPDATE client SET deactivated_at_ms = ? WHERE id = 'c1'", arguments: [Fixture.startMs])
        }
        // Then verify names the client and the lot
        let result = try f.ledger.verify()
        #expect(result.violations.contains { $0.check == "client_state" && $0.client == "c1" && $0.lot == lot.id })
    }
}
