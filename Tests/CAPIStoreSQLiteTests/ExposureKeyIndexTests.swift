@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import Testing

/// `exposure_keys` files identity keys by hash (`ExposureKeyIndex`): a
/// lookup is settled against the exposure's own keys, and migration v7
/// files the keys of exposures stored before it.
@Suite struct ExposureKeyIndexTests {
    static let emailA = String(repeating: "a", count: 64)
    static let emailB = String(repeating: "b", count: 64)

    /// Media buy `mb_a` of `acme`, and one impression per email, `minutesAgo` before now.
    static func expose(_ store: SQLiteStore, _ emails: [(id: String, email: String, minutesAgo: Int64)]) async throws {
        let now = SQLiteStoreFixture.now
        let buy = MediaBuy(
            media_buy_id: "mb_a", account_id: "acme", name: nil, currency: "USD", start_time: nil, end_time: nil,
            packages: [.init(package_id: "pkg_1", creatives: [.init(creative_id: "cr_1", landing_url: "https://shop.example.com/")])])
        _ = try await store.upsertMediaBuy(buy, at: now)
        let exposures = emails.map { e in
            var identifiers = Identifiers()
            identifiers.hashedEmail = e.email
            return Exposure(
                exposureID: e.id, kind: .impression, accountID: "acme", mediaBuyID: "mb_a", packageID: "pkg_1",
                creativeID: "cr_1", time: now - e.minutesAgo * 60_000, identifiers: identifiers)
        }
        #expect(try await store.insertExposures(exposures, receivedAt: now) == exposures.count)
    }

    /// A purchase by `email`, attributed; returns the exposure it was credited to.
    static func creditedExposure(_ fixture: SQLiteStoreFixture, order: String, email: String) async throws -> String? {
        let user = #""user_match":{"hashed_email":"\#(email)"}"#
        try await fixture.ingest(events: [SQLiteStoreFixture.purchase(order, extra: user)])
        while !(try await fixture.store.attributePending(maxConversions: 100, at: SQLiteStoreFixture.now).isIdle) {}
        return try await fixture.store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT exposure_id FROM attributions WHERE event_id = ?", arguments: [order])
        }
    }

    /// An entry whose hash is the conversion's key but whose exposure does
    /// not carry that key (what a hash collision looks like) never matches,
    /// though the exposure is the latest and last touch would take it.
    @Test func anEntryWhoseExposureLacksTheKeyNeverMatches() async throws {
        try await SQLiteStoreFixture.run { fixture in
            let store = fixture.store
            try await Self.expose(store, [("imp-a", Self.emailA, 30), ("imp-b", Self.emailB, 5)])
            try await store.pool.write { db in
                let hashes = try IdentityKeyHashes.required(db)
                let keyA = IdentityKey(kind: "hashed_email", value: Self.emailA).storageKey
                let seqB = try #require(try Int64.fetchOne(db, sql: "SELECT seq FROM exposures WHERE exposure_id = 'imp-b'"))
                let timeB = try #require(try Int64.fetchOne(db, sql: "SELECT time FROM exposures WHERE exposure_id = 'imp-b'"))
                try db.execute(
                    sql: "INSERT INTO exposure_keys (key_hash, time, exposure_seq) VALUES (?, ?, ?)",
                    arguments: [hashes.hash(accountID: "acme", storageKey: keyA), timeB, seqB])
            }
            #expect(try await Self.creditedExposure(fixture, order: "o-1", email: Self.emailA) == "imp-a")
        }
    }

    /// Another account's hash of the same key is another entry: an
    /// exposure of `acme` is never found for another account's conversion.
    @Test func theAccountIsPartOfTheHash() async throws {
        try await SQLiteStoreFixture.run { fixture in
            try await fixture.store.pool.read { db in
                let hashes = try IdentityKeyHashes.required(db)
                let key = IdentityKey(kind: "hashed_email", value: Self.emailA).storageKey
                #expect(hashes.hash(accountID: "acme", storageKey: key) != hashes.hash(accountID: "acme2", storageKey: key))
                // Parts are delimited: moving bytes between account and key changes the hash.
                #expect(hashes.hash(accountID: "ab", storageKey: "c") != hashes.hash(accountID: "a", storageKey: "bc"))
            }
        }
    }

    /// A sweep of slices covers the 64-bit space, in order, without gap or
    /// overlap, whatever the number of slices.
    @Test(arguments: [4, 7, 16, 1_024])
    func aSweepCoversEveryHash(slices: Int) {
        var ranges: [ClosedRange<Int64>] = []
        var next = Int64.min
        repeat {
            let (range, after) = ExposureKeyIndex.range(from: next, slices: slices)
            ranges.append(range)
            next = after
        } while next != .min && ranges.count <= slices + 1
        #expect(ranges.count == slices)
        #expect(ranges.first?.lowerBound == .min)
        #expect(ranges.last?.upperBound == .max)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound &+ 1 == b.lowerBound) }
    }

    /// About √(settled ÷ entries a settle), within bounds.
    @Test func theSliceCountGrowsWithTheRootOfTheIndex() {
        #expect(ExposureKeyIndex.slices(settledEntries: 0, entriesPerSettle: 60_000) == ExposureKeyIndex.minSlices)
        #expect(ExposureKeyIndex.slices(settledEntries: 15_360_000, entriesPerSettle: 60_000) == 16)
        #expect(ExposureKeyIndex.slices(settledEntries: 150_000_000, entriesPerSettle: 60_000) == 50)
        #expect(ExposureKeyIndex.slices(settledEntries: .max / 2, entriesPerSettle: 1) == ExposureKeyIndex.maxSlices)
    }

    /// Entries go to the small tier; every `settleEvery` entries one slice
    /// moves to the large tier; a lookup finds an exposure in either.
    @Test func entriesSettleASliceAtATimeAndAreFoundInEitherTier() async throws {
        try await SQLiteStoreFixture.run { fixture in
            let store = fixture.store
            try await Self.expose(store, [("imp-a", Self.emailA, 30)])
            #expect(try await fixture.count("SELECT COUNT(*) FROM exposure_keys_new") == 1)
            try await store.pool.write { db in try ExposureKeyIndex.settle(db, Int64.min...Int64.max) }
            #expect(try await fixture.count("SELECT COUNT(*) FROM exposure_keys") == 1)
            #expect(try await fixture.count("SELECT COUNT(*) FROM exposure_keys_new") == 0)
            try await Self.expose(store, [("imp-b", Self.emailB, 5)])
            #expect(try await Self.creditedExposure(fixture, order: "o-a", email: Self.emailA) == "imp-a")
            #expect(try await Self.creditedExposure(fixture, order: "o-b", email: Self.emailB) == "imp-b")

            // A feed past `settleEvery` entries settles the first slice: a
            // quarter of the space, as the large tier holds one entry.
            let many = (0..<ExposureKeyIndex.settleEvery).map { n in
                var identifiers = Identifiers()
                identifiers.hashedEmail = String(format: "%064x", n + 1)
                return Exposure(
                    exposureID: "bulk-\(n)", kind: .impression, accountID: "acme", mediaBuyID: "mb_a", packageID: "pkg_1",
                    creativeID: "cr_1", time: SQLiteStoreFixture.now - 600_000, identifiers: identifiers)
            }
            #expect(try await store.insertExposures(many, receivedAt: SQLiteStoreFixture.now) == many.count)
            let first = ExposureKeyIndex.range(from: .min, slices: ExposureKeyIndex.minSlices).range
            #expect(try await fixture.strings("SELECT value FROM store_meta WHERE name = 'exposure_keys_next'") == ["\(first.upperBound + 1)"])
            #expect(try await fixture.count(
                "SELECT COUNT(*) FROM exposure_keys_new WHERE key_hash BETWEEN \(first.lowerBound) AND \(first.upperBound)") == 0)
            #expect(try await fixture.count("SELECT COUNT(*) FROM exposure_keys") > 1)
            #expect(try await fixture.count("SELECT (SELECT COUNT(*) FROM exposure_keys) + (SELECT COUNT(*) FROM exposure_keys_new)")
                == ExposureKeyIndex.settleEvery + 2)
        }
    }

    /// A store from before v7 (keys as text, no identity key) has its
    /// exposures' keys filed as it opens, so they still attribute.
    @Test func migrationV7FilesTheKeysOfStoredExposures() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        try await SQLiteStoreFixture.run(at: path) { fixture in
            try await Self.expose(fixture.store, [("imp-a", Self.emailA, 30), ("imp-b", Self.emailB, 5)])
            try await fixture.store.pool.write { db in
                try db.execute(sql: """
                    DROP TABLE exposure_keys;
                    CREATE TABLE exposure_keys (account_id TEXT NOT NULL, key TEXT NOT NULL, time INTEGER NOT NULL, exposure_seq INTEGER NOT NULL);
                    DELETE FROM store_meta WHERE name = 'identity_key';
                    DELETE FROM grdb_migrations WHERE identifier = 'v7-exposure-key-hashes';
                    """)
            }
        }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let fixture = SQLiteStoreFixture(folder: folder, store: store)
        #expect(try await fixture.count("SELECT COUNT(*) FROM exposure_keys") == 2)
        #expect(try await Self.creditedExposure(fixture, order: "o-a", email: Self.emailA) == "imp-a")
        #expect(try await Self.creditedExposure(fixture, order: "o-b", email: Self.emailB) == "imp-b")
        try await store.close()
    }
}
