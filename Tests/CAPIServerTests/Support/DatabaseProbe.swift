import Foundation
import GRDB

/// Reads the server's SQLite file directly, as an operator would.
struct DatabaseProbe {
    let path: String

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? -1 }
    }

    func strings(_ sql: String, _ arguments: StatementArguments = []) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in try String.fetchAll(db, sql: sql, arguments: arguments) }
    }
}
