import CAPIStore
import Foundation
import GRDB

/// Reads the server's SQLite file directly, as an operator would, with the
/// store's `event_json(payload)` to read inside stored events.
struct DatabaseProbe {
    let path: String

    fileprivate func open() throws -> DatabaseQueue {
        var config = Configuration()
        config.prepareDatabase { db in db.add(function: SQLiteStore.eventJSON) }
        return try DatabaseQueue(path: path, configuration: config)
    }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        let queue = try open()
        return try queue.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? -1 }
    }

    func strings(_ sql: String, _ arguments: StatementArguments = []) throws -> [String] {
        let queue = try open()
        return try queue.read { db in try String.fetchAll(db, sql: sql, arguments: arguments) }
    }

    func blobs(_ sql: String, _ arguments: StatementArguments = []) throws -> [[UInt8]] {
        let queue = try open()
        return try queue.read { db in try Data.fetchAll(db, sql: sql, arguments: arguments).map { [UInt8]($0) } }
    }
}

extension DatabaseProbe {
    /// Runs a statement behind the server's back (to break its store).
    func execute(_ sql: String) throws {
        let queue = try open()
        try queue.write { db in try db.execute(sql: sql) }
    }
}
