import CreditProtocol
import GRDB
import Scheduling

/// `import.commit` in bounded transactions (issue 14, defect 9): one transaction for 200,000 rows
/// held the single writer for 12.8 s and 182 MB. Here no transaction touches more than
/// `Ledger.importRowsPerTransaction` staged rows, other writes run between them, and the outcome stays
/// all-or-nothing through a crash-safe state row (`import_commit`):
///
/// 1. `begin`: the key's earlier result is replayed, or the import is marked `checking`.
/// 2. Checking, chunk by chunk: every row is validated (`ImportCheck`: session type issuable,
///    client known, expiry not past) and its expiry instant kept on the row. After the last
///    chunk, any bad rows end the commit with one error naming each (bounded) and drop the
///    state row: nothing was issued.
///    The chunk that checks the last row also turns the state to `applying`.
/// 3. Applying, chunk by chunk: every row is issued from what was checked. The chunk that issues
///    the last row removes the staged rows and the state row and keeps the key's result.
///
/// A crash while checking leaves nothing issued (`Ledger.recoverImports` drops the state row,
/// the rows stay staged); a crash while applying is finished by `Ledger.recoverImports` at the
/// next start, before anything is served. While an import applies, readers may see the part
/// issued so far; `import.stage` and `import.abort` of that import are refused until it is done.
enum ImportCommits {
    enum Step {
        case more
        case done(ImportResult)
        case failed(LedgerError)
    }

    /// Starts a commit, or returns the result an idempotency key already holds.
    static func begin(_ tx: Tx, _ p: ImportCommitParams, paramsText: String) throws -> ImportResult? {
        try Validate.id(p.import, "import")
        try Validate.idempotencyKey(p.idempotencyKey)
        try Validate.staff(p.staff)
        if let key = p.idempotencyKey,
           let stored: ImportResult = try Idempotency.replay(key: key, method: .importCommit, paramsText: paramsText, in: tx) {
            return stored
        }
        try requireNotCommitting(tx.db, p.import)
        let rows = try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM import_row WHERE import_id = ?",
                                    arguments: [p.import]) ?? 0
        guard rows > 0 else { throw LedgerError.notFound("import \(p.import) has no staged rows") }
        try tx.db.execute(sql: """
            INSERT INTO import_commit (import_id, state, cursor, rows, credits, actor, staff, idempotency_key, params,
                started_at_ms) VALUES (?, 'checking', 0, ?, 0, ?, ?, ?, ?, ?)
            """, arguments: [p.import, rows, tx.actor.user, tx.actor.staff, p.idempotencyKey, paramsText, tx.nowMs])
        return nil
    }

    /// `invalid_state` while `id` is being committed (stage, abort and a second commit wait).
    static func requireNotCommitting(_ db: Database, _ id: String) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM import_commit WHERE import_id = ?", arguments: [id]) ?? false {
            throw LedgerError.invalidState("import \(id) is being committed")
        }
    }

    /// One chunk of checking or applying; `problems` carries the bad rows found by earlier
    /// checking chunks of this commit (a crash while checking drops the commit, so they need
    /// not outlive the process).
    static func step(_ tx: Tx, importId: String, limit: Int, problems: inout ImportCheck.Problems) throws -> Step {
        guard let state = try Row.fetchOne(tx.db, sql: """
            SELECT state, cursor, rows, credits, idempotency_key, params, actor, staff FROM import_commit WHERE import_id = ?
            """, arguments: [importId]) else {
            throw LedgerError.invalidState("import \(importId) is not being committed")
        }
        let cursor: Int = state[1]
        let rows = try Row.fetchAll(tx.db, sql: """
            SELECT line, client_id, scope, credits, expires_on, note, seq, expires_at_ms FROM import_row
            WHERE import_id = ? AND seq > ? ORDER BY seq LIMIT ?
            """, arguments: [importId, cursor, limit])
        let last: Int = rows.last?[6] ?? cursor
        let finished = rows.count < limit
        if (state[0] as String) == "checking" {
            try check(tx, importId: importId, rows: rows, problems: &problems)
            if finished, let failure = problems.error {
                try tx.db.execute(sql: "DELETE FROM import_commit WHERE import_id = ?", arguments: [importId])
                return .failed(failure)
            }
            try tx.db.execute(sql: "UPDATE import_commit SET state = ?, cursor = ? WHERE import_id = ?",
                              arguments: [finished ? "applying" : "checking", finished ? 0 : last, importId])
            return .more
        }
        tx.actor = Actor(user: state[6], staff: state[7])
        var credits: Int64 = state[3]
        for row in rows {
            let quantity: Int64 = row[3]
            _ = try Credits.grant(tx, client: row[1], scope: row[2], source: "manual", quantity: quantity,
                                  expiresAtMs: row[7], note: row[5], rule: ["import": importId])
            credits += quantity
        }
        guard finished else {
            try tx.db.execute(sql: "UPDATE import_commit SET cursor = ?, credits = ? WHERE import_id = ?",
                              arguments: [last, credits, importId])
            return .more
        }
        let result = ImportResult(import: importId, rows: state[2], credits: credits, committed: true)
        try tx.db.execute(sql: "DELETE FROM import_row WHERE import_id = ?", arguments: [importId])
        try tx.db.execute(sql: "DELETE FROM import_commit WHERE import_id = ?", arguments: [importId])
        if let key: String = state[4] {
            try Idempotency.remember(key: key, method: .importCommit, paramsText: state[5], result: result, in: tx)
        }
        return .done(result)
    }

    /// Checks rows as `Imports.commit` does (every bad row goes into `problems`), keeping each
    /// good row's expiry instant for the applying chunks.
    private static func check(_ tx: Tx, importId: String, rows: [Row], problems: inout ImportCheck.Problems) throws {
        for row in rows {
            let item = ImportRow(client: row[1], sessionType: row[2], credits: row[3], expiresOn: row[4], note: row[5],
                                 line: row[0])
            let seq: Int = row[6]
            let expiresAtMs = try problems.check(tx, item, index: seq - 1)
            if let expiresAtMs {
                try tx.db.execute(sql: "UPDATE import_row SET expires_at_ms = ? WHERE import_id = ? AND seq = ?",
                                  arguments: [expiresAtMs, importId, seq])
            }
        }
    }
}
