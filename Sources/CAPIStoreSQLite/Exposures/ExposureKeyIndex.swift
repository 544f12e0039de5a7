import CAPICore
import GRDB
import GRDBSQLite

/// `exposure_keys`: every identity key of every exposure, filed by its hash
/// (`IdentityKeyHashes`) and time, so the attribution worker finds the
/// exposures a conversion shares a key with inside its lookback.
///
/// An entry is `(key_hash, time, exposure_seq)`, the table's whole primary
/// key (WITHOUT ROWID: one b-tree, no second copy). A lookup is settled
/// against the exposure row's own account and keys, so a colliding hash
/// never matches (`lookupSQL`).
enum ExposureKeyIndex {
    struct Entry: Sendable, Comparable {
        var keyHash: Int64
        var time: Int64
        var exposureSeq: Int64

        static func < (a: Entry, b: Entry) -> Bool {
            (a.keyHash, a.time, a.exposureSeq) < (b.keyHash, b.time, b.exposureSeq)
        }
    }

    static let createTable = """
        CREATE TABLE exposure_keys (
            key_hash INTEGER NOT NULL,
            time INTEGER NOT NULL,
            exposure_seq INTEGER NOT NULL,
            PRIMARY KEY (key_hash, time, exposure_seq)
        ) WITHOUT ROWID
        """

    /// The exposures filed under one key's hash inside a lookback, up to a
    /// seq, that truly carry the key in that account: the key must be one
    /// whole entry of the stored list (ASCII record separators around it).
    /// Binds: hash, from, to, horizon, account, storage key.
    static let lookupSQL = """
        SELECT e.seq, e.exposure_id, e.kind, e.time, e.media_buy_id, e.package_id, e.creative_id
        FROM exposure_keys k JOIN exposures e ON e.seq = k.exposure_seq
        WHERE k.key_hash = ?1 AND k.time >= ?2 AND k.time <= ?3 AND k.exposure_seq <= ?4
            AND e.account_id = ?5 AND instr(char(30) || e.keys || char(30), char(30) || ?6 || char(30)) > 0
        """

    /// Rows a multi-row insert carries.
    private static let rowsPerInsert = 64

    /// Files `entries`, in key order so that neighbouring entries land on the
    /// same pages. An entry already filed (two keys of one exposure with one
    /// hash) is kept once.
    static func insert(_ db: Database, _ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        let sorted = entries.sorted()
        let full = try db.cachedStatement(sql: insertSQL(rows: rowsPerInsert)).sqliteStatement
        var start = 0
        while start < sorted.count {
            let count = min(rowsPerInsert, sorted.count - start)
            let stmt = count == rowsPerInsert ? full : try db.cachedStatement(sql: insertSQL(rows: count)).sqliteStatement
            sqlite3_reset(stmt)
            for (i, entry) in sorted[start..<(start + count)].enumerated() {
                let column = Int32(i * 3)
                sqlite3_bind_int64(stmt, column + 1, entry.keyHash)
                sqlite3_bind_int64(stmt, column + 2, entry.time)
                sqlite3_bind_int64(stmt, column + 3, entry.exposureSeq)
            }
            try SQLiteRow.execute(stmt, db)
            sqlite3_reset(stmt)
            start += count
        }
    }

    private static func insertSQL(rows: Int) -> String {
        "INSERT OR IGNORE INTO exposure_keys (key_hash, time, exposure_seq) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Files the keys of every stored exposure: how migration v7 moves a
    /// store from text keys to hashes.
    static func fill(_ db: Database, hashes: IdentityKeyHashes) throws {
        let statement = try db.makeStatement(sql: "SELECT seq, account_id, time, keys FROM exposures ORDER BY seq")
        let read = statement.sqliteStatement
        var entries: [Entry] = []
        while try SQLiteRow.step(read, db) {
            let seq = SQLiteRow.int64(read, 0)
            let account = SQLiteRow.text(read, 1) ?? ""
            let time = SQLiteRow.int64(read, 2)
            for key in IdentityKey.storageKeys(inList: SQLiteRow.text(read, 3)) {
                entries.append(Entry(keyHash: hashes.hash(accountID: account, storageKey: key), time: time, exposureSeq: seq))
            }
            if entries.count >= 1 << 20 {
                try insert(db, entries)
                entries.removeAll(keepingCapacity: true)
            }
        }
        try insert(db, entries)
        withExtendedLifetime(statement) {}
    }
}
