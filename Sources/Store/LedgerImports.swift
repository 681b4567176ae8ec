import CreditProtocol
import GRDB

/// `import.commit` in bounded transactions, and its recovery at start (see `ImportCommits`).
extension Ledger {
    /// Staged rows checked or issued per transaction of `commitImport`: ~65 µs a row, so ~65 ms
    /// of the single writer at most.
    public static let importRowsPerTransaction = 1000

    /// Commits import `p.import` all-or-nothing in transactions of at most `rowsPerTransaction`
    /// rows each, so other writes run between them. Each transaction runs at `nowMs()`.
    /// `continueAfterTransaction` is asked before each further transaction: a test that answers
    /// false stops the commit as a crash would (the result is then nil).
    public func commitImport(_ p: ImportCommitParams, by actor: Actor, nowMs: () -> Int64,
                             rowsPerTransaction: Int = Ledger.importRowsPerTransaction,
                             continueAfterTransaction: () -> Bool = { true }) throws(LedgerError) -> ImportResult? {
        let paramsText = p.idempotencyKey == nil ? "" : Idempotency.canonical(p)
        let actor = Actor(user: actor.user, staff: p.staff ?? actor.staff)
        if let replayed = try importTransaction(nowMs: nowMs(), actor: actor, { tx in
            try ImportCommits.begin(tx, p, paramsText: paramsText)
        }) {
            return replayed
        }
        return try finishImport(p.import, actor: actor, nowMs: nowMs, rowsPerTransaction: max(rowsPerTransaction, 1),
                                continueAfterTransaction: continueAfterTransaction)
    }

    /// At start, before serving: a commit a crash left checking is dropped (nothing was issued,
    /// its rows stay staged); one it left applying is finished. Returns the imports finished.
    public func recoverImports(nowMs: () -> Int64) throws(LedgerError) -> [String] {
        guard !isReadOnly else { return [] }
        let applying: [String]
        do {
            applying = try writer.write { db in
                try db.execute(sql: "DELETE FROM import_commit WHERE state = 'checking'")
                return try String.fetchAll(db, sql: "SELECT import_id FROM import_commit ORDER BY import_id")
            }
        } catch {
            throw LedgerError.from(error)
        }
        for id in applying {
            _ = try finishImport(id, actor: .scheduler, nowMs: nowMs, rowsPerTransaction: Ledger.importRowsPerTransaction,
                                 continueAfterTransaction: { true })
        }
        return applying
    }

    private func finishImport(_ id: String, actor: Actor, nowMs: () -> Int64, rowsPerTransaction: Int,
                              continueAfterTransaction: () -> Bool) throws(LedgerError) -> ImportResult? {
        var problems = ImportCheck.Problems()
        while continueAfterTransaction() {
            let step = try importTransaction(nowMs: nowMs(), actor: actor) { tx in
                try ImportCommits.step(tx, importId: id, limit: rowsPerTransaction, problems: &problems)
            }
            switch step {
            case .more: continue
            case .done(let result): return result
            case .failed(let error): throw error
            }
        }
        return nil
    }

    /// One write transaction of an import, its events published after commit.
    private func importTransaction<R>(nowMs: Int64, actor: Actor, _ body: (Tx) throws -> R) throws(LedgerError) -> R {
        if let fault = fileWatch?.latched { throw LedgerError.unavailable(fault) }
        var result: R?
        var events: [EventRecord] = []
        var deadlinesMoved = false
        do {
            try writer.write { db in
                let tx = Tx(db: db, nowMs: nowMs, ledger: self)
                tx.actor = actor
                result = try body(tx)
                events = tx.events
                deadlinesMoved = tx.deadlinesMoved
            }
        } catch {
            throw LedgerError.from(error)
        }
        // As every commit: one into a removed or replaced database file is not acknowledged.
        if let fault = fileWatch?.check() { throw LedgerError.unavailable(fault) }
        afterOwnCommit(events: events, deadlinesMoved: deadlinesMoved)
        guard let result else { throw LedgerError.internalError("an import transaction returned nothing") }
        return result
    }
}
