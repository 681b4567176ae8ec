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
///
/// Values are buffered without Swift objects: integers as they are, text as UTF-8 bytes in one
/// arena that SQLite reads in place when the statement runs (SQLITE_STATIC: no copy, no malloc).
/// A struct, kept in local variables by the loader: the buffers of a class would pay Swift's
/// dynamic exclusivity checks on every value (a tenth of the load's CPU).
struct RowInserter {
    private enum Value {
        case int(Int64)
        case text(start: Int, count: Int)
        case null
    }

    /// The prepared statements by row count (full batches, and the last partial one).
    private final class Statements {
        var byRows: [Int: OpaquePointer] = [:]
        deinit { for statement in byRows.values { sqlite3_finalize(statement) } }
    }

    let db: OpaquePointer
    let prefix: String
    let row: String
    let columns: Int
    let rowsPerStatement: Int
    private var values: [Value] = []
    private var text: [UInt8] = []
    private let statements = Statements()

    init(db: OpaquePointer, prefix: String, row: String, rowsPerStatement: Int = 200) {
        self.db = db
        self.prefix = prefix
        self.row = row
        columns = row.filter { $0 == "?" }.count
        self.rowsPerStatement = rowsPerStatement
        values.reserveCapacity(columns * rowsPerStatement)
        text.reserveCapacity(64 * columns * rowsPerStatement)
    }

    mutating func int(_ value: Int64) { values.append(.int(value)) }
    mutating func int(_ value: Int64?) { values.append(value.map(Value.int) ?? .null) }
    mutating func text(_ value: String) {
        let start = text.count
        text.append(contentsOf: value.utf8)
        values.append(.text(start: start, count: text.count - start))
    }
    mutating func text(_ value: String?) { if let value { text(value) } else { values.append(.null) } }

    /// Ends a row.
    mutating func step() {
        if values.count == columns * rowsPerStatement { flush() }
    }

    mutating func flush() {
        let rows = values.count / columns
        guard rows > 0 else { return }
        precondition(values.count == rows * columns, "a row is missing values")
        let statement = statement(rows: rows)
        text.withUnsafeBufferPointer { arena in
            let base = UnsafeRawPointer(arena.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                switch value {
                case .int(let int): sqlite3_bind_int64(statement, index, int)
                case .text(let start, let count): sqlite3_bind_text(statement, index, base + start, Int32(count), nil)
                case .null: sqlite3_bind_null(statement, index)
                }
            }
            if sqlite3_step(statement) != SQLITE_DONE { fail("insert: \(String(cString: sqlite3_errmsg(db)))") }
            sqlite3_reset(statement)
            // The arena changes below: no binding may point into it any more.
            sqlite3_clear_bindings(statement)
        }
        values.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
    }

    private func statement(rows: Int) -> OpaquePointer {
        if let statement = statements.byRows[rows] { return statement }
        let sql = prefix + " VALUES " + Array(repeating: row, count: rows).joined(separator: ",")
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement else { fail("prepare: \(String(cString: sqlite3_errmsg(db))): \(prefix)") }
        statements.byRows[rows] = statement
        return statement
    }
}
