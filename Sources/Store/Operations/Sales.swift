import CreditProtocol
import GRDB
import Scheduling

/// Packages, purchases and refunds.
enum Sales {
    static func createPackage(_ tx: Tx, _ p: PackageCreateParams) throws -> CreditProtocol.Package {
        try Validate.id(p.id, "id")
        try Validate.text(p.name, "name", max: Limits.nameCharactersMax)
        try Validate.credits(p.credits)
        let bonus = p.bonusCredits ?? 0
        try Validate.range(bonus, "bonus_credits", 0...Limits.creditsPerOperationMax)
        // A purchase makes one lot of credits + bonus_credits: it must fit the per-lot maximum too.
        guard p.credits + bonus <= Limits.creditsPerOperationMax else {
            throw LedgerError.limitExceeded(
                "credits + bonus_credits is above \(Limits.creditsPerOperationMax), the most credits in one lot")
        }
        try Validate.range(p.priceMinor, "price_minor", 0...Limits.priceMinorMax)
        let currency = try p.currency ?? Setup.studio(tx.db).currency
        try Validate.currency(currency)
        if let days = p.expiryDays { try Validate.range(Int64(days), "expiry_days", 1...Int64(Limits.expiryDaysMax)) }
        let scope = p.scope ?? "any"
        try Credits.requireIssuableScope(tx.db, scope)
        let exists = try Bool.fetchOne(tx.db, sql: "SELECT 1 FROM package WHERE id = ?", arguments: [p.id]) ?? false
        guard !exists else { throw LedgerError.alreadyExists("package \(p.id) already exists") }
        try tx.db.execute(sql: """
            INSERT INTO package (id, name, credits, bonus_credits, price_minor, currency, expiry_days, scope)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [p.id, p.name, p.credits, bonus, p.priceMinor, currency, p.expiryDays, scope])
        return try package(tx.db, p.id)
    }

    static func archivePackage(_ tx: Tx, _ p: IdActionParams) throws -> CreditProtocol.Package {
        _ = try package(tx.db, p.id)
        try tx.db.execute(sql: "UPDATE package SET archived = 1 WHERE id = ?", arguments: [p.id])
        return try package(tx.db, p.id)
    }

    static let packageColumns = "id, name, credits, bonus_credits, price_minor, currency, expiry_days, scope, archived"

    static func package(_ db: Database, _ id: String) throws -> CreditProtocol.Package {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(packageColumns) FROM package WHERE id = ?",
                                         arguments: [id]) else {
            throw LedgerError.notFound("package \(id) not found")
        }
        return packageFrom(row)
    }

    static func packageFrom(_ row: Row) -> CreditProtocol.Package {
        CreditProtocol.Package(id: row[0], name: row[1], credits: row[2], bonusCredits: row[3], priceMinor: row[4],
                               currency: row[5], expiryDays: row[6], scope: row[7], archived: row[8])
    }

    static func listPackages(_ db: Database, _ p: ListParams) throws -> Page<CreditProtocol.Package> {
        let limit = try Validate.pageSize(p.limit)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(packageColumns) FROM package WHERE id > ? AND (? OR archived = 0) ORDER BY id LIMIT ?
            """, arguments: [p.cursor ?? "", p.includeArchived ?? false, limit + 1])
        return Setup.page(rows.map(packageFrom), limit: limit, cursor: \.id)
    }

    /// Sells a package: one lot of credits + bonus, expiring at the end of the local day
    /// `expiry_days` after the purchase.
    static func purchase(_ tx: Tx, _ p: PurchaseCreateParams) throws -> Purchase {
        try Validate.id(p.id, "id")
        try Validate.id(p.client, "client")
        try Validate.id(p.package, "package")
        if let ref = p.paymentRef { try Validate.text(ref, "payment_ref", max: Limits.nameCharactersMax) }
        try Exists.activeClient(tx.db, p.client)
        let package = try package(tx.db, p.package)
        guard !package.archived else { throw LedgerError.invalidState("package \(package.id) is archived") }
        try Credits.requireIssuableScope(tx.db, package.scope)
        let exists = try Bool.fetchOne(tx.db, sql: "SELECT 1 FROM purchase WHERE id = ?", arguments: [p.id]) ?? false
        guard !exists else { throw LedgerError.alreadyExists("purchase \(p.id) already exists") }
        var expiresAtMs: Int64?
        if let days = package.expiryDays {
            let calendar = try tx.calendar()
            let today = calendar.localDate(atMs: tx.nowMs)
            guard let lastDay = today.advanced(byDays: days) else {
                throw LedgerError.invalidParams("the package's expiry (\(days) days from \(today)) is after 9999-12-31")
            }
            let atMs = calendar.endOfDayMs(lastDay)
            try Validate.derivedInstant(atMs, "the package's expiry", means: "credits expire at the next local midnight")
            expiresAtMs = atMs
        }
        try tx.db.execute(sql: """
            INSERT INTO purchase (id, client_id, package_id, payment_ref, price_minor, currency, purchased_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [p.id, p.client, package.id, p.paymentRef, package.priceMinor, package.currency, tx.nowMs])
        _ = try Credits.grant(tx, client: p.client, scope: package.scope, source: "package",
                              quantity: package.credits + package.bonusCredits, expiresAtMs: expiresAtMs,
                              purchase: p.id, rule: ["package": package.id, "bonus": String(package.bonusCredits)])
        return try get(tx.db, p.id)
    }

    /// Removes the purchase's unused credits (`refunded`); used credits stay used.
    static func refund(_ tx: Tx, _ p: IdActionParams) throws -> Purchase {
        try Validate.note(p.note)
        var purchase = try get(tx.db, p.id)
        guard !purchase.refunded else { throw LedgerError.invalidState("purchase \(p.id) is already refunded") }
        guard let lot = try LotRecord.fetch(tx.db, id: purchase.lot) else {
            preconditionFailure("purchase \(p.id) has no lot")
        }
        if lot.remaining > 0 {
            try tx.append(.refunded, client: lot.clientId, scope: lot.scope, amount: -lot.remaining,
                          credits: lot.remaining, lot: lot, note: p.note, rule: ["purchase": p.id])
        }
        try tx.db.execute(sql: "UPDATE lot SET remaining = 0, refunded = 1 WHERE id = ?", arguments: [lot.id])
        try tx.db.execute(sql: "UPDATE purchase SET refunded_at_ms = ? WHERE id = ?", arguments: [tx.nowMs, p.id])
        purchase = try get(tx.db, p.id)
        purchase.refundedCredits = lot.remaining
        return purchase
    }

    static func get(_ db: Database, _ id: String) throws -> Purchase {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT p.id, p.client_id, p.package_id, p.payment_ref, p.price_minor, p.currency, l.id, l.quantity,
                   p.purchased_at_ms, l.expires_at_ms, p.refunded_at_ms IS NOT NULL
            FROM purchase p JOIN lot l ON l.purchase_id = p.id AND l.source = 'package' WHERE p.id = ?
            """, arguments: [id]) else {
            throw LedgerError.notFound("purchase \(id) not found")
        }
        return Purchase(id: row[0], client: row[1], package: row[2], paymentRef: row[3], priceMinor: row[4],
                        currency: row[5], lot: row[6], credits: row[7], purchasedAt: Timestamp(ms: row[8]),
                        expiresAt: (row[9] as Int64?).map(Timestamp.init(ms:)), refunded: row[10])
    }
}
