import GRDB
import GRDBSQLite

/// Values bound straight to a statement through SQLite's C API, for the statements every booking
/// runs: GRDB's `StatementArguments` boxes each value as an existential in an array and
/// validates it on every execution, which cost more than the SQL itself.
struct Binder {
    let statement: SQLiteStatement
    var index: Int32 = 1

    mutating func callAsFunction(_ value: Int64) {
        let code = sqlite3_bind_int64(statement, index, value)
        precondition(code == SQLITE_OK, "cannot bind parameter \(index): \(code)")
        index += 1
    }

    mutating func callAsFunction(_ value: Int) { self(Int64(value)) }

    mutating func callAsFunction(_ value: Bool) { self(Int64(value ? 1 : 0)) }

    mutating func callAsFunction(_ value: String) {
        var value = value
        let index = self.index
        let statement = self.statement
        // SQLITE_TRANSIENT: SQLite copies the text before this returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let code = value.withUTF8 { text -> Int32 in
            guard let base = text.baseAddress, text.count > 0 else {
                return sqlite3_bind_text(statement, index, "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: text.count) {
                sqlite3_bind_text(statement, index, $0, Int32(text.count), transient)
            }
        }
        precondition(code == SQLITE_OK, "cannot bind parameter \(index): \(code)")
        self.index += 1
    }

    mutating func callAsFunction(_ value: Int64?) {
        if let value { self(value) } else { null() }
    }

    mutating func callAsFunction(_ value: Int?) {
        if let value { self(Int64(value)) } else { null() }
    }

    mutating func callAsFunction(_ value: String?) {
        if let value { self(value) } else { null() }
    }

    mutating func null() {
        let code = sqlite3_bind_null(statement, index)
        precondition(code == SQLITE_OK, "cannot bind parameter \(index): \(code)")
        index += 1
    }
}

/// The SQL of a statement of the booking and cancellation paths. A transaction (`Tx`) prepares each
/// once and finds it again by identity: GRDB's statement cache hashes the whole SQL text on every
/// lookup, which cost more than some of the statements themselves.
final class HotSQL: Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}

/// Where hot statements come from: a transaction's own cache (`Tx`), or GRDB's (`Database`, for reads).
protocol StatementSource {
    func statement(_ sql: HotSQL) throws -> Statement
}

extension Database: StatementSource {
    func statement(_ sql: HotSQL) throws -> Statement { try cachedStatement(sql: sql.text) }
}

extension Statement {
    /// Binds every parameter with `bind` (in order, all of them) and runs this INSERT or UPDATE to
    /// completion with SQLite's C API, leaving it reset. GRDB's per-execution work (argument
    /// validation, observation, which the Store does not use) is skipped: these statements run
    /// only here, never through GRDB's `execute`. Errors are `DatabaseError`s with SQLite's
    /// extended code, as GRDB's.
    func run(binding bind: (inout Binder) -> Void) throws {
        try forEachRow(binding: bind) { _ in preconditionFailure("\(sql) returns no rows") }
    }

    /// Binds as `run(binding:)` does, then calls `row` for each result row, read straight from
    /// SQLite (GRDB's `Row` builds a column-name index per query). The statement is reset when this
    /// returns.
    func forEachRow(binding bind: (inout Binder) -> Void, _ row: (Columns) throws -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var binder = Binder(statement: handle)
        bind(&binder)
        precondition(binder.index - 1 == sqlite3_bind_parameter_count(handle), "every parameter must be bound: \(sql)")
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW:
                do { try row(Columns(statement: handle)) } catch { sqlite3_reset(handle); throw error }
            case SQLITE_DONE:
                sqlite3_reset(handle)
                return
            default:
                let connection = sqlite3_db_handle(handle)
                let code = sqlite3_extended_errcode(connection)
                let message = String(cString: sqlite3_errmsg(connection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
            }
        }
    }
}

/// The columns of the current result row, read straight from SQLite (see `Statement.forEachRow`).
struct Columns {
    let statement: SQLiteStatement

    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(statement, index) }

    func int64OrNil(_ index: Int32) -> Int64? {
        sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, index)
    }

    func bool(_ index: Int32) -> Bool { sqlite3_column_int64(statement, index) != 0 }

    func string(_ index: Int32) -> String {
        guard let text = sqlite3_column_text(statement, index) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))),
                      as: UTF8.self)
    }

    func stringOrNil(_ index: Int32) -> String? {
        sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : string(index)
    }
}
