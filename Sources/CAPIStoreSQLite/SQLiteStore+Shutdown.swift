import CAPICore
import CAPIStore
import GRDB

extension SQLiteStore {
    /// Leaves the database whole on disk before the process exits: the dedup
    /// index's entries in memory are filed (the next open need not index
    /// them again), a sync of
    /// the WAL covers the writes nobody waited for (attribution passes, a
    /// key's last use), a checkpoint copies the WAL into the database file
    /// where no reader holds it back, and the connections are closed.
    public func close() async throws {
        try await flushRecentPlaces()
        try await walSyncer.sync()
        _ = try? await pool.writeWithoutTransaction { db in
            try db.checkpoint(.truncate)
            try db.checkpoint(.truncate, on: EventIDIndex.schema)
        }
        try pool.close()
    }

    /// Files every entry of the dedup index held in memory, on the writer
    /// (no write transaction may read the file while memory drops them).
    func flushRecentPlaces() async throws {
        try await pool.writeWithoutTransaction { [dedupMerger] _ in dedupMerger.mergeAll() }
    }
}
