import CAPIStore
import CAPICore
import GRDB
import GRDBSQLite

extension SQLiteStore {
    /// Stores a feed's exposures once each (by account and `exposure_id`),
    /// files every key of each new one in `exposure_keys` (`ExposureKeyIndex`),
    /// and adds them to the rollups, in one durable transaction. Returns how
    /// many were new.
    public func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int {
        try await durableWrite { db in
            let hashes = try IdentityKeyHashes.required(db)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO exposures (account_id, exposure_id, kind, media_buy_id, package_id, creative_id,
                    time, cost, click_id, keys, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """).sqliteStatement
            defer { sqlite3_reset(insert) }
            let connection = db.sqliteConnection
            var inserted: [Exposure] = []
            inserted.reserveCapacity(exposures.count)
            var entries: [ExposureKeyIndex.Entry] = []
            entries.reserveCapacity(exposures.count * 4)
            for e in exposures {
                let keys = e.storageKeys
                sqlite3_reset(insert)
                SQLiteBind.text(insert, 1, e.accountID)
                SQLiteBind.text(insert, 2, e.exposureID)
                SQLiteBind.text(insert, 3, e.kind.rawValue)
                SQLiteBind.text(insert, 4, e.mediaBuyID)
                SQLiteBind.text(insert, 5, e.packageID)
                SQLiteBind.text(insert, 6, e.creativeID)
                sqlite3_bind_int64(insert, 7, e.time)
                SQLiteBind.double(insert, 8, e.cost)
                SQLiteBind.text(insert, 9, e.clickID)
                SQLiteBind.text(insert, 10, keys.joined(separator: IdentityKey.listSeparator))
                sqlite3_bind_int64(insert, 11, receivedAt)
                try SQLiteRow.execute(insert, db)
                guard sqlite3_changes(connection) > 0 else { continue }
                let seq = sqlite3_last_insert_rowid(connection)
                inserted.append(e)
                for key in keys {
                    entries.append(ExposureKeyIndex.Entry(
                        keyHash: hashes.hash(accountID: e.accountID, storageKey: key), time: e.time, exposureSeq: seq))
                }
            }
            try ExposureKeyIndex.insert(db, entries)
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
