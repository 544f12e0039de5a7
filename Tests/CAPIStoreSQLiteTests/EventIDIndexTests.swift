@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import Testing

/// The dedup index file (`EventIDIndex`): exact whatever its hashes do, and
/// brought back to the stored events whatever state a crash or an operator
/// leaves it in.
@Suite struct EventIDIndexTests {
    /// The index's place of one of `acme`'s `web` purchases.
    static func place(_ store: SQLiteStore, _ id: String) async throws -> Int64 {
        try await store.pool.read { db in
            EventPlaces(key: try #require(try EventIDIndex.hashKey(db)))
                .place(EventDedupKey(accountID: "acme", eventSourceID: "web", eventType: "purchase", eventID: id))
        }
    }

    static func count(_ store: SQLiteStore, _ sql: String) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    /// Opens the store at `path` again, as a restarted server does.
    static func reopen(_ path: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        return store
    }

    /// Two keys of one place: the second is a new event, not a duplicate of
    /// the first, and from then on each is caught when sent again.
    @Test func aKeyWhoseHashAnotherHoldsIsStoredAndThenCaught() async throws {
        try await SQLiteStoreFixture.run { fixture in
            let store = fixture.store
            #expect(try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-a")]).inserted == 1)
            // o-b's place, held by o-a: what another key of the same place
            // looks like to the index.
            let placeB = try await Self.place(store, "o-b")
            try await store.pool.write { db in
                try db.execute(sql: "INSERT INTO dedup.event_ids (place, seq) SELECT ?, MAX(seq) FROM events", arguments: [placeB])
            }
            #expect(try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-b")]) == IngestCounts(inserted: 1, duplicates: 0))
            try await store.flushRecentPlaces()
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM dedup.collisions") == 1)
            let again = try await fixture.ingest(events: [
                SQLiteStoreFixture.purchase("o-b"), SQLiteStoreFixture.purchase("o-a"), SQLiteStoreFixture.purchase("o-c"),
            ])
            #expect(again == IngestCounts(inserted: 1, duplicates: 2))
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM events") == 3)
            let explained = try await store.attributionExplanation(
                accountID: "acme", eventSourceID: "web", eventType: "purchase", eventID: "o-b")
            #expect(explained?.eventID == "o-b")
        }
    }

    /// An index that lost its last entries (or its whole file) indexes the
    /// events it missed when the store opens: their repeats stay duplicates.
    @Test func anIndexBehindTheEventsCatchesUpOnOpen() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-dedup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        try await SQLiteStoreFixture.run(at: path) { fixture in
            #expect(try await fixture.ingest(events: ["o-1", "o-2", "o-3"].map { SQLiteStoreFixture.purchase($0) }).inserted == 3)
            try await fixture.store.flushRecentPlaces()
            try await fixture.store.pool.write { db in
                try db.execute(sql: "DELETE FROM dedup.event_ids WHERE seq > 1")
                try EventIDIndex.setCovered(db, 1)
            }
        }
        let behind = try await Self.reopen(path)
        #expect(try await Self.count(behind, "SELECT COUNT(*) FROM dedup.event_ids") == 3)
        let repeats = SQLiteStoreFixture(folder: folder, store: behind)
        #expect(try await repeats.ingest(events: ["o-2", "o-3", "o-4"].map { SQLiteStoreFixture.purchase($0) })
            == IngestCounts(inserted: 1, duplicates: 2))
        try await behind.close()

        for suffix in ["-dedup", "-dedup-wal", "-dedup-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let rebuilt = try await Self.reopen(path)
        #expect(try await Self.count(rebuilt, "SELECT COUNT(*) FROM dedup.event_ids") == 4)
        #expect(try await SQLiteStoreFixture(folder: folder, store: rebuilt).ingest(events: ["o-1", "o-4"].map { SQLiteStoreFixture.purchase($0) })
            == IngestCounts(inserted: 0, duplicates: 2))
        try await rebuilt.close()
    }

    /// Entries of events the database lost (its last commits, to a crash)
    /// are dropped on open: those ids are new when they come again.
    @Test func entriesPastTheStoredEventsAreDroppedOnOpen() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-dedup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        try await SQLiteStoreFixture.run(at: path) { fixture in
            #expect(try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-1")]).inserted == 1)
            let lost = try await Self.place(fixture.store, "o-9")
            try await fixture.store.pool.write { db in
                try db.execute(sql: "INSERT INTO dedup.event_ids (place, seq) VALUES (?, 99)", arguments: [lost])
                try EventIDIndex.setCovered(db, 99)
            }
        }
        let store = try await Self.reopen(path)
        #expect(try await Self.count(store, "SELECT COUNT(*) FROM dedup.event_ids WHERE seq > 1") == 0)
        #expect(try await store.pool.read { db in try EventIDIndex.covered(db) } == 1)
        #expect(try await SQLiteStoreFixture(folder: folder, store: store).ingest(events: [SQLiteStoreFixture.purchase("o-9")])
            == IngestCounts(inserted: 1, duplicates: 0))
        #expect(try await Self.count(store, "SELECT COUNT(*) FROM dedup.collisions") == 0)
        try await store.close()
    }

    /// An index file that belongs to another database is rebuilt for this
    /// one, with a key of its own.
    @Test func anIndexBesideAnotherDatabaseIsRebuilt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-dedup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mine = folder.appendingPathComponent("mine/capi.sqlite").path
        let other = folder.appendingPathComponent("other/capi.sqlite").path
        var otherKey: (UInt64, UInt64)?
        try await SQLiteStoreFixture.run(at: other) { fixture in
            _ = try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-other")])
            otherKey = try await fixture.store.pool.read { db in try EventIDIndex.hashKey(db) }
        }
        try await SQLiteStoreFixture.run(at: mine) { fixture in
            _ = try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-mine")])
        }
        for suffix in ["-dedup-wal", "-dedup-shm"] { try? FileManager.default.removeItem(atPath: mine + suffix) }
        try FileManager.default.removeItem(atPath: mine + "-dedup")
        try FileManager.default.copyItem(atPath: other + "-dedup", toPath: mine + "-dedup")

        let store = try await Self.reopen(mine)
        let key = try await store.pool.read { db in try EventIDIndex.hashKey(db) }
        #expect(key.map { [$0.0, $0.1] } != otherKey.map { [$0.0, $0.1] })
        let fixture = SQLiteStoreFixture(folder: folder, store: store)
        #expect(try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o-mine"), SQLiteStoreFixture.purchase("o-other")])
            == IngestCounts(inserted: 1, duplicates: 1))
        try await store.close()
    }

    /// The hash is SipHash-2-4: the reference vectors of its paper (key
    /// 00…0f, messages 00, 00 01, …), so stored hashes mean the same in
    /// every version.
    @Test func theHashIsSipHash24() {
        let key = (UInt64(0x0706_0504_0302_0100), UInt64(0x0f0e_0d0c_0b0a_0908))
        let expected: [UInt64] = [0x726f_db47_dd0e_0e31, 0x74f8_39c5_93dc_67fd, 0x0d6c_8009_d9a9_4f5a, 0x8567_6696_d7fb_7e2d]
        for (length, value) in expected.enumerated() {
            var hash = SipHash24(key: key)
            for byte in 0..<UInt8(length) { hash.append(byte) }
            #expect(hash.finalize() == value, "message of \(length) bytes")
        }
        var long = SipHash24(key: key)
        for byte in 0..<UInt8(15) { long.append(byte) }
        #expect(long.finalize() == 0xa129_ca61_49be_45e5)
    }
}
