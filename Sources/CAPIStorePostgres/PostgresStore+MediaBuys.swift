import CAPICore
import CAPIStore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// One upsert that replaces a buy only when it is the same account's:
    /// two accounts claiming a new id at once cannot both win.
    public func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool {
        let packages = String(decoding: try JSONEncoder().encode(buy.packages), as: UTF8.self)
        return try await transaction { db in
            guard try await Self.accountExists(buy.account_id, db) else {
                throw StoreError.notFound("account '\(buy.account_id)'")
            }
            let written = try await db.rows("""
                INSERT INTO media_buys AS m (media_buy_id, account_id, name, currency, start_time, end_time, packages, created_at, updated_at)
                VALUES (\(buy.media_buy_id), \(buy.account_id), \(buy.name), \(buy.currency), \(buy.start_time), \(buy.end_time),
                    \(packages), \(at), \(at))
                ON CONFLICT (media_buy_id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
                    start_time = excluded.start_time, end_time = excluded.end_time,
                    packages = excluded.packages, updated_at = excluded.updated_at
                WHERE m.account_id = excluded.account_id
                RETURNING (xmax = 0) AS created
                """)
            guard let row = written.first else {
                throw StoreError.conflict("media buy '\(buy.media_buy_id)' belongs to another account")
            }
            return try Cells(row).get(0, as: Bool.self)
        }
    }

    public func mediaBuyOwner(id: String) async throws -> String? {
        try await read("SELECT account_id FROM media_buys WHERE media_buy_id = \(id)").first.map { try Cells($0).get(0) }
    }

    public func mediaBuy(accountID: String, id: String) async throws -> MediaBuy? {
        try await read("""
            SELECT \(unescaped: Self.buyColumns) FROM media_buys WHERE account_id = \(accountID) AND media_buy_id = \(id)
            """).first.flatMap(Self.mediaBuy(_:))
    }

    public func mediaBuys(accountID: String) async throws -> [MediaBuy] {
        try await read("""
            SELECT \(unescaped: Self.buyColumns) FROM media_buys WHERE account_id = \(accountID) ORDER BY media_buy_id COLLATE "C"
            """).compactMap(Self.mediaBuy(_:))
    }

    static let buyColumns = "media_buy_id, account_id, name, currency, start_time, end_time, packages"

    /// A stored buy; nil when its packages no longer decode.
    static func mediaBuy(_ row: PostgresRow) throws -> MediaBuy? {
        let r = Cells(row)
        let text: String = try r.get(6)
        guard let packages = try? JSONDecoder().decode([MediaBuy.Package].self, from: Data(text.utf8)) else { return nil }
        return MediaBuy(
            media_buy_id: try r.get(0), account_id: try r.get(1), name: try r.get(2), currency: try r.get(3),
            start_time: try r.get(4), end_time: try r.get(5), packages: packages)
    }
}
