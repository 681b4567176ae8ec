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
    let timer: DeadlineTimer
    private let backupDirectory: String
    private let connections: @Sendable () -> Int
    private let status = StatusLine()
    /// Held for the daemon's life: no second creditd on this database (nil on read-only media).
    private let databaseLock: DatabaseLock?
    private let refusedWrites: RefusedWriteLog
    let metrics: DaemonMetrics
    /// The database file whose size (and its WAL's) the metrics report; "" in memory.
    let databasePath: String
    /// How long systemd is asked to wait for start-up while migrations run.
    private static let migrationTimeoutUsec = 3_600_000_000

    convenience init(config: DaemonConfig, testClock: Date?, hub: SubscriptionHub, logger: Logger,
                     connections: @escaping @Sendable () -> Int, metrics: DaemonMetrics = DaemonMetrics()) throws {
        let directory = (config.databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory,
                                                withIntermediateDirectories: true)
        let databaseLock = try DatabaseLock.acquire(databasePath: config.databasePath)
        let studio = Studio(timeZone: config.studio.timeZone, currency: config.studio.currency)
        let ledger: Ledger
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
            if let reason = ledger.readOnlyReason {
                logger.warning("\(reason): serving reads, every write is unavailable until creditd restarts")
            }
        } catch {
            throw DaemonError(description: "cannot open the ledger at \(config.databasePath): \(error.wire.message)")
        }
        // The ledger keeps its own studio settings: the config's [studio] only seeded a new database.
        try StudioSeed.check(config: config, ledger: ledger, logger: logger)
        let manualClock = testClock.map { ManualClock(nowMs: Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
        self.init(ledger: ledger, manualClock: manualClock, databaseLock: databaseLock,
                  databasePath: config.databasePath,
                  backupDirectory: (directory.isEmpty ? "." : directory) + "/backups", hub: hub, logger: logger,
                  connections: connections, metrics: metrics)
    }

    /// The backend around an open ledger: on `manualClock` (a test clock) or the system clock.
    /// Also what the fuzz target serves its inputs with (no lock: an in-memory ledger).
    init(ledger: Ledger, manualClock: ManualClock?, databaseLock: DatabaseLock? = nil, databasePath: String = "",
         backupDirectory: String, hub: SubscriptionHub, logger: Logger, connections: @escaping @Sendable () -> Int,
         metrics: DaemonMetrics = DaemonMetrics()) {
        self.ledger = ledger
        self.metrics = metrics
        self.databasePath = databasePath
        self.manualClock = manualClock
        self.databaseLock = databaseLock
        clock = manualClock ?? SystemClock()
        self.backupDirectory = backupDirectory
        refusedWrites = RefusedWriteLog(logger: logger, clock: clock)
        ledger.setFaultHook { fault in
            logger.error("\(fault)")
            Systemd.status("WRITES REFUSED: \(fault)")
        }
        self.connections = connections
        // 4096 deadlines a transaction: an expiry storm is bounded by fsyncs (~3 ms each here), and a
        // batch of lot expiries takes ~10 ms, so writers wait at most that long (readers never do).
        timer = DeadlineTimer(clock: clock, processor: ledger, queue: schedulerQueue, batchMax: 4096) { error in
            logger.error("scheduler: \(error)")
        }
        ledger.setDeadlineHook { [timer] in timer.deadlineMayHaveMoved() }
        ledger.setSkippedDeadlineHook { kind, subject, atMs, reason in
            logger.error("scheduler: skipped \(kind) of \(subject) due \(Timestamp(ms: atMs)): \(reason); daemon.verify lists it")
        }
        // This runs on the single writer before the batch's replies go out: build and encode only what
        // a subscriber takes (with none connected, nothing), so publishing costs writes nothing.
        ledger.setCommitHook(wanted: { hub.hasSubscribers }) { items in
            hub.publish(items.compactMap { item in
                guard hub.wants(client: item.client, kind: item.event.rawValue) else { return nil }
                return (try? WireCoding.encode(item)).map { PublishedEvent(client: item.client, kind: item.event.rawValue, json: $0) }
            })
        }
        // An import commit a crash interrupted is finished (or, still checking, dropped) first.
        do {
            for id in try ledger.recoverImports(nowMs: { [clock] in clock.nowMs() }) {
                logger.notice("finished import \(id), whose commit was interrupted")
            }
        } catch {
            logger.error("cannot finish an interrupted import commit: \(error.wire.message)")
        }
        // Catch-up: overdue work is processed, in deadline order, before the socket is served.
        timer.start()
        refreshStatus()
        metrics.setLedgerGauges { [weak self] in self?.ledgerGauges() }
    }

    func read(_ call: Call) throws(WireError) -> Data {
        switch call.method {
        case .daemonStatus:
            _ = try WireCoding.decode(EmptyParams.self, call)
            return try WireCoding.encode(daemonStatus())
        case .daemonMetrics:
            _ = try WireCoding.decode(EmptyParams.self, call)
            return try WireCoding.encode(MetricsResult(contentType: PrometheusText.contentType, text: metrics.exposition()))
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
        let outcomes = ledger.performBatch(writes.map(\.operation), nowMs: clock.nowMs()).map { $0.mapError(\.wire) }
        refreshStatus()
        refusedWrites.note(outcomes)
        return outcomes
    }

    /// `import.commit` runs in bounded transactions (`Ledger.commitImport`), never as one long
    /// transaction of the group-commit writer: a 200,000-row import held every writer 12.8 s.
    func runsApart(_ write: PreparedWrite) -> Bool {
        write.call.method == .importCommit
    }

    func writeApart(_ write: PreparedWrite) -> Result<RawResult, WireError> {
        defer { refreshStatus() }
        do {
            let params = try WireCoding.decode(ImportCommitParams.self, write.call)
            let result = try ledger.commitImport(params, by: Actor(user: write.call.caller.userName),
                                                 nowMs: { [clock] in clock.nowMs() })
            guard let result else { throw WireError(.internalError, "the import commit stopped") }
            return .success(RawResult(json: try WireCoding.encode(result)))
        } catch let error as WireError {
            return .failure(error)
        } catch let error as LedgerError {
            return .failure(error.wire)
        } catch {
            return .failure(WireError(.internalError, "\(error)"))
        }
    }

    private func daemonStatus() throws(WireError) -> DaemonStatus {
        let counts: (lots: Int64, events: Int64)
        do { counts = try ledger.counts() } catch { throw error.wire }
        let stats = timer.stats
        return DaemonStatus(
            version: Daemon.version, protocol: Limits.protocolVersion, now: Timestamp(ms: clock.nowMs()),
            testClock: manualClock != nil, connections: connections(), lots: counts.lots, events: counts.events,
            scheduler: SchedulerStatus(processed: stats.processed, nextDeadline: stats.nextDeadlineMs.map(Timestamp.init(ms:)),
                                       lagMs: LagFigures(p50: stats.lagP50Ms, p99: stats.lagP99Ms, max: stats.lagMaxMs),
                                       overdueAtCreation: stats.overdueAtCreation,
                                       skipped: (try? ledger.skippedDeadlineCount()) ?? 0),
            fault: writeFault)
    }

    /// `daemon.backup`: SQLite's online backup into the state directory's `backups/` folder.
    private func backup(_ params: BackupParams) throws(WireError) -> Data {
        let name = params.path
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
        else {
            throw WireError(.invalidParams, "path must be a file name of letters, digits, '.', '_' or '-' (no directories)")
        }
        return try WireCoding.encode(try BackupFile.write(ledger, directory: backupDirectory, name: name))
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
            // The clock stays within the instants the protocol carries, like every other instant.
            guard Timestamp(ms: manualClock.nowMs() + seconds * 1000).isInRange else {
                throw WireError(.invalidParams, "seconds would move the clock past \(Timestamp.latest)")
            }
            manualClock.advance(seconds: seconds)
        }
        timer.runDueNow()
        refreshStatus()
        return try WireCoding.encode(ClockResult(now: Timestamp(ms: manualClock.nowMs())))
    }

    /// Why writes are refused for good (until restart), if they are: the database file removed
    /// or replaced while serving, or a read-only open (read-only media, a full disk at start).
    var writeFault: String? {
        ledger.databaseFault ?? ledger.readOnlyReason.map { "\($0): serving reads only, every write is unavailable until creditd restarts" }
    }

    /// STATUS= for systemctl status, at most once a second.
    private func refreshStatus() {
        guard status.due(nowMs: SystemClock().nowMs()) else { return }
        if let fault = writeFault {
            Systemd.status("WRITES REFUSED: \(fault)")
            return
        }
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
