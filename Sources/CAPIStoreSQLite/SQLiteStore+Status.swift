import CAPICore
import CAPIStore
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

extension SQLiteStore {
    /// The attributor's backlog from its cursors and the newest rows (each a
    /// b-tree seek, never a count), the WAL file's size, and the dedup
    /// index's entries in memory.
    public func status() async throws -> StoreStatus {
        var status = try await pool.read { db in
            let cursors = try Dictionary(uniqueKeysWithValues: Row.fetchAll(
                db, sql: "SELECT name, position FROM attribution_cursors").map { ($0["name"] as String, $0["position"] as Int64) })
            let conversionCursor = cursors["conversions"] ?? 0
            let newestEvent = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0
            let newestExposure = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM exposures") ?? 0
            let oldest = try Int64.fetchOne(
                db, sql: "SELECT received_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", arguments: [conversionCursor])
            return StoreStatus(
                pendingConversions: Int(max(0, newestEvent - conversionCursor)), oldestPendingReceivedAt: oldest,
                // Before the first conversion is examined, the next pass takes every exposure at once.
                pendingExposures: conversionCursor == 0 ? 0 : Int(max(0, newestExposure - (cursors["exposures"] ?? 0))),
                walBytes: nil)
        }
        var info = stat()
        status.walBytes = stat(walPath, &info) == 0 ? Int(info.st_size) : 0
        status.dedupEntriesInMemory = recentPlaces.state.withLock { $0.active.count + $0.merging.count }
        return status
    }
}
