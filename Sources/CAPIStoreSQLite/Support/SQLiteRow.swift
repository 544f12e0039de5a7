import CAPICore
import CAPIStore
import GRDB
import GRDBSQLite

/// Stepping and column reads over SQLite's C API, for statements that read
/// many rows on a hot path (no `Row` objects, no argument arrays).
enum SQLiteRow {
    /// Advances the statement: true when a row is ready, false when done.
    static func step(_ stmt: OpaquePointer?, _ db: Database) throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    /// Runs a statement that returns no rows.
    static func execute(_ stmt: OpaquePointer?, _ db: Database) throws {
        while try step(stmt, db) {}
    }

    static func text(_ stmt: OpaquePointer?, _ index: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, index) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, index))), as: UTF8.self)
    }

    static func int64(_ stmt: OpaquePointer?, _ index: Int32) -> Int64 {
        sqlite3_column_int64(stmt, index)
    }

    static func optionalInt64(_ stmt: OpaquePointer?, _ index: Int32) -> Int64? {
        sqlite3_column_type(stmt, index) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, index)
    }

    static func optionalDouble(_ stmt: OpaquePointer?, _ index: Int32) -> Double? {
        sqlite3_column_type(stmt, index) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, index)
    }
}
