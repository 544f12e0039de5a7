import CAPIStore
import CAPICore
import Foundation
import GRDB

extension SQLiteStore {
    public func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool {
        let packages = String(decoding: try JSONEncoder().encode(buy.packages), as: UTF8.self)
        return try await durableWrite { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE account_id = ?", arguments: [buy.account_id]) == true else {
                throw StoreError.notFound("account '\(buy.account_id)'")
            }
            let owner = try String.fetchOne(db, sql: "SELECT account_id FROM media_buys WHERE media_buy_id = ?", arguments: [buy.media_buy_id])
            if let owner, owner != buy.account_id {
                throw StoreError.conflict("media buy '\(buy.media_buy_id)' belongs to another account")
            }
            try db.execute(
                sql: """
                    INSERT INTO media_buys (media_buy_id, account_id, name, currency, start_time, end_time, packages, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (media_buy_id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
                        start_time = excluded.start_time, end_time = excluded.end_time,
                        packages = excluded.packages, updated_at = excluded.updated_at
                    """,
                arguments: [buy.media_buy_id, buy.account_id, buy.name, buy.currency, buy.start_time, buy.end_time, packages, at, at])
            return owner == nil
        }
    }

    public func mediaBuyOwner(id: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT account_id FROM media_buys WHERE media_buy_id = ?", arguments: [id])
        }
    }

    public func mediaBuy(accountID: String, id: String) async throws -> MediaBuy? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM media_buys WHERE media_buy_id = ? AND account_id = ?", arguments: [id, accountID]
            ).flatMap(Self.mediaBuy)
        }
    }

    public func mediaBuys(accountID: String) async throws -> [MediaBuy] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM media_buys WHERE account_id = ? ORDER BY media_buy_id", arguments: [accountID])
                .compactMap(Self.mediaBuy)
        }
    }

    static func mediaBuy(_ row: Row) -> MediaBuy? {
        let packagesText: String = row["packages"]
        guard let packages = try? JSONDecoder().decode([MediaBuy.Package].self, from: Data(packagesText.utf8)) else { return nil }
        return MediaBuy(
            media_buy_id: row["media_buy_id"], account_id: row["account_id"], name: row["name"],
            currency: row["currency"], start_time: row["start_time"], end_time: row["end_time"], packages: packages)
    }

    public func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int {
        try await durableWrite { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO exposures (account_id, exposure_id, kind, media_buy_id, package_id, creative_id,
                    time, cost, click_id, keys, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
            let insertKey = try db.cachedStatement(sql: "INSERT INTO exposure_keys (account_id, key, time, exposure_seq) VALUES (?, ?, ?, ?)")
            var inserted: [Exposure] = []
            for e in exposures {
                let keys = e.keys.map(\.storageKey)
                insert.setUncheckedArguments([
                    e.accountID, e.exposureID, e.kind.rawValue, e.mediaBuyID, e.packageID, e.creativeID,
                    e.time, e.cost, e.clickID, keys.joined(separator: IdentityKey.listSeparator), receivedAt,
                ])
                try insert.execute()
                guard db.changesCount > 0 else { continue }
                inserted.append(e)
                let seq = db.lastInsertedRowID
                for key in keys {
                    insertKey.setUncheckedArguments([e.accountID, key, e.time, seq])
                    try insertKey.execute()
                }
            }
            try SQLiteRollups.add(db, ExposureRollupDelta.tally(inserted))
            return inserted.count
        }
    }

    public func storedExposures(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredExposureRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM exposures WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [accountID, afterSeq, limit]
            ).map { e in
                StoredExposureRecord(
                    seq: e["seq"],
                    exposure: Exposure(
                        exposureID: e["exposure_id"], kind: Exposure.Kind(rawValue: e["kind"]) ?? .impression,
                        accountID: e["account_id"], mediaBuyID: e["media_buy_id"], packageID: e["package_id"],
                        creativeID: e["creative_id"], time: e["time"], cost: e["cost"], clickID: e["click_id"]),
                    receivedAt: e["received_at"])
            }
        }
    }
}
