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
///
/// In two tiers, because hashed entries land all over the tree and SQLite
/// writes every page a commit dirtied whole to the WAL: a feed's entries go
/// into the small `exposure_keys_new`, and every `settleEvery` entries one
/// of `slices` slices of the hash space moves from there into the large
/// `exposure_keys`, in order. A run then dirties the small tier's pages and
/// one slice's share of the large one, instead of nearly every page of the
/// large one (docs/architecture.md, "The exposure key index"). A lookup
/// reads both tiers; an entry is in exactly one.
enum ExposureKeyIndex {
    struct Entry: Sendable, Comparable {
        var keyHash: Int64
        var time: Int64
        var exposureSeq: Int64

        static func < (a: Entry, b: Entry) -> Bool {
            (a.keyHash, a.time, a.exposureSeq) < (b.keyHash, b.time, b.exposureSeq)
        }
    }

    /// The large tier.
    static let settled = "exposure_keys"
    /// The small tier, where new entries go.
    static let fresh = "exposure_keys_new"
    /// Slices of the hash space the small tier is settled by, one at a time.
    static let slices = 16
    /// Entries filed between two settled slices.
    static let settleEvery = 32_768

    static func createTable(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            key_hash INTEGER NOT NULL,
            time INTEGER NOT NULL,
            exposure_seq INTEGER NOT NULL,
            PRIMARY KEY (key_hash, time, exposure_seq)
        ) WITHOUT ROWID
        """
    }

    /// The exposures filed under one key's hash inside a lookback, up to a
    /// seq, in either tier, that truly carry the key in that account: the key
    /// must be one whole entry of the stored list (ASCII record separators
    /// around it). Binds: hash, from, to, horizon, account, storage key.
    static let lookupSQL = """
        SELECT e.seq, e.exposure_id, e.kind, e.time, e.media_buy_id, e.package_id, e.creative_id
        FROM (SELECT exposure_seq FROM \(settled) WHERE key_hash = ?1 AND time >= ?2 AND time <= ?3 AND exposure_seq <= ?4
              UNION ALL
              SELECT exposure_seq FROM \(fresh) WHERE key_hash = ?1 AND time >= ?2 AND time <= ?3 AND exposure_seq <= ?4) k
        JOIN exposures e ON e.seq = k.exposure_seq
        WHERE e.account_id = ?5 AND instr(char(30) || e.keys || char(30), char(30) || ?6 || char(30)) > 0
        """

    /// Rows a multi-row insert carries.
    private static let rowsPerInsert = 64

    /// Files `entries` in the small tier, in key order so that neighbouring
    /// entries land on the same pages, then settles the next slice if
    /// `settleEvery` entries were filed since the last. An entry already
    /// filed (two keys of one exposure with one hash) is kept once.
    static func insert(_ db: Database, _ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try insertSorted(db, entries.sorted(), into: fresh)
        let (filed, slice) = try progress(db)
        if filed + entries.count >= settleEvery {
            try settle(db, slice: slice)
            try setProgress(db, filed: 0, slice: (slice + 1) % slices)
        } else {
            try setProgress(db, filed: filed + entries.count, slice: slice)
        }
    }

    /// The hashes of slice `n`: the `slices`-th part of the 64-bit space.
    static func range(ofSlice n: Int) -> ClosedRange<Int64> {
        let width = UInt64.max / UInt64(slices) + 1
        let low = Int64.min &+ Int64(bitPattern: width &* UInt64(n))
        let high = n == slices - 1 ? Int64.max : low &+ Int64(bitPattern: width &- 1)
        return low...high
    }

    /// Moves slice `n` of the small tier into the large one, in key order.
    static func settle(_ db: Database, slice n: Int) throws {
        let range = range(ofSlice: n)
        let bounds: StatementArguments = [range.lowerBound, range.upperBound]
        try db.execute(sql: """
            INSERT OR IGNORE INTO \(settled) (key_hash, time, exposure_seq)
                SELECT key_hash, time, exposure_seq FROM \(fresh) WHERE key_hash BETWEEN ? AND ? ORDER BY key_hash, time, exposure_seq
            """, arguments: bounds)
        try db.execute(sql: "DELETE FROM \(fresh) WHERE key_hash BETWEEN ? AND ?", arguments: bounds)
    }

    /// Entries filed since the last settled slice, and the next slice.
    private static func progress(_ db: Database) throws -> (filed: Int, slice: Int) {
        let filed = try Int.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'exposure_keys_filed'") ?? 0
        let slice = try Int.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'exposure_keys_slice'") ?? 0
        return (filed, slice % slices)
    }

    private static func setProgress(_ db: Database, filed: Int, slice: Int) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO store_meta (name, value) VALUES ('exposure_keys_filed', ?), ('exposure_keys_slice', ?)
            """, arguments: [filed, slice])
    }

    private static func insertSorted(_ db: Database, _ sorted: [Entry], into table: String) throws {
        let full = try db.cachedStatement(sql: insertSQL(rows: rowsPerInsert, into: table)).sqliteStatement
        var start = 0
        while start < sorted.count {
            let count = min(rowsPerInsert, sorted.count - start)
            let stmt = count == rowsPerInsert ? full : try db.cachedStatement(sql: insertSQL(rows: count, into: table)).sqliteStatement
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

    private static func insertSQL(rows: Int, into table: String) -> String {
        "INSERT OR IGNORE INTO \(table) (key_hash, time, exposure_seq) VALUES "
            + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Files the keys of every stored exposure straight in the large tier:
    /// how migration v7 moved a store from text keys to hashes.
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
                try insertSorted(db, entries.sorted(), into: settled)
                entries.removeAll(keepingCapacity: true)
            }
        }
        try insertSorted(db, entries.sorted(), into: settled)
        withExtendedLifetime(statement) {}
    }
}
