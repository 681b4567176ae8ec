import CSQLite
import Foundation

// Thin prepared-statement helpers the dataset loader writes with.

/// SQLite's "copy this buffer" destructor.
let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class SQLite {
    let db: OpaquePointer

    init(path: String) {
        var handle: OpaquePointer?
        // NOMUTEX: one thread uses this connection; no mutex around every bind and step.
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
              let handle else { fail("sqlite3_open \(path)") }
        db = handle
    }

    deinit { sqlite3_close_v2(db) }  // closes once the last statement is finalized

    func exec(_ sql: String) {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &message) != SQLITE_OK {
            fail("sqlite: \(sqlite3_db_filename(db, "main").map { String(cString: $0) } ?? ""): \(sql): \(message.map { String(cString: $0) } ?? "?")")
        }
    }

    func prepare(_ sql: String) -> Statement { Statement(db: db, sql: sql) }
}

/// A prepared INSERT: bind by position (1-based, in call order), then `step()`.
final class Statement {
    let db: OpaquePointer
    let handle: OpaquePointer
    private var index: Int32 = 0

    init(db: OpaquePointer, sql: String) {
        self.db = db
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement else { fail("prepare: \(String(cString: sqlite3_errmsg(db))): \(sql)") }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    func int(_ value: Int64) { index += 1; sqlite3_bind_int64(handle, index, value) }
    func int(_ value: Int64?) { if let value { int(value) } else { null() } }
    func null() { index += 1; sqlite3_bind_null(handle, index) }
    func text(_ value: String) {
        index += 1
        var value = value
        value.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self),
                                  Int32(bytes.count), transient)
        }
    }
    func text(_ value: String?) { if let value { text(value) } else { null() } }

    func step() {
        if sqlite3_step(handle) != SQLITE_DONE { fail("insert: \(String(cString: sqlite3_errmsg(db)))") }
        sqlite3_reset(handle)
        index = 0
    }
}

/// Multi-row INSERTs: rows are buffered and sent `rowsPerStatement` at a time in one
/// `INSERT ... VALUES (...), (...), ...`, which shares the per-statement work (cursors, the
/// AUTOINCREMENT counter) among the rows. Same calls as `Statement`; `flush()` before COMMIT.
final class RowInserter {
    enum Value {
        case int(Int64)
        case text(String)
        case null
    }
    let db: OpaquePointer
    let prefix: String
    let row: String
    let columns: Int
    let rowsPerStatement: Int
    private var values: [Value] = []
    private var statements: [Int: Statement] = [:]

    init(db: OpaquePointer, prefix: String, row: String, rowsPerStatement: Int = 200) {
        self.db = db
        self.prefix = prefix
        self.row = row
        columns = row.filter { $0 == "?" }.count
        self.rowsPerStatement = rowsPerStatement
        values.reserveCapacity(columns * rowsPerStatement)
    }

    func int(_ value: Int64) { values.append(.int(value)) }
    func int(_ value: Int64?) { values.append(value.map(Value.int) ?? .null) }
    func text(_ value: String) { values.append(.text(value)) }
    func text(_ value: String?) { values.append(value.map(Value.text) ?? .null) }

    /// Ends a row.
    func step() {
        if values.count == columns * rowsPerStatement { flush() }
    }

    func flush() {
        let rows = values.count / columns
        guard rows > 0 else { return }
        let statement = statements[rows] ?? {
            let made = Statement(db: db, sql: prefix + " VALUES " + Array(repeating: row, count: rows).joined(separator: ","))
            statements[rows] = made
            return made
        }()
        for value in values {
            switch value {
            case .int(let int): statement.int(int)
            case .text(let text): statement.text(text)
            case .null: statement.null()
            }
        }
        statement.step()
        values.removeAll(keepingCapacity: true)
    }
}
