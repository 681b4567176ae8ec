import CreditProtocol
import GRDB
import Scheduling

/// Credit imports: rows are staged in chunks, then `commit` issues all of them in one
/// transaction — every row or none.
enum Imports {
    static func stage(_ tx: Tx, _ p: ImportStageParams) throws -> ImportResult {
        try Validate.id(p.import, "import")
        guard !p.rows.isEmpty else { throw LedgerError.invalidParams("rows must not be empty") }
        guard p.rows.count <= Limits.importRowsPerCallMax else {
            throw LedgerError.limitExceeded("at most \(Limits.importRowsPerCallMax) rows per import.stage call")
        }
        try ImportCommits.requireNotCommitting(tx.db, p.import)
        // Rows of an import being committed stay until the commit removes them, however old.
        try tx.db.execute(sql: """
            DELETE FROM import_row WHERE created_at_ms < ? AND import_id NOT IN (SELECT import_id FROM import_commit)
            """, arguments: [tx.nowMs - Limits.importStagingSecondsMax * 1000])
        if p.reset == true { try tx.db.execute(sql: "DELETE FROM import_row WHERE import_id = ?", arguments: [p.import]) }
        var seq = try Int.fetchOne(tx.db, sql: "SELECT COALESCE(MAX(seq), 0) FROM import_row WHERE import_id = ?",
                                   arguments: [p.import]) ?? 0
        guard seq + p.rows.count <= Limits.importRowsMax else {
            throw LedgerError.limitExceeded("an import holds at most \(Limits.importRowsMax) rows")
        }
        let insert = try tx.db.cachedStatement(sql: """
            INSERT INTO import_row (import_id, seq, line, client_id, scope, credits, expires_on, note, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (index, row) in p.rows.enumerated() {
            do {
                try Validate.id(row.client, "client")
                try Validate.id(row.sessionType, "session_type")
                try Validate.credits(row.credits)
                try Validate.note(row.note)
                if let date = row.expiresOn, LocalDate(date) == nil {
                    throw LedgerError.invalidParams("expires_on must be a real date YYYY-MM-DD")
                }
            } catch {
                throw located(error, row: row, index: index)
            }
            seq += 1
            try insert.execute(arguments: [p.import, seq, row.line, row.client, row.sessionType, row.credits,
                                           row.expiresOn, row.note, tx.nowMs])
        }
        let credits = try Int64.fetchOne(tx.db, sql: "SELECT COALESCE(SUM(credits), 0) FROM import_row WHERE import_id = ?",
                                         arguments: [p.import]) ?? 0
        return ImportResult(import: p.import, rows: seq, credits: credits, committed: false)
    }

    /// Checks every staged row first and fails the whole import naming every bad row (see
    /// `ImportCheck`); then issues every row in order.
    static func commit(_ tx: Tx, _ p: ImportCommitParams) throws -> ImportResult {
        try Validate.id(p.import, "import")
        try ImportCommits.requireNotCommitting(tx.db, p.import)
        let rows = try Row.fetchAll(tx.db, sql: """
            SELECT line, client_id, scope, credits, expires_on, note, seq FROM import_row WHERE import_id = ? ORDER BY seq
            """, arguments: [p.import])
        guard !rows.isEmpty else { throw LedgerError.notFound("import \(p.import) has no staged rows") }
        let items = rows.map { row in
            ImportRow(client: row[1], sessionType: row[2], credits: row[3], expiresOn: row[4], note: row[5], line: row[0])
        }
        try ImportCheck.requireEveryRowIssuable(tx, items)
        var credits: Int64 = 0
        for (row, item) in zip(rows, items) {
            do {
                let expiresAtMs = try Credits.expiry(tx, expiresOn: item.expiresOn, expiresAt: nil)
                _ = try Credits.grant(tx, client: item.client, scope: item.sessionType, source: "manual",
                                      quantity: item.credits, expiresAtMs: expiresAtMs, note: item.note,
                                      rule: ["import": p.import])
            } catch {
                throw located(error, row: item, index: (row[6] as Int) - 1)
            }
            credits += item.credits
        }
        try tx.db.execute(sql: "DELETE FROM import_row WHERE import_id = ?", arguments: [p.import])
        return ImportResult(import: p.import, rows: rows.count, credits: credits, committed: true)
    }

    static func abort(_ tx: Tx, _ p: ImportCommitParams) throws -> ImportResult {
        try Validate.id(p.import, "import")
        try ImportCommits.requireNotCommitting(tx.db, p.import)
        let row = try Row.fetchOne(tx.db, sql: """
            SELECT COUNT(*), COALESCE(SUM(credits), 0) FROM import_row WHERE import_id = ?
            """, arguments: [p.import])!
        try tx.db.execute(sql: "DELETE FROM import_row WHERE import_id = ?", arguments: [p.import])
        return ImportResult(import: p.import, rows: row[0], credits: row[1], committed: false)
    }

    /// Prefixes an error with the row it came from, keeping its reason.
    static func located(_ error: any Error, row: ImportRow, index: Int) -> LedgerError {
        let at = row.line.map { "line \($0)" } ?? "row \(index + 1)"
        switch LedgerError.from(error) {
        case .notFound(let m): return .notFound("\(at): \(m)")
        case .invalidParams(let m): return .invalidParams("\(at): \(m)")
        case .limitExceeded(let m): return .limitExceeded("\(at): \(m)")
        case .sessionTypeArchived(let m): return .sessionTypeArchived("\(at): \(m)")
        case .invalidState(let m): return .invalidState("\(at): \(m)")
        case let other: return other
        }
    }
}
