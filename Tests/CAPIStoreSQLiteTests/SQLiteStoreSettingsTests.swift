@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import GRDBSQLite
import Testing

/// The connection settings the store promises in its documentation, read
/// back from the connections themselves (GRDB's own set-up runs after ours).
@Suite struct SQLiteStoreSettingsTests {
    @Test func writesWaitForTheDiskAndAttributionPassesDoNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path)
        try await store.migrate()
        // The commit itself skips the fsync; the store waits for one of the WAL.
        let synchronous = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous == 1, "synchronous = NORMAL (1) on the connection that commits")
        let beforeWrite = store.walSyncer.finishedSyncs
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: 0))
        #expect(store.walSyncer.finishedSyncs > beforeWrite, "the write returned only after a sync")
        // An attribution pass writes what can be derived again: no sync.
        let beforePass = store.walSyncer.finishedSyncs
        _ = try await store.attributePending(maxConversions: 10, at: 0)
        #expect(store.walSyncer.finishedSyncs == beforePass)
        let pageSize = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
        #expect(pageSize == SQLiteStore.pageSize)
        let cache = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(cache == -SQLiteStore.writerCacheKiB)
        // A bulk job on the same file: the same commit mode, a large cache.
        let bulk = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path, workload: .bulk)
        let bulkSynchronous = try await bulk.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(bulkSynchronous == 1, "synchronous = NORMAL (1)")
    }
}

/// Migrations over databases that already hold rows.
@Suite struct SQLiteMigrationTests {
    /// `v6-dedup-index-file` drops the dedup index of the events table and
    /// the indexes by media buy; the dedup index file, made as the store
    /// opens, covers the events stored before, across accounts.
    @Test func eventsStoredBeforeTheDedupIndexFileAreCoveredByIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("capi.sqlite").path)
        try SQLiteSchema.migrator.migrate(store.pool, upTo: "v5-rollups")
        try await store.pool.write { db in
            for (account, id) in [("acme", "o-1"), ("acme", "o-2"), ("globex", "o-1")] {
                try db.execute(sql: """
                    INSERT INTO events (account_id, event_source_id, event_type, event_id, event_time, received_at, payload)
                    VALUES (?, 'web', 'purchase', ?, 0, 0, x'7B7D')
                    """, arguments: [account, id])
            }
        }
        try await store.migrate()
        let (indexes, covered, entries) = try await store.pool.read { db in
            (
                try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'index'
                    AND name IN ('events_dedup', 'exposures_by_buy', 'attributions_by_buy')
                    """),
                try EventIDIndex.covered(db),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dedup.event_ids")
            )
        }
        #expect(indexes.isEmpty)
        #expect(covered == 3 && entries == 3)
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: 0))
        try await store.upsertEventSource(EventSource(
            accountID: "acme", eventSourceID: "web", config: EventSourceConfig(), createdAt: 0, updatedAt: 0))
        let fixture = SQLiteStoreFixture(folder: folder, store: store)
        let counts = try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-1"), SQLiteStoreFixture.purchase("o-3")])
        #expect(counts == IngestCounts(inserted: 1, duplicates: 1))
        try await store.close()
    }

    /// Attributions stored before the rollups and before v6 still count in
    /// delivery reports after every migration has run.
    @Test func attributionsStoredBeforeTheRollupsStillCount() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path)
        try SQLiteSchema.migrator.migrate(store.pool, upTo: "v3-dedup-id-first")
        try await store.pool.write { db in
            for (seq, status, buy) in [(1, "attributed", "mb-1"), (2, "unattributed", nil), (3, "duplicate", nil), (4, "attributed", "mb-2")] {
                try db.execute(sql: """
                    INSERT INTO attributions (event_seq, account_id, event_source_id, event_type, event_id, event_time,
                        received_at, status, media_buy_id, package_id, creative_id, attributed_at)
                    VALUES (?, 'acme', 'web', 'purchase', ?, ?, 0, ?, ?, ?, ?, 0)
                    """, arguments: [seq, "o-\(seq)", seq * 1_000, status, buy, buy.map { _ in "pkg" }, buy.map { _ in "cr" }])
            }
        }
        try await store.migrate()
        let report = try await store.deliveryFacts(accountID: "acme", mediaBuyIDs: ["mb-1", "mb-2"], from: nil, to: nil)
        #expect(report.conversions.map(\.count).reduce(0, +) == 2)
    }

    /// The first store of a process turns SQLite's memory statistics off;
    /// once they are off, SQLite counts no memory. (Another connection opened
    /// first in the same process leaves them on, and SQLite counts.)
    @Test func memoryStatisticsFollowTheSetting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-memstat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path)
        _ = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        var current: Int64 = 0
        var highest: Int64 = 0
        #expect(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0) == SQLITE_OK)
        #expect((current == 0) == SQLiteStore.memoryStatisticsOff, "memory used \(current)")
    }
}
