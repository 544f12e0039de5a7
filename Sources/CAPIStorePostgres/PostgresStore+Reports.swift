import CAPICore
import CAPIStore
import PostgresNIO

/// Reports read only the hourly rollups: a report's cost follows the rows it
/// returns, not the exposures behind them.
extension PostgresStore {
    public func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts {
        guard !mediaBuyIDs.isEmpty else { return DeliveryFacts() }
        // Hour precision: each bound moves to the start of its hour.
        let hours = (from: from.map(RollupHour.of) ?? Int64.min, to: to.map(RollupHour.of) ?? Int64.max)
        let day = PostgresRollups.day("hour")
        var facts = DeliveryFacts()
        for row in try await read("""
            SELECT media_buy_id, package_id, creative_id, \(unescaped: day) AS day,
                sum(impressions)::bigint, sum(clicks)::bigint, COALESCE(sum(spend), 0)
            FROM exposure_rollups
            WHERE account_id = \(accountID) AND media_buy_id = ANY(\(mediaBuyIDs)) AND hour >= \(hours.from) AND hour < \(hours.to)
            GROUP BY 1, 2, 3, 4 ORDER BY media_buy_id COLLATE "C", package_id COLLATE "C", creative_id COLLATE "C", 4
            """) {
            let r = Cells(row)
            facts.exposures.append(.init(
                mediaBuyID: try r.get(0), packageID: try r.get(1), creativeID: try r.get(2), day: try r.get(3),
                impressions: try r.get(4), clicks: try r.get(5), spend: try r.get(6)))
        }
        for row in try await read("""
            SELECT media_buy_id, package_id, creative_id, \(unescaped: day) AS day, event_type, NULLIF(action_source, ''),
                NULLIF(currency, ''), sum(count)::bigint AS n, COALESCE(sum(value), 0)
            FROM conversion_rollups
            WHERE account_id = \(accountID) AND media_buy_id = ANY(\(mediaBuyIDs)) AND hour >= \(hours.from) AND hour < \(hours.to)
            GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(count) != 0
            ORDER BY media_buy_id COLLATE "C", package_id COLLATE "C", creative_id COLLATE "C", 4, event_type COLLATE "C",
                NULLIF(action_source, '') COLLATE "C", NULLIF(currency, '') COLLATE "C"
            """) {
            let r = Cells(row)
            facts.conversions.append(.init(
                mediaBuyID: try r.get(0), packageID: try r.get(1), creativeID: try r.get(2), day: try r.get(3),
                eventType: try r.get(4), actionSource: try r.get(5), currency: try r.get(6), count: try r.get(7), value: try r.get(8)))
        }
        return facts
    }

    public func verifyRollups(accountID: String?) async throws -> RollupCheck {
        try await snapshot { db in try await PostgresRollups.verify(db, accountID: accountID) }
    }

    public func rebuildRollups() async throws {
        try await transaction { db in try await PostgresRollups.rebuild(db) }
    }
}
