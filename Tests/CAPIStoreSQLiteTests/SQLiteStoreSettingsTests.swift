@testable import CAPIStore
import CAPICore
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

/// The v3 migration re-creates the dedup index event id first, on a
/// database that already holds events, and keeps both rows and uniqueness.
@Suite struct SQLiteMigrationTests {
    @Test func theDedupIndexLeadsWithTheEventIDAndStillRefusesRepeats() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("capi.sqlite").path)
        try SQLiteSchema.migrator.migrate(store.pool, upTo: "v2-attribution")
        let insert = """
            INSERT INTO events (account_id, event_source_id, event_type, event_id, event_time, received_at, payload)
            VALUES (?, 'web', 'purchase', ?, 0, 0, x'7B7D') ON CONFLICT DO NOTHING
            """
        try await store.pool.write { db in
            for (account, id) in [("acme", "o-1"), ("acme", "o-2"), ("globex", "o-1")] {
                try db.execute(sql: insert, arguments: [account, id])
            }
        }
        try await store.migrate()
        let columns = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info('events_dedup') ORDER BY seqno")
        }
        #expect(columns == ["event_id", "event_type", "event_source_id", "account_id"])
        let changes = try await store.pool.write { db in
            try db.execute(sql: insert, arguments: ["acme", "o-1"])  // a repeat
            let repeatChanges = db.changesCount
            try db.execute(sql: insert, arguments: ["acme", "o-3"])  // new
            return (repeatChanges, db.changesCount)
        }
        #expect(changes.0 == 0 && changes.1 == 1)
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") } == 4)
    }

    /// The v4 migration keeps only attributed conversions in the index by
    /// media buy, on a database that already holds attributions, and the
    /// delivery report's query still reads through it.
    @Test func theIndexByMediaBuyHoldsOnlyAttributedConversions() async throws {
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
        let (partial, plan, rows) = try await store.pool.read { db in
            (
                try Bool.fetchOne(db, sql: "SELECT partial FROM pragma_index_list('attributions') WHERE name = 'attributions_by_buy'"),
                try Row.fetchAll(db, sql: """
                    EXPLAIN QUERY PLAN SELECT COUNT(*) FROM attributions
                    WHERE status = 'attributed' AND media_buy_id IN ('mb-1', 'mb-2') AND event_time >= 0 AND event_time < 9999
                    """).map { $0["detail"] as String? ?? "" }.joined(separator: " "),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attributions INDEXED BY attributions_by_buy WHERE status = 'attributed'")
            )
        }
        #expect(partial == true)
        #expect(plan.contains("attributions_by_buy"), "\(plan)")
        #expect(rows == 2)
        let report = try await store.deliveryFacts(mediaBuyIDs: ["mb-1", "mb-2"], from: nil, to: nil)
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
