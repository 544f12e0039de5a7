import CAPIStore
import CAPICore
import GRDB
import GRDBSQLite

/// Writes an attribution plan inside the pass's transaction, in the plan's
/// order. Hot statements are bound through SQLite's C API.
struct SQLiteAttributionWrites {
    let db: Database

    /// Applies the plan; a cursor is written only when it moved from `read`.
    func apply(_ plan: AttributionPlan, over read: AttributionCursors) throws {
        try clear(plan.cleared)
        try index(plan.indexed)
        try save(plan.records)
        for c in plan.counters {
            var counters = SourceCounters()
            counters.attributed = c.delta
            try SQLiteStore.addCounters(db, accountID: c.account, eventSourceID: c.source, at: c.hour * RollupHour.milliseconds, counters)
        }
        try SQLiteRollups.apply(db, plan.rollups)
        if plan.cursors.conversions != read.conversions { try setCursor("conversions", plan.cursors.conversions) }
        if plan.cursors.exposures != read.exposures { try setCursor("exposures", plan.cursors.exposures) }
    }

    private func setCursor(_ name: String, _ position: Int64) throws {
        try db.execute(
            sql: "INSERT INTO attribution_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            arguments: [name, position])
    }

    /// Deletes the conversions' decisions and indexed keys (a rebuild decides them afresh).
    private func clear(_ seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        let deleteAttribution = try db.cachedStatement(sql: "DELETE FROM attributions WHERE event_seq = ?")
        let deleteKeys = try db.cachedStatement(sql: "DELETE FROM event_keys WHERE event_seq = ?")
        for seq in seqs {
            try deleteAttribution.execute(arguments: [seq])
            try deleteKeys.execute(arguments: [seq])
        }
    }

    /// Indexes the conversions' keys, so late exposures can find them.
    private func index(_ conversions: [PendingConversion]) throws {
        guard !conversions.isEmpty else { return }
        let stmt = try db.cachedStatement(sql: "INSERT INTO event_keys (account_id, key, event_time, event_seq) VALUES (?, ?, ?, ?)")
            .sqliteStatement
        defer { sqlite3_reset(stmt) }
        for c in conversions {
            for key in c.keys {
                sqlite3_reset(stmt)
                SQLiteBind.text(stmt, 1, c.account)
                SQLiteBind.text(stmt, 2, key)
                sqlite3_bind_int64(stmt, 3, c.time)
                sqlite3_bind_int64(stmt, 4, c.seq)
                try SQLiteRow.execute(stmt, db)
            }
        }
    }

    private static let insertSQL = """
        INSERT OR REPLACE INTO attributions (event_seq, account_id, event_source_id, event_type, event_id, event_time,
            action_source, received_at, value, currency, status, duplicate_of, exposure_seq, exposure_id, exposure_kind,
            media_buy_id, package_id, creative_id, model, matched_by, lag_ms, window_ms, attributed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Writes each decision as a row of `attributions`, replacing an earlier one.
    private func save(_ records: [AttributionRecord]) throws {
        guard !records.isEmpty else { return }
        let stmt = try db.cachedStatement(sql: Self.insertSQL).sqliteStatement
        defer { sqlite3_reset(stmt) }
        for r in records {
            let c = r.conversion
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, c.seq)
            SQLiteBind.text(stmt, 2, c.account)
            SQLiteBind.text(stmt, 3, c.source)
            SQLiteBind.text(stmt, 4, c.type)
            SQLiteBind.text(stmt, 5, c.id)
            sqlite3_bind_int64(stmt, 6, c.time)
            SQLiteBind.text(stmt, 7, c.actionSource)
            sqlite3_bind_int64(stmt, 8, c.receivedAt)
            SQLiteBind.double(stmt, 9, c.value)
            SQLiteBind.text(stmt, 10, c.currency)
            SQLiteBind.text(stmt, 11, r.status.rawValue)
            SQLiteBind.int64(stmt, 12, r.duplicateOf)
            SQLiteBind.int64(stmt, 13, r.exposure?.seq)
            SQLiteBind.text(stmt, 14, r.decision?.exposureID)
            SQLiteBind.text(stmt, 15, r.exposure?.kind)
            SQLiteBind.text(stmt, 16, r.exposure?.mediaBuyID)
            SQLiteBind.text(stmt, 17, r.exposure?.packageID)
            SQLiteBind.text(stmt, 18, r.exposure?.creativeID)
            SQLiteBind.text(stmt, 19, r.decision?.model.rawValue)
            SQLiteBind.text(stmt, 20, r.decision?.matchedBy)
            SQLiteBind.int64(stmt, 21, r.decision?.lagMilliseconds)
            SQLiteBind.int64(stmt, 22, r.decision?.windowMilliseconds)
            sqlite3_bind_int64(stmt, 23, r.at)
            try SQLiteRow.execute(stmt, db)
        }
    }
}
