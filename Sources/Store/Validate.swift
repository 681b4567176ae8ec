import Foundation
import CreditProtocol

/// Input checks shared by every operation. Each throws `invalidParams` or `limitExceeded` with the field name.
enum Validate {
    static func id(_ value: String, _ field: String) throws(LedgerError) {
        guard !value.isEmpty else { throw .invalidParams("\(field) must not be empty") }
        guard value.utf8.count <= Limits.idCharactersMax else {
            throw .limitExceeded("\(field) is longer than \(Limits.idCharactersMax) characters")
        }
        for byte in value.utf8 {
            let ok = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == 46 || byte == 95 || byte == 58 || byte == 45
            guard ok else { throw .invalidParams("\(field) may contain only A-Z a-z 0-9 . _ : -") }
        }
    }

    /// Every text limit counts Unicode code points (`unicodeScalars`), as SQLite's `length()` in
    /// the schema's CHECKs does, so a text this accepts never fails a CHECK. `multiline` lets a
    /// note keep line feeds and tabs; no other control character is accepted (see `TextPolicy`).
    static func text(_ value: String, _ field: String, max: Int, allowEmpty: Bool = false,
                     multiline: Bool = false) throws(LedgerError) {
        guard allowEmpty || !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidParams("\(field) must not be empty")
        }
        guard value.unicodeScalars.count <= max else {
            throw .limitExceeded("\(field) is longer than \(max) characters (Unicode code points)")
        }
        if let bad = TextPolicy.firstRefused(in: value, multiline: multiline) {
            throw .invalidParams("\(field) contains a control character (\(TextPolicy.name(bad)))")
        }
    }

    static func note(_ value: String?) throws(LedgerError) {
        guard let value else { return }
        try text(value, "note", max: Limits.noteCharactersMax, allowEmpty: true, multiline: true)
    }

    /// An instant the ledger computes from its input (an expiry, a booking's end) must stay within
    /// the instants the protocol can carry, or every later read of it would fail.
    static func derivedInstant(_ ms: Int64, _ input: String, means: String) throws(LedgerError) {
        guard Timestamp(ms: ms).isInRange else {
            throw .invalidParams("\(input) leaves the supported range (\(means)): instants run from "
                + "\(Timestamp.earliest) to \(Timestamp.latest)")
        }
    }

    static func staff(_ value: String?) throws(LedgerError) {
        guard let value else { return }
        try text(value, "staff", max: Limits.staffCharactersMax)
    }

    static func credits(_ value: Int64, _ field: String = "credits") throws(LedgerError) {
        guard value >= 1 else { throw .invalidParams("\(field) must be a positive integer") }
        guard value <= Limits.creditsPerOperationMax else {
            throw .limitExceeded("\(field) is above \(Limits.creditsPerOperationMax)")
        }
    }

    static func range(_ value: Int64, _ field: String, _ bounds: ClosedRange<Int64>) throws(LedgerError) {
        guard value >= bounds.lowerBound else { throw .invalidParams("\(field) must be at least \(bounds.lowerBound)") }
        guard value <= bounds.upperBound else { throw .limitExceeded("\(field) is above \(bounds.upperBound)") }
    }

    static func currency(_ value: String) throws(LedgerError) {
        guard value.utf8.count == 3, value.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .invalidParams("currency must be a 3-letter ISO 4217 code such as EUR")
        }
    }

    static func email(_ value: String?) throws(LedgerError) {
        guard let value, !value.isEmpty else { return }
        try text(value, "email", max: Limits.emailCharactersMax)
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(" ") else {
            throw .invalidParams("email is not an address")
        }
    }

    static func pageSize(_ value: Int?) throws(LedgerError) -> Int {
        guard let value else { return Limits.pageSizeDefault }
        guard value >= 1 else { throw .invalidParams("limit must be at least 1") }
        guard value <= Limits.pageSizeMax else { throw .limitExceeded("limit is above \(Limits.pageSizeMax)") }
        return value
    }

    static func idempotencyKey(_ value: String?) throws(LedgerError) {
        guard let value else { return }
        guard !value.isEmpty else { throw .invalidParams("idempotency_key must not be empty") }
        try text(value, "idempotency_key", max: Limits.idempotencyKeyCharactersMax, allowEmpty: true)
    }
}
