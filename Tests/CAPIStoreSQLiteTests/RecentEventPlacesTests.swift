@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import Testing

/// The dedup index's entries in memory (`RecentEventPlaces`) and their
/// merges into the file (`EventIDMerger`): a duplicate is caught wherever
/// its first entry is, and nothing a rolled-back or crashed write left is
/// taken for a stored event.
@Suite struct RecentEventPlacesTests {
    // MARK: - Generations

    @Test func aRolledBackWritesEntriesAreTakenBack() {
        let recent = RecentEventPlaces(mergeAt: 10)
        recent.state.withLock { $0.add(place: 7, seq: 1) }
        #expect(recent.commit() == .nothing)
        recent.state.withLock {
            $0.add(place: 8, seq: 2)
            $0.add(place: 7, seq: 3)  // another key of place 7
        }
        #expect(recent.seqs(at: 7) == [1, 3])
        recent.rollback()
        #expect(recent.seqs(at: 7) == [1])
        #expect(recent.seqs(at: 8).isEmpty)
        #expect(recent.state.withLock { $0.active.count } == 1)
    }

    @Test func aFullGenerationIsHandedToTheMergerAndDroppedOnceMerged() {
        let recent = RecentEventPlaces(mergeAt: 2)
        recent.state.withLock { $0.add(place: 30, seq: 1) }
        #expect(recent.commit() == .nothing)
        recent.state.withLock { $0.add(place: 10, seq: 2) }
        #expect(recent.commit() == .merge)
        let (entries, through) = recent.toMerge()
        #expect(entries.map(\.place) == [10, 30] && through == 2)
        // While it is merged, it is still seen; new entries gather apart.
        recent.state.withLock { $0.add(place: 20, seq: 3) }
        #expect(recent.commit() == .nothing)
        #expect(recent.seqs(at: 10) == [2] && recent.seqs(at: 20) == [3])
        recent.mergeEnded(committed: true)
        #expect(recent.seqs(at: 10) == [2])  // until the writer's next transaction
        recent.beginWrite()
        #expect(recent.seqs(at: 10).isEmpty && recent.seqs(at: 20) == [3])
    }

    @Test func theWriterWaitsWhenTheMergerFallsBehind() {
        let recent = RecentEventPlaces(mergeAt: 1)
        recent.state.withLock { $0.add(place: 1, seq: 1) }
        #expect(recent.commit() == .merge)
        for seq in Int64(2)...5 {
            recent.state.withLock { $0.add(place: seq, seq: seq) }
            #expect(recent.commit() == (seq < 5 ? .nothing : .waitForMerge))
        }
    }

    @Test func aFailedMergeLeavesItsEntriesInMemory() {
        let recent = RecentEventPlaces(mergeAt: 1)
        recent.state.withLock { $0.add(place: 5, seq: 1) }
        #expect(recent.commit() == .merge)
        recent.mergeEnded(committed: false)
        recent.beginWrite()
        #expect(recent.seqs(at: 5) == [1])
        #expect(recent.commit() == .merge)
    }

    // MARK: - In a store

    /// A store whose memory holds `mergeAt` entries a generation.
    static func withStore(
        mergeAt: Int, at path: String? = nil, _ body: (SQLiteStoreFixture) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-recent-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(
            path: folder.appendingPathComponent("capi.sqlite").path, workload: .server, metrics: nil, logger: nil,
            walFlush: nil, dedupMergeAt: mergeAt)
        try await store.migrate()
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: SQLiteStoreFixture.now))
        try await store.upsertEventSource(EventSource(
            accountID: "acme", eventSourceID: "web", config: EventSourceConfig(eventTypes: [.purchase]),
            createdAt: SQLiteStoreFixture.now, updatedAt: SQLiteStoreFixture.now))
        try await body(SQLiteStoreFixture(folder: folder, store: store))
        try await store.close()
    }

    static func purchases(_ ids: ClosedRange<Int>) -> [String] {
        ids.map { SQLiteStoreFixture.purchase("o-\($0)") }
    }

    static func fileEntries(_ store: SQLiteStore) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dedup.event_ids") ?? -1 }
    }

    /// Repeats are caught while their first entry is in memory, being
    /// merged, or in the file; merges file every entry exactly once.
    @Test func duplicatesAreCaughtWhereverTheFirstEntryIs() async throws {
        try await Self.withStore(mergeAt: 8) { fixture in
            let store = fixture.store
            #expect(try await fixture.ingest(events: Self.purchases(1...5)) == IngestCounts(inserted: 5, duplicates: 0))
            #expect(try await Self.fileEntries(store) == 0)  // all in memory
            #expect(try await fixture.ingest(events: Self.purchases(1...5)) == IngestCounts(inserted: 0, duplicates: 5))
            for start in stride(from: 6, through: 46, by: 5) {
                #expect(try await fixture.ingest(events: Self.purchases(start - 3...start + 4))
                    == IngestCounts(inserted: 5, duplicates: 3))
            }
            store.dedupMerger.waitForRunningMerge()
            #expect(try await Self.fileEntries(store) > 0)
            #expect(try await fixture.ingest(events: Self.purchases(1...60)) == IngestCounts(inserted: 10, duplicates: 50))
            try await store.flushRecentPlaces()
            #expect(try await Self.fileEntries(store) == 60)
            #expect(try await fixture.ingest(events: Self.purchases(1...60)) == IngestCounts(inserted: 0, duplicates: 60))
            let covered = try await store.pool.read { db in try EventIDIndex.covered(db) }
            #expect(covered == 60)
        }
    }

    /// A write that rolls back takes its entries back (a stale entry would be
    /// harmless, as keys are compared, but would be filed for nothing), and
    /// the same events sent again are new.
    @Test func eventsOfAFailedWriteAreNewWhenSentAgain() async throws {
        try await Self.withStore(mergeAt: 1_000) { fixture in
            let store = fixture.store
            // The batch's counters go last in its transaction: without their
            // table, the write fails after its events claimed their places.
            try await store.pool.write { db in try db.execute(sql: "ALTER TABLE source_counters RENAME TO away") }
            await #expect(throws: (any Error).self) { try await fixture.ingest(events: Self.purchases(1...3)) }
            #expect(store.recentPlaces.state.withLock { $0.active.count } == 0)
            try await store.pool.write { db in try db.execute(sql: "ALTER TABLE away RENAME TO source_counters") }
            #expect(try await fixture.ingest(events: Self.purchases(1...3)) == IngestCounts(inserted: 3, duplicates: 0))
        }
    }

    /// Entries in memory die with the process; the next open indexes the
    /// events the file does not cover, so their repeats stay duplicates.
    @Test func entriesLostWithTheProcessAreIndexedOnOpen() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-recent-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: SQLiteStoreFixture.now))
            try await store.upsertEventSource(EventSource(
                accountID: "acme", eventSourceID: "web", config: EventSourceConfig(eventTypes: [.purchase]),
                createdAt: SQLiteStoreFixture.now, updatedAt: SQLiteStoreFixture.now))
            let fixture = SQLiteStoreFixture(folder: folder, store: store)
            #expect(try await fixture.ingest(events: Self.purchases(1...4)).inserted == 4)
            #expect(try await Self.fileEntries(store) == 0)
            // No close: the process ends with its entries in memory.
        }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        #expect(try await Self.fileEntries(store) == 4)
        #expect(try await SQLiteStoreFixture(folder: folder, store: store).ingest(events: Self.purchases(3...6))
            == IngestCounts(inserted: 2, duplicates: 2))
        try await store.close()
    }
}
