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
}
