import CAPICore
import CAPIStore
import PostgresNIO

/// The hourly delivery rollups, as on SQLite: the upserts the exposure and
/// attribution writes make in their own transactions, and the recomputation
/// from raw rows that rebuilds and verifies them. An absent action source
/// or currency is stored as '' (a key column cannot be NULL).
enum PostgresRollups {
    /// SQL for the hour holding a millisecond column, rounded down like `RollupHour.of`.
    static func hour(_ column: String) -> String { "floor(\(column)::numeric / 3600000)::bigint" }

    /// SQL for the UTC day of an hour column, rounded down like `RollupHour.day(ofHour:)`.
    static func day(_ column: String) -> String { "floor(\(column)::numeric / 24)::bigint" }

    /// The exposure rollup recomputed from `exposures` (one account's when
    /// `account` is set), in the table's column order.
    static func exposureSource(account: Bool) -> String {
        """
        SELECT account_id, media_buy_id, package_id, creative_id, \(hour("time")) AS hour,
            count(*) FILTER (WHERE kind = 'impression') AS impressions, count(*) FILTER (WHERE kind = 'click') AS clicks,
            COALESCE(sum(cost), 0) AS spend
        FROM exposures \(account ? "WHERE account_id = $1" : "")
        GROUP BY 1, 2, 3, 4, 5
        """
    }

    /// The conversion rollup recomputed from the attributed decisions.
    static func conversionSource(account: Bool) -> String {
        """
        SELECT account_id, media_buy_id, package_id, creative_id, \(hour("event_time")) AS hour, event_type,
            COALESCE(action_source, '') AS action_source, COALESCE(currency, '') AS currency, count(*) AS count,
            COALESCE(sum(value), 0) AS value
        FROM attributions WHERE status = 'attributed' \(account ? "AND account_id = $1" : "")
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        """
    }

    /// `deltas` in the one order every writer uses (their key columns as
    /// text, compared in turn), so that writers updating the same rollup rows
    /// at once lock them in that order and never deadlock.
    private static func inLockOrder<Delta>(_ deltas: [Delta], by key: (Delta) -> [String]) -> [Delta] {
        deltas.map { (key($0), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
    }

    /// Adds new exposures' tallies: one statement for all the rows, in key
    /// order, so that writers updating the same rollup rows at once (runs
    /// of one feed, or nodes) lock them in one order and never deadlock.
    static func add(_ db: PostgresConnection, _ deltas: [ExposureRollupDelta]) async throws {
        guard !deltas.isEmpty else { return }
        let deltas = inLockOrder(deltas) { [$0.key.account, $0.key.mediaBuyID, $0.key.packageID, $0.key.creativeID, String($0.key.hour)] }
        let k = deltas.map(\.key)
        try await db.run("""
            INSERT INTO exposure_rollups AS r (account_id, media_buy_id, package_id, creative_id, hour, impressions, clicks, spend)
            SELECT * FROM unnest(\(k.map(\.account))::text[], \(k.map(\.mediaBuyID))::text[], \(k.map(\.packageID))::text[],
                \(k.map(\.creativeID))::text[], \(k.map(\.hour))::int8[], \(deltas.map(\.impressions))::int8[],
                \(deltas.map(\.clicks))::int8[], \(deltas.map(\.spend))::float8[])
            ON CONFLICT (account_id, media_buy_id, package_id, creative_id, hour) DO UPDATE SET
                impressions = r.impressions + excluded.impressions, clicks = r.clicks + excluded.clicks, spend = r.spend + excluded.spend
            """)
    }

    /// Applies a pass's conversion rollup changes, in key order (as `add`);
    /// a row left with no conversion is deleted.
    static func apply(_ db: PostgresConnection, _ deltas: [ConversionRollupDelta]) async throws {
        guard !deltas.isEmpty else { return }
        let deltas = inLockOrder(deltas) { d in
            let k = d.key
            return [k.account, k.mediaBuyID, k.packageID, k.creativeID, String(k.hour), k.eventType, k.actionSource ?? "", k.currency ?? ""]
        }
        let k = deltas.map(\.key)
        try await db.run("""
            INSERT INTO conversion_rollups AS r (account_id, media_buy_id, package_id, creative_id, hour, event_type,
                action_source, currency, count, value)
            SELECT * FROM unnest(\(k.map(\.account))::text[], \(k.map(\.mediaBuyID))::text[], \(k.map(\.packageID))::text[],
                \(k.map(\.creativeID))::text[], \(k.map(\.hour))::int8[], \(k.map(\.eventType))::text[],
                \(k.map { $0.actionSource ?? "" })::text[], \(k.map { $0.currency ?? "" })::text[],
                \(deltas.map(\.count))::int8[], \(deltas.map(\.value))::float8[])
            ON CONFLICT (account_id, media_buy_id, package_id, creative_id, hour, event_type, action_source, currency)
            DO UPDATE SET count = r.count + excluded.count, value = r.value + excluded.value
            """)
        let shrunk = deltas.filter { $0.count < 0 }.map(\.key)
        guard !shrunk.isEmpty else { return }
        try await db.run("""
            DELETE FROM conversion_rollups r
            USING unnest(\(shrunk.map(\.account))::text[], \(shrunk.map(\.mediaBuyID))::text[], \(shrunk.map(\.packageID))::text[],
                \(shrunk.map(\.creativeID))::text[], \(shrunk.map(\.hour))::int8[], \(shrunk.map(\.eventType))::text[],
                \(shrunk.map { $0.actionSource ?? "" })::text[], \(shrunk.map { $0.currency ?? "" })::text[])
                AS k(account_id, media_buy_id, package_id, creative_id, hour, event_type, action_source, currency)
            WHERE r.account_id = k.account_id AND r.media_buy_id = k.media_buy_id AND r.package_id = k.package_id
                AND r.creative_id = k.creative_id AND r.hour = k.hour AND r.event_type = k.event_type
                AND r.action_source = k.action_source AND r.currency = k.currency AND r.count <= 0
            """)
    }

    /// Replaces both rollups with ones recomputed from raw rows.
    static func rebuild(_ db: PostgresConnection) async throws {
        try await db.run("DELETE FROM exposure_rollups")
        try await db.run("DELETE FROM conversion_rollups")
        try await db.run(PostgresQuery(unsafeSQL: "INSERT INTO exposure_rollups " + exposureSource(account: false)))
        try await db.run(PostgresQuery(unsafeSQL: "INSERT INTO conversion_rollups " + conversionSource(account: false)))
    }

    /// Compares the stored rollups with the recomputed ones.
    static func verify(_ db: PostgresConnection, accountID: String?) async throws -> RollupCheck {
        var check = RollupCheck()
        let condition = accountID == nil ? "" : "WHERE account_id = $1"
        check.compare(
            .exposures,
            stored: try await figures(db, "SELECT * FROM exposure_rollups \(condition)", accountID, keys: 5),
            recomputed: try await figures(db, exposureSource(account: accountID != nil), accountID, keys: 5))
        check.compare(
            .conversions,
            stored: try await figures(db, "SELECT * FROM conversion_rollups \(condition)", accountID, keys: 8),
            recomputed: try await figures(db, conversionSource(account: accountID != nil), accountID, keys: 8))
        return check
    }

    /// Rows of either rollup by their key columns (the first `keys`, the
    /// hour the only number among them), with their figures after them.
    private static func figures(
        _ db: PostgresConnection, _ sql: String, _ accountID: String?, keys: Int
    ) async throws -> [[String]: RollupFigures] {
        var binds = PostgresBindings()
        if let accountID { binds.append(accountID) }
        var out: [[String]: RollupFigures] = [:]
        for row in try await db.rows(PostgresQuery(unsafeSQL: sql, binds: binds)) {
            let r = Cells(row)
            var key: [String] = []
            for column in 0..<keys {
                key.append(column == 4 ? String(try r.get(column, as: Int64.self)) : try r.get(column, as: String.self))
            }
            out[key] = keys == 5
                ? RollupFigures(count: try r.get(5), clicks: try r.get(6), amount: try r.get(7))
                : RollupFigures(count: try r.get(8), amount: try r.get(9))
        }
        return out
    }
}
