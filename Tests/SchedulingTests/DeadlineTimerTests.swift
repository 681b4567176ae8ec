import Dispatch
import Foundation
import Testing
@testable import Scheduling

private let t0: Int64 = 1_790_000_000_000
private let minuteMs: Int64 = 60_000

private func makeTimer(_ clock: any Clock, _ processor: FakeProcessor, batchMax: Int = 512,
                       errors: ErrorLog = ErrorLog(),
                       queue: DispatchQueue = DispatchQueue(label: "test.deadlines")) -> DeadlineTimer {
    DeadlineTimer(clock: clock, processor: processor, queue: queue,
                  batchMax: batchMax, onError: { errors.append($0) })
}

@Suite struct DeadlineOrderTests {
    @Test func totalOrder() {
        // Given deadlines sharing instants / When sorted / Then by instant, then kind, then subject id (bytes)
        let a = Deadline(atMs: 5, kind: .expireLot, subjectId: "b")
        let b = Deadline(atMs: 5, kind: .expireLot, subjectId: "a")
        let c = Deadline(atMs: 5, kind: .settleCancellation, subjectId: "z")
        let e = Deadline(atMs: 4, kind: .idempotencyCleanup, subjectId: "z")
        let f = Deadline(atMs: 5, kind: .expireLot, subjectId: "B")
        #expect([a, b, c, e, f].sorted() == [e, c, f, b, a])
        #expect(DeadlineKind.allCases.sorted() == [.settleCancellation, .completeBooking, .expireLot,
                                                    .membershipBoundary, .idempotencyCleanup])
    }
}

@Suite struct DeadlineTimerManualClockTests {
    @Test func catchUpProcessesOverdueInOrderInBoundedBatches() {
        // Given 1000 overdue deadlines in scrambled order, of every kind, and 3 in the future
        var overdue: [Deadline] = []
        for i in 0..<1000 {
            let kind = DeadlineKind.allCases[i % 5]
            overdue.append(Deadline(atMs: t0 - Int64((i * 7919) % 400) * minuteMs, kind: kind, subjectId: "s\(i)"))
        }
        let future = (1...3).map { Deadline(atMs: t0 + Int64($0) * minuteMs, kind: .expireLot, subjectId: "f\($0)") }
        let processor = FakeProcessor((overdue + future).shuffled())
        let timer = makeTimer(ManualClock(nowMs: t0), processor, batchMax: 64)
        // When the timer starts
        timer.start()
        // Then everything overdue was processed, in deadline order, 64 at most per transaction
        #expect(processor.processed == overdue.sorted())
        #expect(processor.batchSizes == Array(repeating: 64, count: 15) + [40])
        #expect(processor.pendingCount == 3)
        #expect(timer.stats.processed == 1000)
        #expect(timer.stats.nextDeadlineMs == t0 + minuteMs)
        timer.stop()
    }

    @Test func exactMultipleOfBatchMaxEndsWithAnEmptyBatch() {
        // Given exactly two batches' worth of overdue work
        let processor = FakeProcessor((0..<20).map { Deadline(atMs: t0 - Int64($0), kind: .expireLot, subjectId: "\($0)") })
        let timer = makeTimer(ManualClock(nowMs: t0), processor, batchMax: 10)
        // When caught up / Then a short (empty) batch ends the loop
        timer.start()
        #expect(processor.batchSizes == [10, 10, 0])
        #expect(timer.stats.nextDeadlineMs == nil)
        timer.stop()
    }

    @Test func runDueNowAfterAdvancing() {
        // Given deadlines 10, 20 and 30 minutes ahead of a manual clock
        let clock = ManualClock(nowMs: t0)
        let processor = FakeProcessor((1...3).map {
            Deadline(atMs: t0 + Int64($0) * 10 * minuteMs, kind: .completeBooking, subjectId: "b\($0)")
        })
        let timer = makeTimer(clock, processor)
        timer.start()
        #expect(processor.processed.isEmpty)
        // When the clock advances 15 minutes / Then exactly the first is processed
        clock.advance(seconds: 15 * 60)
        #expect(timer.runDueNow() == 1)
        #expect(processor.processed.map(\.subjectId) == ["b1"])
        #expect(timer.stats.nextDeadlineMs == t0 + 20 * minuteMs)
        // When it advances to exactly the third deadline / Then due-at-now counts as due
        clock.set(nowMs: t0 + 30 * minuteMs)
        #expect(timer.runDueNow() == 2)
        #expect(processor.processed.map(\.subjectId) == ["b1", "b2", "b3"])
        #expect(timer.stats.nextDeadlineMs == nil)
        // When run again / Then nothing more happens
        #expect(timer.runDueNow() == 0)
        timer.stop()
    }

    @Test func clockSteppedBackThenForwardNeitherRepeatsNorMisses() {
        // Given a deadline every 10 minutes for 3 hours, and the clock 1 h in
        let clock = ManualClock(nowMs: t0 + 60 * minuteMs)
        let all = (0...18).map { Deadline(atMs: t0 + Int64($0) * 10 * minuteMs, kind: .expireLot, subjectId: "l\($0)") }
        let processor = FakeProcessor(all)
        let timer = makeTimer(clock, processor, batchMax: 4)
        timer.start()
        #expect(processor.processed == Array(all[0...6]))
        // When the wall clock steps back 1 h / Then nothing is processed again, and the timer
        // re-reads the next deadline rather than remembering a stale one
        clock.advance(seconds: -3_600)
        #expect(timer.runDueNow() == 0)
        clock.advance(seconds: 30 * 60)
        #expect(timer.runDueNow() == 0)
        #expect(timer.stats.nextDeadlineMs == t0 + 70 * minuteMs)
        // When it steps forward past the old time by another hour / Then exactly the missing ones run
        clock.set(nowMs: t0 + 120 * minuteMs)
        #expect(timer.runDueNow() == 6)
        #expect(processor.processed == Array(all[0...12]))
        #expect(Set(processor.processed).count == processor.processed.count)
        // When it jumps forward 1 h at once / Then the rest run, in order
        clock.advance(seconds: 3_600)
        #expect(timer.runDueNow() == 6)
        #expect(processor.processed == all)
        #expect(timer.stats.processed == 19)
        timer.stop()
    }

    @Test func processingThatCreatesDueWorkIsFollowedInTheSameRun() {
        // Given a membership boundary whose processing schedules the next boundary a week later
        let weekMs: Int64 = 7 * 86_400_000
        let processor = FakeProcessor([Deadline(atMs: t0, kind: .membershipBoundary, subjectId: "m1")]) { done in
            Deadline(atMs: done.atMs + weekMs, kind: .membershipBoundary, subjectId: done.subjectId)
        }
        let clock = ManualClock(nowMs: t0 - 1)
        let timer = makeTimer(clock, processor, batchMax: 1)
        timer.start()
        // When the clock jumps 5 weeks ahead
        clock.advance(seconds: 5 * 7 * 86_400)
        // Then every boundary up to now is processed in one call, and the next one is armed
        #expect(timer.runDueNow() == 5)
        #expect(processor.processed.map(\.atMs) == (0..<5).map { t0 + Int64($0) * weekMs })
        #expect(timer.stats.nextDeadlineMs == t0 + 5 * weekMs)
        timer.stop()
    }

    @Test func statsRecordLag() {
        // Given deadlines 0, 500 and 1000 ms after the start, known before they are due
        let processor = FakeProcessor([
            Deadline(atMs: t0, kind: .expireLot, subjectId: "a"),
            Deadline(atMs: t0 + 500, kind: .expireLot, subjectId: "b"),
            Deadline(atMs: t0 + 1_000, kind: .expireLot, subjectId: "c"),
            Deadline(atMs: t0 + 30 * 86_400_000, kind: .expireLot, subjectId: "late"),
        ])
        let clock = ManualClock(nowMs: t0 - 1)
        let timer = makeTimer(clock, processor)
        #expect(timer.stats == SchedulerStats())
        timer.start()
        // When the timer runs 1000 ms after the first / Then lag is now - due per deadline
        clock.set(nowMs: clock.nowMs() + 1_001)
        #expect(timer.runDueNow() == 3)
        let stats = timer.stats
        #expect(stats.processed == 3)
        #expect(stats.lagP50Ms == 500)
        #expect(stats.lagP99Ms == 1_000)
        #expect(stats.lagMaxMs == 1_000)
        #expect(stats.errors == 0 && stats.overdueAtCreation == 0)
        // And a long downtime's lag is reported exactly as the maximum
        clock.set(nowMs: clock.nowMs() + 60 * 86_400_000)
        #expect(timer.runDueNow() == 1)
        #expect(timer.stats.lagMaxMs == 30 * 86_400_000 + 1_000)
        timer.stop()
    }

    @Test func workCreatedAlreadyOverdueIsCountedApartFromTheLag() {
        // Given a timer caught up at t0, with a deadline overdue before the start (catch-up)
        let processor = FakeProcessor([Deadline(atMs: t0 - 86_400_000, kind: .expireLot, subjectId: "before-start")])
        let clock = ManualClock(nowMs: t0)
        let timer = makeTimer(clock, processor)
        timer.start()
        // When work due ten years and a day ago is created, and the clock moves on a second
        processor.add(Deadline(atMs: t0 - 3_650 * 86_400_000, kind: .expireLot, subjectId: "entered-late"))
        processor.add(Deadline(atMs: Int64(-62_135_596_800_000), kind: .expireLot, subjectId: "year-0001"))
        clock.set(nowMs: clock.nowMs() + 1_000)
        #expect(timer.runDueNow() == 2)
        // Then none of the three is lag: they are counted apart
        let stats = timer.stats
        #expect(stats.processed == 3 && stats.overdueAtCreation == 3)
        #expect(stats.lagMaxMs == 0 && stats.lagP99Ms == 0)
        timer.stop()
    }

    @Test func errorsAreReportedAndTheNextRunRetries() {
        // Given a processor that fails once
        let errors = ErrorLog()
        let processor = FakeProcessor([Deadline(atMs: t0, kind: .expireLot, subjectId: "a")])
        processor.failNext(1)
        let timer = makeTimer(ManualClock(nowMs: t0), processor, errors: errors)
        // When started / Then the error is reported and nothing processed
        timer.start()
        #expect(errors.errors.count == 1 && errors.errors.first is InjectedFailure)
        #expect(timer.stats.errors == 1)
        #expect(processor.processed.isEmpty)
        // When run again / Then the work is done
        #expect(timer.runDueNow() == 1)
        timer.stop()
    }

    @Test func aStalledProcessorDoesNotSpin() {
        // Given a processor claiming a due deadline it never processes
        let errors = ErrorLog()
        let processor = FakeProcessor()
        processor.lyingNextMs = t0 - 1
        let timer = makeTimer(ManualClock(nowMs: t0), processor, errors: errors)
        // When started / Then it reports the inconsistency once and returns
        timer.start()
        #expect(errors.errors.compactMap { $0 as? DeadlineTimerError }
                == [.processorStalled(nextDeadlineMs: t0 - 1, nowMs: t0)])
        timer.stop()
    }

    @Test func manualClockDeadlineMovedOnlyRefreshesStats() {
        // Given a running timer on a manual clock with nothing scheduled
        let queue = DispatchQueue(label: "test.moved")
        let processor = FakeProcessor()
        let timer = DeadlineTimer(clock: ManualClock(nowMs: t0), processor: processor, queue: queue, onError: { _ in })
        timer.start()
        // When a write adds an overdue and a future deadline
        processor.add(Deadline(atMs: t0 - 1, kind: .expireLot, subjectId: "x"))
        processor.add(Deadline(atMs: t0 + 1, kind: .expireLot, subjectId: "y"))
        timer.deadlineMayHaveMoved()
        timer.deadlineMayHaveMoved()
        queue.sync {}
        // Then the next deadline is known but only runDueNow processes work
        #expect(timer.stats.nextDeadlineMs == t0 - 1)
        #expect(processor.processed.isEmpty)
        #expect(timer.runDueNow() == 1)
        timer.stop()
    }

    @Test func manualClockNeverFiresByWallTime() {
        // Given a manual clock pinned at real now and a deadline 20 ms later in wall time
        let now = SystemClock().nowMs()
        let fired = DispatchSemaphore(value: 0)
        let processor = FakeProcessor([Deadline(atMs: now + 20, kind: .expireLot, subjectId: "w")])
        processor.onBatch = { if !$0.isEmpty { fired.signal() } }
        let timer = makeTimer(ManualClock(nowMs: now), processor)
        timer.start()
        // When wall time passes the deadline / Then nothing fires
        #expect(fired.wait(timeout: .now() + .milliseconds(300)) == .timedOut)
        #expect(processor.processed.isEmpty)
        timer.stop()
    }

    @Test func stoppedTimerDoesNothing() {
        // Given a stopped timer with overdue work
        let processor = FakeProcessor([Deadline(atMs: t0 - 1, kind: .expireLot, subjectId: "a")])
        let clock = ManualClock(nowMs: t0 - 10)
        let timer = makeTimer(clock, processor)
        timer.start()
        timer.stop()
        clock.advance(seconds: 1)
        // When asked to run / Then it does nothing
        #expect(timer.runDueNow() == 0)
        timer.deadlineMayHaveMoved()
        #expect(processor.processed.isEmpty)
    }
}

@Suite struct DeadlineTimerSystemClockTests {
    @Test func realTimerFiresForNearDeadlinesIncludingEarlierOnesAddedLater() {
        // Given one deadline 150 ms ahead on the system clock
        let clock = SystemClock()
        let now = clock.nowMs()
        let done = DispatchSemaphore(value: 0)
        let processor = FakeProcessor([Deadline(atMs: now + 150, kind: .expireLot, subjectId: "c")])
        processor.onBatch = { batch in for _ in batch { done.signal() } }
        let errors = ErrorLog()
        let queue = DispatchQueue(label: "test.real")
        let timer = makeTimer(clock, processor, errors: errors, queue: queue)
        timer.start()
        // When two earlier deadlines are written after start and the timer is told
        processor.add(Deadline(atMs: now + 50, kind: .expireLot, subjectId: "a"))
        processor.add(Deadline(atMs: now + 100, kind: .expireLot, subjectId: "b"))
        timer.deadlineMayHaveMoved()
        // Then all three are processed, in order, none before it was due
        let deadline = DispatchTime.now() + .seconds(5)
        for _ in 0..<3 { #expect(done.wait(timeout: deadline) == .success) }
        queue.sync {}  // the batch is signalled from inside processDue; let the tick finish
        #expect(processor.processed.map(\.subjectId) == ["a", "b", "c"])
        let stats = timer.stats
        #expect(stats.processed == 3)
        #expect(stats.nextDeadlineMs == nil)
        #expect(stats.lagMaxMs < 1_000)
        #expect(errors.errors.isEmpty)
        timer.stop()
    }

    @Test func idleTimerMakesNoWakeups() {
        // Given a running timer on the system clock with nothing scheduled, and one a day away
        for pending in [[], [Deadline(atMs: SystemClock().nowMs() + 86_400_000, kind: .expireLot, subjectId: "far")]] {
            let processor = FakeProcessor(pending)
            let queue = DispatchQueue(label: "test.idle")
            let timer = makeTimer(SystemClock(), processor, queue: queue)
            timer.start()
            queue.sync {}
            let callsAfterStart = processor.calls
            // When wall time passes / Then the processor is not consulted at all (nothing polls)
            let never = DispatchSemaphore(value: 0)
            _ = never.wait(timeout: .now() + .milliseconds(250))
            queue.sync {}
            #expect(processor.calls == callsAfterStart)
            timer.stop()
        }
    }

    @Test func failedTickIsRetriedByTheWallTimer() {
        // Given an overdue deadline and a processor that fails on the first attempt
        let errors = ErrorLog()
        let done = DispatchSemaphore(value: 0)
        let processor = FakeProcessor([Deadline(atMs: SystemClock().nowMs() - 10, kind: .expireLot, subjectId: "a")])
        processor.onBatch = { if !$0.isEmpty { done.signal() } }
        processor.failNext(1)
        let timer = makeTimer(SystemClock(), processor, errors: errors)
        // When started
        timer.start()
        #expect(errors.errors.count == 1)
        // Then the timer retries by itself after its first backoff (1 s) and succeeds
        #expect(done.wait(timeout: .now() + .seconds(5)) == .success)
        #expect(processor.processed.map(\.subjectId) == ["a"])
        timer.stop()
    }
}
