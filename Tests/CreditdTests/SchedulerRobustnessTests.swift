import Foundation
import Testing

/// Issue 14 defect 2 and issue 15 item 8, through the socket on the test clock.
@Suite struct SchedulerRobustnessTests {
    @Test func membershipWhoseCyclesWouldLeaveYear9999IsRefusedAndTheSchedulerKeepsRunning() throws {
        // Given a yearly plan of 120-year cycles
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("plan.create", ["id": "century", "name": "Century", "credits_per_cycle": 1, "period": "year",
                                   "period_count": 120])
        // When a membership on it starts on 9999-01-01, Then it is refused as invalid_params
        let refused = try rpc.fails("membership.create", ["id": "m1", "client": "ann", "plan": "century",
                                                          "starts_on": "9999-01-01"])
        #expect(refused.reason == "invalid_params")
        // And time reaching that boundary crashes nothing: the daemon answers, verify is clean
        try rpc.ok("clock.set", ["now": "9999-01-02T00:00:00Z"])
        let status = try rpc.ok("daemon.status")
        #expect((status["scheduler"] as? [String: Any])?["skipped"] as? Int == 0)
        #expect(try rpc.ok("daemon.verify")["ok"] as? Bool == true)
    }

    @Test func bookingsEnteredInThePastDoNotPoisonTheSchedulerLag() throws {
        // Given credits and two bookings entered after the fact, one in 2020 and one in year 0001
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 5])
        try rpc.ok("booking.create", ["id": "old", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2020-01-10T10:00:00Z"])
        try rpc.ok("booking.create", ["id": "ancient", "client": "ann", "session_type": "yoga",
                                      "starts_at": "0001-01-10T10:00:00Z"])
        // And one booked ahead that completes while the daemon runs
        try rpc.ok("booking.create", ["id": "soon", "client": "ann", "session_type": "yoga",
                                      "starts_at": "2026-01-05T10:00:00Z"])
        // When the test clock moves past all of them
        try rpc.ok("clock.advance", ["seconds": 86_400])
        // Then all three completed, the two overdue ones counted apart, and the lag is the clock's step at most
        let scheduler = try rpc.ok("daemon.status")["scheduler"] as? [String: Any] ?? [:]
        let lag = scheduler["lag_ms"] as? [String: Any] ?? [:]
        #expect(scheduler["overdue_at_creation"] as? Int == 2)
        #expect((lag["max"] as? Int ?? .max) <= 86_400_000)
        #expect((lag["p99"] as? Int ?? .max) <= 86_400_000)
        #expect(try rpc.ok("booking.get", ["id": "old"])["status"] as? String == "completed")
    }
}
