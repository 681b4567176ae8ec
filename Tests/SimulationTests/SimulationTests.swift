import Foundation
import Testing

@Suite struct SimulationTests {
    /// SIM_SEED=<n> replays a run; SIM_DAYS shortens it while debugging.
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["SIM_SEED"].flatMap { UInt64($0) } ?? 20_260_101
    }

    @Test func tenYearsOfAStudioMatchTheReferenceModelEveryDay() throws {
        // Given a Berlin studio (two DST changes a year) with 1000 clients holding memberships,
        // packages and manual lots, on a manual clock driving the scheduler's DeadlineTimer
        var config = Simulation.Config(seed: Self.seed)
        if let days = ProcessInfo.processInfo.environment["SIM_DAYS"].flatMap(Int.init) { config.days = days }
        print("simulation seed \(config.seed) (replay: SIM_SEED=\(config.seed)), \(config.days) days, \(config.clients) clients")
        let simulation = try Simulation(config)
        let started = Date()

        // When ten years pass day by day, with random bookings, cancellations, sales, refunds,
        // issues, removals and membership changes at random instants of each day
        try simulation.run()

        // Then after every day each touched client's balance, debt, per-type credits and event sum
        // equal the model's, the day's events match kind by kind, and every 30 days all clients
        // match and verify is clean
        let s = simulation.stats
        print("simulation: \(s.daysChecked) days, \(s.operations) operations (\(s.rejected) rejected as predicted), "
              + "\(s.events) events, \(s.balancesCompared) balances compared, \(s.verifies) verifies, "
              + String(format: "%.1f s (set-up %.1f s)", Date().timeIntervalSince(started), simulation.setUpSeconds))
        print(String(format: "simulation: timer %.1f s (%d runs), operations %.1f s, checks %.1f s (verify %.1f s)",
                     s.timerSeconds, s.timerRuns, s.operationSeconds, s.checkSeconds, s.verifySeconds))
        let m = simulation.model
        print("simulation: \(m.memberships.count) memberships, \(m.purchases.count) purchases, \(m.bookings.count) bookings, "
              + "\(m.lotCount) lots")
        for divergence in simulation.divergences { print("DIVERGENCE " + divergence) }
        #expect(simulation.divergences.isEmpty)
        #expect(s.daysChecked == config.days)
    }
}
