import CAPICore
import CAPIStore
import GRDB

extension SQLiteStore {
    /// Leaves the database whole on disk before the process exits: a sync of
    /// the WAL covers the writes nobody waited for (attribution passes, a
    /// key's last use), a checkpoint copies the WAL into the database file
    /// where no reader holds it back, and the connections are closed.
    public func close() async throws {
        try await walSyncer.sync()
        _ = try? await pool.writeWithoutTransaction { db in
            try db.checkpoint(.truncate)
            try db.checkpoint(.truncate, on: EventIDIndex.schema)
        }
        try pool.close()
    }
}
