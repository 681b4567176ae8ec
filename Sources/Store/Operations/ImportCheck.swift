import CreditProtocol
import GRDB

/// The check `import.commit` makes before issuing anything: every row whose client is unknown
/// or deactivated, whose session type is unknown, archived or free, or whose `expires_on` has passed is found in
/// one pass, so a bad file is fixed in one go rather than one line per attempt. The chunked
/// commit (`ImportCommits`) feeds its chunks through one `Problems` across transactions.
enum ImportCheck {
    /// The bad rows found so far: at most `Limits.importProblemsListedMax` listed, all counted.
    struct Problems {
        private var listed: [LedgerError] = []
        private var count = 0
        private var scopeProblems: [String: LedgerError?] = [:]
        private var clientProblems: [String: LedgerError?] = [:]

        /// Checks one row; returns its expiry instant when the row can be issued (nil: no expiry
        /// or a bad row, which is recorded). Rethrows `unavailable`: the database, not the row.
        mutating func check(_ tx: Tx, _ row: ImportRow, index: Int) throws -> Int64? {
            var problems: [LedgerError] = []
            if scopeProblems[row.sessionType] == nil {
                scopeProblems[row.sessionType] = .some(try failure { try Credits.requireIssuableScope(tx.db, row.sessionType) })
            }
            if clientProblems[row.client] == nil {
                clientProblems[row.client] = .some(try failure { try Exists.activeClient(tx.db, row.client) })
            }
            if let problem = clientProblems[row.client] ?? nil { problems.append(problem) }
            if let problem = scopeProblems[row.sessionType] ?? nil { problems.append(problem) }
            var expiresAtMs: Int64?
            if let problem = try failure({ expiresAtMs = try Credits.expiry(tx, expiresOn: row.expiresOn, expiresAt: nil) }) {
                problems.append(problem)
            }
            guard !problems.isEmpty else { return expiresAtMs }
            count += 1
            if listed.count < Limits.importProblemsListedMax {
                listed.append(Imports.located(ImportCheck.joined(problems), row: row, index: index))
            }
            return nil
        }

        /// nil when every row checked can be issued. One bad row keeps its own reason
        /// (`not_found`, `session_type_archived`, `invalid_params`); several share theirs when
        /// they all agree, else `invalid_params`. The message lists the listed rows, one a line,
        /// and counts the rest.
        var error: LedgerError? {
            guard let first = listed.first else { return nil }
            if count == 1 { return first }
            var lines = listed.map(\.wire.message)
            if count > listed.count { lines.append("... and \(count - listed.count) more bad rows") }
            let message = "\(count) rows cannot be imported; nothing was issued:\n" + lines.joined(separator: "\n")
            let reasons = Set(listed.map(\.wire.reason))
            return reasons.count == 1 ? ImportCheck.with(first, message: message) : .invalidParams(message)
        }

        private func failure(_ body: () throws -> Void) throws -> LedgerError? {
            do { try body(); return nil } catch {
                let problem = LedgerError.from(error)
                if case .unavailable = problem { throw problem }
                return problem
            }
        }
    }

    /// Throws when any of `rows` cannot be issued (see `Problems.error`).
    static func requireEveryRowIssuable(_ tx: Tx, _ rows: [ImportRow]) throws {
        var problems = Problems()
        for (index, row) in rows.enumerated() { _ = try problems.check(tx, row, index: index) }
        if let error = problems.error { throw error }
    }

    /// Several problems of one row as one error: the first's reason, every message.
    private static func joined(_ problems: [LedgerError]) -> LedgerError {
        guard problems.count > 1 else { return problems[0] }
        return with(problems[0], message: problems.map(\.wire.message).joined(separator: "; "))
    }

    /// `error`'s reason with another message.
    private static func with(_ error: LedgerError, message: String) -> LedgerError {
        switch error {
        case .notFound: return .notFound(message)
        case .sessionTypeArchived: return .sessionTypeArchived(message)
        case .limitExceeded: return .limitExceeded(message)
        case .invalidState: return .invalidState(message)
        default: return .invalidParams(message)
        }
    }
}
