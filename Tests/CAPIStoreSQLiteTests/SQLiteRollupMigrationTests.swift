@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import Testing

/// The `v5-rollups` migration fills the rollups from the rows a database
/// already holds, so reports read the same figures after the upgrade.
@Suite struct SQLiteRollupMigrationTests {
    @Test func theMigrationFillsTheRollupsFromStoredRows() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-rollups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        let now = SQLiteStoreFixture.now
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: now))
        try await store.upsertEventSource(EventSource(
            accountID: "acme", eventSourceID: "web", config: EventSourceConfig(), createdAt: now, updatedAt: now))
        let buy = MediaBuy(
            media_buy_id: "mb_a", account_id: "acme", name: nil, currency: "USD", start_time: nil, end_time: nil,
            packages: [.init(package_id: "pkg_1", creatives: [.init(creative_id: "cr_1", landing_url: "https://shop.example.com/")])])
        _ = try await store.upsertMediaBuy(buy, at: now)
        var identifiers = Identifiers()
        identifiers.hashedEmail = String(repeating: "a", count: 64)
        let exposures = (0..<5).map { n in
            Exposure(
                exposureID: "imp-\(n)", kind: n == 4 ? .click : .impression, accountID: "acme", mediaBuyID: "mb_a",
                packageID: "pkg_1", creativeID: "cr_1", time: now - Int64(n) * 1_800_000, cost: 0.5, identifiers: identifiers)
        }
        #expect(try await store.insertExposures(exposures, receivedAt: now) == 5)
        let fixture = SQLiteStoreFixture(folder: folder, store: store)
        let user = #""user_match":{"hashed_email":"\#(String(repeating: "a", count: 64))"},"custom_data":{"value":12.5,"currency":"USD"}"#
        try await fixture.ingest(events: [SQLiteStoreFixture.purchase("o1", extra: user), SQLiteStoreFixture.purchase("o2", extra: user)])
        while !(try await store.attributePending(maxConversions: 100, at: now).isIdle) {}
        let before = try await store.deliveryFacts(accountID: "acme", mediaBuyIDs: ["mb_a"], from: nil, to: nil)
        #expect(before.exposures.map(\.impressions) == [4])
        #expect(before.conversions.map(\.count) == [2])

        // As a database from before the migration: no rollups.
        try await store.pool.write { db in
            try db.execute(sql: """
                DROP TABLE exposure_rollups; DROP TABLE conversion_rollups;
                DELETE FROM grdb_migrations WHERE identifier = 'v5-rollups';
                """)
        }
        try await store.close()
        let upgraded = try SQLiteStore(path: path)
        try await upgraded.migrate()
        #expect(try await upgraded.deliveryFacts(accountID: "acme", mediaBuyIDs: ["mb_a"], from: nil, to: nil) == before)
        #expect(try await upgraded.verifyRollups(accountID: nil) == RollupCheck(exposureRows: 3, conversionRows: 1))

        // A rollup that drifted is listed, and a rebuild repairs it.
        try await upgraded.pool.write { db in try db.execute(sql: "UPDATE exposure_rollups SET impressions = impressions + 1") }
        let drifted = try await upgraded.verifyRollups(accountID: "acme")
        #expect(drifted.differences.count == 3)
        #expect(drifted.differences.allSatisfy { $0.rollup == .exposures })
        try await upgraded.rebuildRollups()
        #expect(try await upgraded.verifyRollups(accountID: nil).agrees)
        try await upgraded.close()
    }
}
