import CreditProtocol
import Foundation
import GRDB

/// Idempotency keys: a repeat with the same key, method and params returns the first result and
/// changes nothing; the same key with anything else is `idempotency_conflict`. Only successful
/// results are kept (a failed call changed nothing, so repeating it is safe).
enum Idempotency {
    static func canonical<P: MutatingParams>(_ params: P) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(Canonical(params: params)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func run<R>(_ operation: LedgerOperation<R>, in tx: Tx) throws -> R {
        guard let key = operation.idempotencyKey, !operation.dryRun else { return try operation.body(tx) }
        if let stored: R = try replay(key: key, method: operation.method, paramsText: operation.paramsText, in: tx) {
            return stored
        }
        let result = try operation.body(tx)
        try remember(key: key, method: operation.method, paramsText: operation.paramsText, result: result, in: tx)
        return result
    }

    /// The first result under `key` when it was used for this very request; `idempotency_conflict`
    /// when it was used for another; nil when it is new.
    static func replay<R: Decodable>(key: String, method: Method, paramsText: String, in tx: Tx) throws -> R? {
        let row = try Row.fetchOne(
            tx.db.cachedStatement(sql: "SELECT method, params, result FROM idempotency_key WHERE key = ?"),
            arguments: [key])
        guard let row else { return nil }
        let storedMethod: String = row[0]
        let params: String = row[1]
        guard storedMethod == method.rawValue, params == paramsText else {
            throw LedgerError.idempotencyConflict("idempotency_key \(key) was already used for a different request")
        }
        let stored: String = row[2]
        return try JSONDecoder().decode(R.self, from: Data(stored.utf8))
    }

    /// Keeps `result` under `key` for the retention period.
    static func remember<R: Encodable>(key: String, method: Method, paramsText: String, result: R, in tx: Tx) throws {
        let text = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        try tx.db.cachedStatement(sql: """
            INSERT INTO idempotency_key (key, method, params, result, created_at_ms, expires_at_ms)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [key, method.rawValue, paramsText, text, tx.nowMs,
                                     tx.nowMs + tx.ledger.idempotencyRetentionMs])
    }

    /// Forgets keys whose retention ended at or before `nowMs`, at most `limit` of them.
    static func cleanUp(_ db: Database, nowMs: Int64, limit: Int) throws -> [Int64] {
        let due = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT expires_at_ms FROM idempotency_key WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?
            """), arguments: [nowMs, limit])
        guard let last = due.last else { return [] }
        try db.execute(sql: """
            DELETE FROM idempotency_key WHERE key IN (
                SELECT key FROM idempotency_key WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?)
            """, arguments: [last, limit])
        return due
    }
}

/// Params without the key and the staff name: those do not make a request different.
private struct Canonical<P: MutatingParams>: Encodable {
    let params: P
    func encode(to encoder: any Encoder) throws {
        // Encode through a keyed container that drops idempotency_key and staff.
        try params.encode(to: FilteringEncoder(inner: encoder))
    }
}

/// An encoder wrapper whose top-level keyed container skips `idempotency_key` and `staff`.
private struct FilteringEncoder: Encoder {
    let inner: any Encoder
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { inner.userInfo }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(FilteringContainer(inner: inner.container(keyedBy: type)))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

private struct FilteringContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var inner: KeyedEncodingContainer<Key>
    var codingPath: [any CodingKey] { inner.codingPath }
    private func skip(_ key: Key) -> Bool { key.stringValue == "idempotency_key" || key.stringValue == "staff" }
    mutating func encodeNil(forKey key: Key) throws { if !skip(key) { try inner.encodeNil(forKey: key) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if !skip(key) { try inner.encode(value, forKey: key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if !skip(key) { try inner.encodeIfPresent(value, forKey: key) }
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { if !skip(key) { try inner.encode(value, forKey: key) } }
    mutating func encode(_ value: String, forKey key: Key) throws { if !skip(key) { try inner.encode(value, forKey: key) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { if !skip(key) { try inner.encode(value, forKey: key) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { if !skip(key) { try inner.encode(value, forKey: key) } }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> { inner.nestedContainer(keyedBy: keyType, forKey: key) }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        inner.nestedUnkeyedContainer(forKey: key)
    }
    mutating func superEncoder() -> any Encoder { inner.superEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { inner.superEncoder(forKey: key) }
}
