import Dispatch
import Foundation
import Testing
@testable import CreditdKit

/// Shutdown with a hung scheduler: SIGTERM's last step, `LedgerBackend.stop`, must give up after
/// its timeout rather than wait forever for the scheduler's queue (in-process, on the real ledger).
@Suite struct HungSchedulerTests {
    @Test func stopGivesUpOnAHungSchedulerQueueAfterItsTimeout() throws {
        // Given the ledger backend with its scheduler queue blocked (as a hung scheduler tick would)
        let server = try InProcessServer()
        let unblock = DispatchSemaphore(value: 0)
        let blocked = DispatchSemaphore(value: 0)
        server.ledger.schedulerQueue.async {
            blocked.signal()
            unblock.wait()
        }
        blocked.wait()
        defer { unblock.signal() }
        // When it is stopped with a 1 s timeout
        let started = ContinuousClock.now
        server.ledger.stop(timeoutSeconds: 1)
        let waited = ContinuousClock.now - started
        // Then it waited for the scheduler about that long, and no longer
        #expect(waited >= .milliseconds(900) && waited < .seconds(10), "\(waited)")
    }

    @Test func stopReturnsAtOnceWhenTheSchedulerIsIdle() throws {
        // Given the ledger backend with an idle scheduler
        let server = try InProcessServer()
        // When it is stopped with a long timeout
        let started = ContinuousClock.now
        server.ledger.stop(timeoutSeconds: 30)
        // Then it did not wait for the timeout
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
