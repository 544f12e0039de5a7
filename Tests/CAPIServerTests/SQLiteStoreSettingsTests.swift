@testable import CAPIStore
import Foundation
import GRDB
import Testing

/// The connection settings the store promises in its documentation, read
/// back from the connections themselves (GRDB's own set-up runs after ours).
@Suite struct SQLiteStoreSettingsTests {
    @Test func theWriterCommitsDurably() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path)
        try await store.migrate()
        let synchronous = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous == 2, "synchronous = FULL (2) on the connection that commits")
        // An attribution pass commits without waiting for the disk, then the writer is durable again.
        _ = try await store.attributePending(maxConversions: 10, at: 0)
        let afterPass = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(afterPass == 2)
        let pageSize = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
        #expect(pageSize == SQLiteStore.pageSize)
        let cache = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(cache == -SQLiteStore.writerCacheKiB)
        // A bulk job on the same file: commits wait for the disk at checkpoints only.
        let bulk = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path, workload: .bulk)
        let bulkSynchronous = try await bulk.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(bulkSynchronous == 1, "synchronous = NORMAL (1)")
    }
}
