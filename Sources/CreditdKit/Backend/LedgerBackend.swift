import CreditProtocol
import Dispatch
import Foundation
import Logging
import Scheduling
import Store

/// The daemon's ledger: Store's `Ledger` behind the `Backend` protocol, with the scheduler's
/// timer, event publishing and the daemon-level methods (status, backup, test clock).
final class LedgerBackend: Backend, @unchecked Sendable {
    let ledger: Ledger
    let clock: any Clock
    let manualClock: ManualClock?
    let schedulerQueue = DispatchQueue(label: "creditd.scheduler")
    private let timer: DeadlineTimer
    private let backupDirectory: String
    private let connections: @Sendable () -> Int
    private let status = StatusLine()
    /// How long systemd is asked to wait for start-up while migrations run.
    private static let migrationTimeoutUsec = 3_600_000_000

    init(config: DaemonConfig, testClock: Date?, hub: SubscriptionHub, logger: Logger,
         connections: @escaping @Sendable () -> Int) throws {
        let directory = (config.databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory,
                                                withIntermediateDirectories: true)
        let studio = Studio(timeZone: config.studio.timeZone, currency: config.studio.currency)
        do {
            ledger = try Ledger(path: config.databasePath, studio: studio,
                                idempotencyRetentionDays: config.idempotencyRetentionDays) { pending in
                // Some migrations rebuild whole tables: on a large ledger they outlast systemd's
                // start-up timeout, which would kill the daemon mid-migration (it rolls back, and the
                // next start would be killed the same way). Ask for an hour and say why.
                logger.notice("migrating the schema: \(pending.joined(separator: ", "))")
                Systemd.notify("EXTEND_TIMEOUT_USEC=\(Self.migrationTimeoutUsec)")
                Systemd.status("migrating the schema: \(pending.joined(separator: ", "))")
            }
            // The config's [studio] is authoritative: applied at every start (not possible read-only).
            if ledger.isReadOnly {
                logger.warning("the database is on read-only media: serving reads, every write is unavailable")
            } else {
                _ = try ledger.perform(Ledger.studioUpdate(StudioUpdateParams(timeZone: studio.timeZone,
                                                                              currency: studio.currency),
                                                           by: .scheduler), nowMs: SystemClock().nowMs())
            }
        } catch {
            throw DaemonError(description: "cannot open the ledger at \(config.databasePath): \(error.wire.message)")
        }
        if let testClock {
            let manual = ManualClock(nowMs: Int64((testClock.timeIntervalSince1970 * 1000).rounded()))
            manualClock = manual
            clock = manual
        } else {
            manualClock = nil
            clock = SystemClock()
        }
        backupDirectory = (directory.isEmpty ? "." : directory) + "/backups"
        self.connections = connections
        // 4096 deadlines a transaction: an expiry storm is bounded by fsyncs (~3 ms each here), and a
        // batch of lot expiries takes ~10 ms, so writers wait at most that long (readers never do).
        timer = DeadlineTimer(clock: clock, processor: ledger, queue: schedulerQueue, batchMax: 4096) { error in
            logger.error("scheduler: \(error)")
        }
        ledger.setDeadlineHook { [timer] in timer.deadlineMayHaveMoved() }
        // This runs on the single writer before the batch's replies go out: build and encode only what
        // a subscriber takes (with none connected, nothing), so publishing costs writes nothing.
        ledger.setCommitHook(wanted: { hub.hasSubscribers }) { items in
            hub.publish(items.compactMap { item in
                guard hub.wants(client: item.client, kind: item.event.rawValue) else { return nil }
                return (try? WireCoding.encode(item)).map { PublishedEvent(client: item.client, kind: item.event.rawValue, json: $0) }
            })
        }
        // Catch-up: overdue work is processed, in deadline order, before the socket is served.
        timer.start()
        refreshStatus()
    }

    func read(_ call: Call) throws(WireError) -> Data {
        switch call.method {
        case .daemonStatus:
            _ = try WireCoding.decode(EmptyParams.self, call)
            return try WireCoding.encode(daemonStatus())
        case .daemonBackup: return try backup(try WireCoding.decode(BackupParams.self, call))
        case .clockSet, .clockAdvance: return try moveClock(call)
        default: return try ReadMethods.run(call, ledger: ledger, nowMs: clock.nowMs())
        }
    }

    func isSlow(_ call: Call) -> Bool {
        switch call.method {
        // A scan of the whole ledger, a copy of the database, a catch-up of every deadline a
        // clock move makes due, an aggregate over a period: milliseconds to minutes.
        case .daemonVerify, .daemonBackup, .clockSet, .clockAdvance, .usageSummary, .reportExpiring,
             .reportActivity, .reportLiability: return true
        default: return false
        }
    }

    /// Stops the scheduler's timer, letting a tick in progress commit; gives up after
    /// `timeoutSeconds` (a hung scheduler queue must not hold the shutdown forever).
    func stop(timeoutSeconds: Int) {
        let stopped = DispatchSemaphore(value: 0)
        schedulerQueue.async { [timer] in
            timer.stop()
            stopped.signal()
        }
        _ = stopped.wait(timeout: .now() + .seconds(timeoutSeconds))
    }

    /// Decodes the params into the ledger operation (JSON decoding, and the canonical params text
    /// of an idempotency key): work done on the connection's event loop, not the single writer.
    func prepare(_ call: Call) throws(WireError) -> PreparedWrite {
        PreparedWrite(call: call, operation: try WriteMethods.operation(for: call))
    }

    /// One transaction for the whole batch, a savepoint per call. Runs on the single writer's thread.
    func prepareEventLoopThread(scheduleEnd: @escaping (@escaping @Sendable () -> Void) -> Void) {
        ledger.installReadPass(scheduleEnd: scheduleEnd)
    }

    func write(_ writes: [PreparedWrite]) -> [Result<RawResult, WireError>] {
        let operations = writes.map { write in
            guard let operation = write.operation else { preconditionFailure("a write not prepared by LedgerBackend") }
            return operation
        }
        let outcomes = ledger.performBatch(operations, nowMs: clock.nowMs())
        refreshStatus()
        return outcomes.map { $0.mapError(\.wire) }
    }

    private func daemonStatus() throws(WireError) -> DaemonStatus {
        let counts: (lots: Int64, events: Int64)
        do { counts = try ledger.counts() } catch { throw error.wire }
        let stats = timer.stats
        return DaemonStatus(
            version: Daemon.version, protocol: Limits.protocolVersion, now: Timestamp(ms: clock.nowMs()),
            testClock: manualClock != nil, connections: connections(), lots: counts.lots, events: counts.events,
            scheduler: SchedulerStatus(processed: stats.processed, nextDeadline: stats.nextDeadlineMs.map(Timestamp.init(ms:)),
                                       lagMs: LagFigures(p50: stats.lagP50Ms, p99: stats.lagP99Ms, max: stats.lagMaxMs)))
    }

    /// `daemon.backup`: SQLite's online backup into the state directory's `backups/` folder.
    private func backup(_ params: BackupParams) throws(WireError) -> Data {
        let name = params.path
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
        else {
            throw WireError(.invalidParams, "path must be a file name of letters, digits, '.', '_' or '-' (no directories)")
        }
        let target = backupDirectory + "/" + name
        guard !FileManager.default.fileExists(atPath: target) else {
            throw WireError(.alreadyExists, "backup \(target) already exists")
        }
        do {
            try FileManager.default.createDirectory(atPath: backupDirectory, withIntermediateDirectories: true)
        } catch {
            throw WireError(.unavailable, "cannot create \(backupDirectory): \(error.localizedDescription)")
        }
        do { try ledger.backup(to: target) } catch { throw error.wire }
        let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int64) ?? 0
        return try WireCoding.encode(BackupResult(path: target, bytes: size))
    }

    /// `clock.set` / `clock.advance`: only on a test clock; returns once everything due is done.
    private func moveClock(_ call: Call) throws(WireError) -> Data {
        guard let manualClock else {
            throw WireError(.methodNotFound, "\(call.method.rawValue) exists only when creditd runs with --test-clock")
        }
        if call.method == .clockSet {
            manualClock.set(nowMs: try WireCoding.decode(ClockSetParams.self, call).now.ms)
        } else {
            let seconds = try WireCoding.decode(ClockAdvanceParams.self, call).seconds
            guard seconds >= 0, seconds <= 100 * 366 * 86_400 else {
                throw WireError(.invalidParams, "seconds must be between 0 and 100 years")
            }
            manualClock.advance(seconds: seconds)
        }
        timer.runDueNow()
        refreshStatus()
        return try WireCoding.encode(ClockResult(now: Timestamp(ms: manualClock.nowMs())))
    }

    /// STATUS= for systemctl status, at most once a second.
    private func refreshStatus() {
        guard status.due(nowMs: SystemClock().nowMs()) else { return }
        let lots = (try? ledger.counts().lots) ?? 0
        let next = timer.stats.nextDeadlineMs.map { Timestamp(ms: $0).description } ?? "none"
        Systemd.status("serving \(connections()) connections; \(lots) lots; next deadline \(next)")
    }
}

/// Throttles status updates.
private final class StatusLine: @unchecked Sendable {
    private let lock = NSLock()
    private var lastMs: Int64 = 0
    func due(nowMs: Int64) -> Bool {
        lock.withLock {
            guard nowMs - lastMs >= 1000 else { return false }
            lastMs = nowMs
            return true
        }
    }
}
