import CreditProtocol
import GRDB

/// The check `import.commit` makes before issuing anything: every row whose client is unknown or
/// deactivated, whose session type is unknown, archived or free, or whose `expires_on` has passed is found in
/// one pass, so a bad file is fixed in one go rather than one line per attempt.
enum ImportCheck {
    /// Throws when any row cannot be issued. One bad row keeps its own reason (`not_found`,
    /// `session_type_archived`, `invalid_params`, `invalid_state`); several share theirs when they all agree, else
    /// `invalid_params`. The message lists at most `Limits.importProblemsListedMax` rows, one a
    /// line, and counts the rest.
    static func requireEveryRowIssuable(_ tx: Tx, _ rows: [ImportRow]) throws {
        var scopeProblems: [String: LedgerError?] = [:]
        var clientProblems: [String: LedgerError?] = [:]
        var bad: [LedgerError] = []
        var badCount = 0
        for (index, row) in rows.enumerated() {
            var problems: [LedgerError] = []
            if scopeProblems[row.sessionType] == nil {
                scopeProblems[row.sessionType] = .some(failure { try Credits.requireIssuableScope(tx.db, row.sessionType) })
            }
            if clientProblems[row.client] == nil {
                clientProblems[row.client] = .some(failure { try Exists.activeClient(tx.db, row.client) })
            }
            if let problem = clientProblems[row.client] ?? nil { problems.append(problem) }
            if let problem = scopeProblems[row.sessionType] ?? nil { problems.append(problem) }
            if let problem = failure({ _ = try Credits.expiry(tx, expiresOn: row.expiresOn, expiresAt: nil) }) {
                problems.append(problem)
            }
            guard !problems.isEmpty else { continue }
            badCount += 1
            if bad.count < Limits.importProblemsListedMax {
                bad.append(Imports.located(joined(problems), row: row, index: index))
            }
        }
        guard let first = bad.first else { return }
        if badCount == 1 { throw first }
        var lines = bad.map(\.wire.message)
        if badCount > bad.count { lines.append("... and \(badCount - bad.count) more bad rows") }
        let message = "\(badCount) rows cannot be imported; nothing was issued:\n" + lines.joined(separator: "\n")
        let reasons = Set(bad.map(\.wire.reason))
        throw reasons.count == 1 ? with(first, message: message) : .invalidParams(message)
    }

    private static func failure(_ body: () throws -> Void) -> LedgerError? {
        do { try body(); return nil } catch { return LedgerError.from(error) }
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
