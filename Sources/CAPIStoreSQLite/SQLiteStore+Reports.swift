import CAPIStore
import CAPICore
import GRDB

extension SQLiteStore {
    public func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts {
        guard !mediaBuyIDs.isEmpty else { return DeliveryFacts() }
        let marks = Array(repeating: "?", count: mediaBuyIDs.count).joined(separator: ",")
        return try await pool.read { db in
            var facts = DeliveryFacts()
            var arguments = StatementArguments([accountID] + mediaBuyIDs)
            _ = arguments.append(contentsOf: [from ?? Int64.min, to ?? Int64.max])
            for row in try Row.fetchAll(db, sql: """
                SELECT media_buy_id, package_id, creative_id, time / 86400000 AS day,
                    SUM(kind = 'impression') AS impressions, SUM(kind = 'click') AS clicks, TOTAL(cost) AS spend
                FROM exposures WHERE account_id = ? AND media_buy_id IN (\(marks)) AND time >= ? AND time < ?
                GROUP BY media_buy_id, package_id, creative_id, day
                """, arguments: arguments) {
                facts.exposures.append(.init(
                    mediaBuyID: row["media_buy_id"], packageID: row["package_id"], creativeID: row["creative_id"],
                    day: row["day"], impressions: row["impressions"], clicks: row["clicks"], spend: row["spend"]))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT media_buy_id, package_id, creative_id, event_time / 86400000 AS day, event_type, action_source,
                    currency, COUNT(*) AS n, TOTAL(value) AS value
                FROM attributions WHERE account_id = ? AND status = 'attributed' AND media_buy_id IN (\(marks)) AND event_time >= ? AND event_time < ?
                GROUP BY media_buy_id, package_id, creative_id, day, event_type, action_source, currency
                """, arguments: arguments) {
                facts.conversions.append(.init(
                    mediaBuyID: row["media_buy_id"], packageID: row["package_id"], creativeID: row["creative_id"],
                    day: row["day"], eventType: row["event_type"], actionSource: row["action_source"],
                    currency: row["currency"], count: row["n"], value: row["value"]))
            }
            return facts
        }
    }
}
