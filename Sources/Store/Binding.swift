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

extension Statement {
    /// Binds every parameter with `bind` (in order, all of them), for `execute()` or a fetch
    /// without arguments: GRDB then runs the statement as usual (observation, errors).
    func bind(_ bind: (inout Binder) -> Void) {
        // Resets, clears the bindings and marks the (empty) arguments valid, so GRDB's next
        // execution only resets (which keeps bindings) and steps.
        setUncheckedArguments(StatementArguments())
        var binder = Binder(statement: sqliteStatement)
        bind(&binder)
        precondition(binder.index - 1 == sqlite3_bind_parameter_count(sqliteStatement), "every parameter must be bound: \(sql)")
    }

    /// Binds with `bind`, then executes.
    func execute(binding bind: (inout Binder) -> Void) throws {
        self.bind(bind)
        try execute()
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

extension Statement {
    /// Runs this bound read-only statement, calling `row` for each result row. Rows are read with
    /// SQLite's C API instead of GRDB's `Row` (which builds a column-name index per query); for
    /// the SELECTs of the booking path only. The statement is reset when this returns.
    func forEachRow(_ row: (Columns) -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)  // keeps the bindings
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW:
                row(Columns(statement: handle))
            case SQLITE_DONE:
                sqlite3_reset(handle)
                return
            case let code:
                let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
            }
        }
    }
}
