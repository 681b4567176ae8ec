import CreditProtocol
import GRDB

/// The Ledger's batch engine: a group commit's operations in one SQLite transaction, each as
/// if in its own savepoint, with savepoints taken only when an operation that wrote fails
/// (the facade's `perform` and `performBatch` are its entry points).
extension Ledger {
    /// Applies operations in ONE transaction, each with its own result, as if each ran in its own
    /// savepoint: a failing operation is rolled back alone. When the commit itself fails, every
    /// operation fails with it.
    public func performBatch<R>(_ operations: [LedgerOperation<R>], nowMs: Int64) -> [Result<R, LedgerError>] {
        precondition(!operations.isEmpty)
        if let fault = fileWatch?.latched { return operations.map { _ in .failure(.unavailable(fault)) } }
        // Savepoints cost a sub-journal copy of every page an operation touches, so operations run
        // without one while they can: one that fails before writing anything needs no rollback. One
        // that fails after writing rolls the whole transaction back, and the batch runs again with
        // savepoints from that operation on (operations are deterministic: the prefix gives the same
        // results again). Each pass moves the first savepointed operation earlier, so this ends.
        var savepointsFrom = operations.count
        while true {
            switch runBatch(operations, nowMs: nowMs, savepointsFrom: savepointsFrom) {
            case .done(let results): return results
            case .wroteThenFailed(let index):
                precondition(index < savepointsFrom)
                savepointsFrom = index
            }
        }
    }

    fileprivate enum BatchPass<R> {
        case done([Result<R, LedgerError>])
        /// The operation at this index failed after writing without a savepoint to roll back to.
        case wroteThenFailed(Int)
    }

    /// Thrown out of `write` to roll the whole transaction back.
    fileprivate struct WroteThenFailed: Error { let index: Int }

    /// One attempt at a batch: operations before `savepointsFrom` run without a savepoint (unless
    /// they roll back by design), the rest each in their own.
    fileprivate func runBatch<R>(_ operations: [LedgerOperation<R>], nowMs: Int64,
                             savepointsFrom: Int) -> BatchPass<R> {
        var results: [Result<R, LedgerError>] = []
        var committed: [EventRecord] = []
        var deadlinesMoved = false
        do {
            try writer.write { db in
                results = []
                results.reserveCapacity(operations.count)
                // A fresh Tx per attempt: events, deadline hint and caches start empty again.
                let tx = Tx(db: db, nowMs: nowMs, ledger: self)
                for (index, operation) in operations.enumerated() {
                    if index < savepointsFrom && !operation.dryRun {
                        guard let result = applyWithoutSavepoint(operation, in: tx) else {
                            throw WroteThenFailed(index: index)
                        }
                        results.append(result)
                    } else {
                        results.append(apply(operation, in: tx))
                    }
                }
                committed = tx.events
                deadlinesMoved = tx.deadlinesMoved
            }
        } catch let error as WroteThenFailed {
            return .wroteThenFailed(error.index)
        } catch {
            let failure = LedgerError.from(error)
            return .done(operations.map { _ in .failure(failure) })
        }
        readers.commits.committed()
        // Checked before anyone hears of the commit: a commit into a removed file is lost.
        if let fault = fileWatch?.check() { return .done(operations.map { _ in .failure(.unavailable(fault)) }) }
        hooks.afterCommit(count: committed.count, events: committed.map(\.item), deadlinesMoved: deadlinesMoved)
        return .done(results)
    }

    /// Runs `operation` with no savepoint. Its failure is its result when it changed no row (SQLite
    /// undid any failing statement itself) and the transaction is still open; nil when it changed
    /// something, which only a rollback of the whole transaction can undo.
    fileprivate func applyWithoutSavepoint<R>(_ operation: LedgerOperation<R>, in tx: Tx) -> Result<R, LedgerError>? {
        let changes = tx.db.totalChangesCount
        let eventCount = tx.events.count
        let moved = tx.deadlinesMoved
        tx.actor = operation.actor
        do {
            return .success(try Idempotency.run(operation, in: tx))
        } catch {
            guard tx.db.totalChangesCount == changes, tx.db.isInsideTransaction else { return nil }
            tx.rewind(events: eventCount, deadlinesMoved: moved)
            return .failure(LedgerError.from(error))
        }
    }

    fileprivate func apply<R>(_ operation: LedgerOperation<R>, in tx: Tx) -> Result<R, LedgerError> {
        let eventCount = tx.events.count
        let moved = tx.deadlinesMoved
        var result: Result<R, LedgerError> = .failure(.internalError("not run"))
        do {
            try Ledger.inSavepoint(tx) {
                tx.actor = operation.actor
                do {
                    let value = try Idempotency.run(operation, in: tx)
                    result = .success(value)
                    return operation.dryRun ? .rollback : .commit
                } catch {
                    result = .failure(LedgerError.from(error))
                    return .rollback
                }
            }
        } catch {
            result = .failure(LedgerError.from(error))
        }
        if case .failure = result { tx.rewind(events: eventCount, deadlinesMoved: moved) }
        if operation.dryRun { tx.rewind(events: eventCount, deadlinesMoved: moved) }
        return result
    }

    fileprivate static let savepointSQL = HotSQL("SAVEPOINT grdb")
    fileprivate static let releaseSQL = HotSQL("RELEASE SAVEPOINT grdb")
    fileprivate static let rollbackSQL = HotSQL("ROLLBACK TRANSACTION TO SAVEPOINT grdb")

    /// GRDB's `Database.inSavepoint` inside a transaction: the same statements in the same order and
    /// rules, prepared once per transaction and run with SQLite's C API (`Statement.run`). GRDB
    /// does not see these savepoints; it would only need them for transaction observers, which the
    /// Store does not register (its commit hook is its own, after `write` returns).
    static func inSavepoint(_ tx: Tx, _ operations: () throws -> Database.TransactionCompletion) throws {
        precondition(tx.db.isInsideTransaction, "operations run inside performBatch's transaction")
        try tx.statement(savepointSQL).run { _ in }
        var firstError: Error?
        let needsRollback: Bool
        do {
            switch try operations() {
            case .commit:
                // As GRDB: a transaction SQLite rolled back on its own is SQLITE_ABORT, not "no such savepoint".
                guard tx.db.isInsideTransaction else {
                    throw DatabaseError(resultCode: .SQLITE_ABORT, message: "Transaction was aborted")
                }
                try tx.statement(releaseSQL).run { _ in }
                needsRollback = false
            case .rollback:
                needsRollback = true
            }
        } catch {
            firstError = error
            needsRollback = true
        }
        if needsRollback {
            do {
                // Rolling back alone does not remove the savepoint from SQLite's stack.
                try tx.statement(rollbackSQL).run { _ in }
                try tx.statement(releaseSQL).run { _ in }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }
}
