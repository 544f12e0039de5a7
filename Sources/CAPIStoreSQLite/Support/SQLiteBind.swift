import CAPIStore
import CAPICore
import GRDBSQLite

/// Binding helpers over SQLite's C API, for the statements on the hot path.
enum SQLiteBind {
    /// SQLite copies the value before the call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func text(_ stmt: OpaquePointer?, _ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(stmt, index)
            return
        }
        value.withUTF8 { utf8 in
            _ = utf8.withMemoryRebound(to: CChar.self) {
                sqlite3_bind_text(stmt, index, $0.baseAddress, Int32($0.count), transient)
            }
        }
    }

    /// A span of an event's text, bound in place (no copy): `text` must
    /// outlive the statement's step. nil binds NULL; an empty span binds ''.
    static func text(_ stmt: OpaquePointer?, _ index: Int32, _ text: UnsafeBufferPointer<UInt8>, _ span: TextSpan?) {
        guard let span else {
            sqlite3_bind_null(stmt, index)
            return
        }
        guard let base = text.baseAddress, !span.isEmpty else {
            sqlite3_bind_text(stmt, index, "", 0, nil)
            return
        }
        (base + span.range.lowerBound).withMemoryRebound(to: CChar.self, capacity: span.range.count) {
            _ = sqlite3_bind_text(stmt, index, $0, Int32(span.range.count), nil)
        }
    }

    static func double(_ stmt: OpaquePointer?, _ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(stmt, index, value) } else { sqlite3_bind_null(stmt, index) }
    }
}

extension SQLiteBind {
    static func int64(_ stmt: OpaquePointer?, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(stmt, index, value) } else { sqlite3_bind_null(stmt, index) }
    }
}
