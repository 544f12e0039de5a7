import CAPIStore
import CAPICore
import GRDB

/// Reports read only the hourly rollups: a report's cost follows the rows it
/// returns, not the exposures behind them.
extension SQLiteStore {
    public func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts {
        guard !mediaBuyIDs.isEmpty else { return DeliveryFacts() }
        let marks = Array(repeating: "?", count: mediaBuyIDs.count).joined(separator: ",")
        // Hour precision: each bound moves to the start of its hour.
        let hours = (from: from.map(RollupHour.of) ?? Int64.min, to: to.map(RollupHour.of) ?? Int64.max)
        return try await pool.read { db in
            var facts = DeliveryFacts()
            var arguments = StatementArguments([accountID] + mediaBuyIDs)
            _ = arguments.append(contentsOf: [hours.from, hours.to])
            let day = SQLiteRollups.day("hour")
            for row in try Row.fetchAll(db, sql: """
                SELECT media_buy_id, package_id, creative_id, \(day) AS day,
                    SUM(impressions) AS impressions, SUM(clicks) AS clicks, TOTAL(spend) AS spend
                FROM exposure_rollups WHERE account_id = ? AND media_buy_id IN (\(marks)) AND hour >= ? AND hour < ?
                GROUP BY media_buy_id, package_id, creative_id, day
                """, arguments: arguments) {
                facts.exposures.append(.init(
                    mediaBuyID: row["media_buy_id"], packageID: row["package_id"], creativeID: row["creative_id"],
                    day: row["day"], impressions: row["impressions"], clicks: row["clicks"], spend: row["spend"]))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT media_buy_id, package_id, creative_id, \(day) AS day, event_type, NULLIF(action_source, '') AS action_source,
                    NULLIF(currency, '') AS currency, SUM(count) AS n, TOTAL(value) AS value
                FROM conversion_rollups WHERE account_id = ? AND media_buy_id IN (\(marks)) AND hour >= ? AND hour < ?
                GROUP BY media_buy_id, package_id, creative_id, day, event_type, action_source, currency
                HAVING n != 0
                """, arguments: arguments) {
                facts.conversions.append(.init(
                    mediaBuyID: row["media_buy_id"], packageID: row["package_id"], creativeID: row["creative_id"],
                    day: row["day"], eventType: row["event_type"], actionSource: row["action_source"],
                    currency: row["currency"], count: row["n"], value: row["value"]))
            }
            return facts
        }
    }

    public func verifyRollups(accountID: String?) async throws -> RollupCheck {
        try await pool.read { db in try SQLiteRollups.verify(db, accountID: accountID) }
    }

    public func rebuildRollups() async throws {
        try await durableWrite { db in
            try db.execute(sql: "DELETE FROM exposure_rollups; DELETE FROM conversion_rollups;")
            try SQLiteRollups.fill(db)
        }
    }
}
