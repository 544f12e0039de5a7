import CAPICore
import CAPIStore
import GRDB

/// The hourly delivery rollups: their tables, the upserts the exposure and
/// attribution writes make, and the recomputation from raw rows that fills,
/// rebuilds and verifies them. An absent action source or currency is
/// stored as '' (a key column cannot be NULL and still be unique).
enum SQLiteRollups {
    static let createTables = """
        CREATE TABLE exposure_rollups (
            account_id TEXT NOT NULL,
            media_buy_id TEXT NOT NULL,
            package_id TEXT NOT NULL,
            creative_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            impressions INTEGER NOT NULL,
            clicks INTEGER NOT NULL,
            spend REAL NOT NULL,
            PRIMARY KEY (account_id, media_buy_id, package_id, creative_id, hour)
        ) WITHOUT ROWID;
        CREATE TABLE conversion_rollups (
            account_id TEXT NOT NULL,
            media_buy_id TEXT NOT NULL,
            package_id TEXT NOT NULL,
            creative_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            event_type TEXT NOT NULL,
            action_source TEXT NOT NULL,
            currency TEXT NOT NULL,
            count INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (account_id, media_buy_id, package_id, creative_id, hour, event_type, action_source, currency)
        ) WITHOUT ROWID;
        """

    /// SQL for the hour holding a millisecond column, rounded down like `RollupHour.of`.
    static func hour(_ column: String) -> String { "(\(column) / 3600000 - (\(column) % 3600000 < 0))" }

    /// SQL for the UTC day of an hour column, rounded down like `RollupHour.day(ofHour:)`.
    static func day(_ column: String) -> String { "(\(column) / 24 - (\(column) % 24 < 0))" }

    /// The exposure rollup recomputed from `exposures`, in key order.
    static func exposureSource(account: Bool) -> String {
        """
        SELECT account_id, media_buy_id, package_id, creative_id, \(hour("time")) AS hour,
            SUM(kind = 'impression') AS impressions, SUM(kind = 'click') AS clicks, TOTAL(cost) AS spend
        FROM exposures \(account ? "WHERE account_id = ?" : "")
        GROUP BY account_id, media_buy_id, package_id, creative_id, hour
        """
    }

    /// The conversion rollup recomputed from the attributed decisions, in key order.
    static func conversionSource(account: Bool) -> String {
        """
        SELECT account_id, media_buy_id, package_id, creative_id, \(hour("event_time")) AS hour, event_type,
            IFNULL(action_source, '') AS action_source, IFNULL(currency, '') AS currency, COUNT(*) AS count, TOTAL(value) AS value
        FROM attributions WHERE status = 'attributed' \(account ? "AND account_id = ?" : "")
        GROUP BY account_id, media_buy_id, package_id, creative_id, hour, event_type, IFNULL(action_source, ''), IFNULL(currency, '')
        """
    }

    /// Fills empty rollup tables from the raw rows.
    static func fill(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO exposure_rollups " + exposureSource(account: false))
        try db.execute(sql: "INSERT INTO conversion_rollups " + conversionSource(account: false))
    }

    /// Adds new exposures' tallies, one upsert per row.
    static func add(_ db: Database, _ deltas: [ExposureRollupDelta]) throws {
        guard !deltas.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO exposure_rollups (account_id, media_buy_id, package_id, creative_id, hour, impressions, clicks, spend)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id, media_buy_id, package_id, creative_id, hour) DO UPDATE SET
                impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks, spend = spend + excluded.spend
            """)
        for d in deltas {
            let k = d.key
            try upsert.execute(arguments: [k.account, k.mediaBuyID, k.packageID, k.creativeID, k.hour, d.impressions, d.clicks, d.spend])
        }
    }

    /// Applies a pass's conversion rollup changes; a row left with no
    /// conversion is deleted.
    static func apply(_ db: Database, _ deltas: [ConversionRollupDelta]) throws {
        guard !deltas.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO conversion_rollups (account_id, media_buy_id, package_id, creative_id, hour, event_type,
                action_source, currency, count, value)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id, media_buy_id, package_id, creative_id, hour, event_type, action_source, currency)
            DO UPDATE SET count = count + excluded.count, value = value + excluded.value
            """)
        let prune = try db.cachedStatement(sql: """
            DELETE FROM conversion_rollups WHERE account_id = ? AND media_buy_id = ? AND package_id = ? AND creative_id = ?
                AND hour = ? AND event_type = ? AND action_source = ? AND currency = ? AND count <= 0
            """)
        for d in deltas {
            let k = d.key
            let key: StatementArguments = [
                k.account, k.mediaBuyID, k.packageID, k.creativeID, k.hour, k.eventType, k.actionSource ?? "", k.currency ?? "",
            ]
            try upsert.execute(arguments: key + [d.count, d.value])
            if d.count < 0 { try prune.execute(arguments: key) }
        }
    }

    /// Compares the stored rollups with the recomputed ones.
    static func verify(_ db: Database, accountID: String?) throws -> RollupCheck {
        let filter: StatementArguments = accountID.map { [$0] } ?? []
        let condition = accountID == nil ? "" : "WHERE account_id = ?"
        var check = RollupCheck()
        check.compare(
            .exposures,
            stored: try figures(db, sql: "SELECT * FROM exposure_rollups \(condition)", arguments: filter, keys: 5),
            recomputed: try figures(db, sql: exposureSource(account: accountID != nil), arguments: filter, keys: 5))
        check.compare(
            .conversions,
            stored: try figures(db, sql: "SELECT * FROM conversion_rollups \(condition)", arguments: filter, keys: 8),
            recomputed: try figures(db, sql: conversionSource(account: accountID != nil), arguments: filter, keys: 8))
        return check
    }

    /// Rows of either rollup by their key columns (the first `keys`), with
    /// their figures: the columns after the key.
    private static func figures(_ db: Database, sql: String, arguments: StatementArguments, keys: Int) throws -> [[String]: RollupFigures] {
        var out: [[String]: RollupFigures] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            let key = (0..<keys).map { (row[$0] as DatabaseValue).description }
            out[key] = keys == 5
                ? RollupFigures(count: row[5], clicks: row[6], amount: row[7])
                : RollupFigures(count: row[8], amount: row[9])
        }
        return out
    }
}
