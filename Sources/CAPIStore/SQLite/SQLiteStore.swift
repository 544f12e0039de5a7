import CAPICore
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Commits are durable (`synchronous = FULL`): a 200 is sent only after the
/// batch is on disk, so a crash right after the response loses nothing.
/// Checkpoints run in the background (`WALCheckpointer`).
public final class SQLiteStore: ConversionStore {
    let pool: DatabasePool

    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        let checkpointer = WALCheckpointer(path: path)
        config.prepareDatabase { db in
            // A WAL left at 64 MiB after it restarts, not at its peak.
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864")
            if let connection = db.sqliteConnection { checkpointer.install(on: connection) }
        }
        pool = try DatabasePool(path: path, configuration: config)
    }

    public func migrate() async throws {
        try SQLiteSchema.migrator.migrate(pool)
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
