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
/// into the small `exposure_keys_new`, and every `settleEvery` entries the
/// next slice of the hash space moves from there into the large
/// `exposure_keys`, in order, a sweep over the space (`slices`). A run then
/// dirties the small tier's pages and one slice's share of the large one,
/// instead of nearly every page of the large one (docs/architecture.md,
/// "The exposure key index"). A lookup reads both tiers; an entry is in
/// exactly one.
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
    /// Entries filed between two settles.
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
        var state = try Settling.load(db)
        state.filed += entries.count
        if state.filed >= settleEvery {
            let slices = slices(settledEntries: state.settledEntries, entriesPerSettle: state.filed)
            let (range, next) = range(from: state.next, slices: slices)
            state.settledEntries += try settle(db, range)
            state.next = next
            state.filed = 0
        }
        try state.save(db)
    }

    /// How many slices the hash space is settled in: about
    /// √(settled entries ÷ entries a settle), which makes the pages a settle
    /// dirties in the two tiers about equal, so their sum grows with the
    /// square root of the index, not with the index.
    static func slices(settledEntries: Int, entriesPerSettle: Int) -> Int {
        let ideal = (Double(settledEntries) / Double(max(1, entriesPerSettle))).squareRoot()
        return min(maxSlices, max(minSlices, Int(ideal.rounded())))
    }

    static let minSlices = 4
    static let maxSlices = 1_024

    /// The hashes from `start` on, a `slices`-th of the 64-bit space (to
    /// `Int64.max` at most), and where the next slice starts (`Int64.min`
    /// once the sweep has reached the end).
    static func range(from start: Int64, slices: Int) -> (range: ClosedRange<Int64>, next: Int64) {
        let width = UInt64.max / UInt64(max(2, slices)) + 1
        let toEnd = UInt64(bitPattern: Int64.max &- start)
        guard width - 1 < toEnd else { return (start...Int64.max, Int64.min) }
        let end = start &+ Int64(bitPattern: width - 1)
        return (start...end, end &+ 1)
    }

    /// Moves the entries of `range` from the small tier into the large one,
    /// in key order; returns how many the large tier gained.
    @discardableResult
    static func settle(_ db: Database, _ range: ClosedRange<Int64>) throws -> Int {
        let bounds: StatementArguments = [range.lowerBound, range.upperBound]
        try db.execute(sql: """
            INSERT OR IGNORE INTO \(settled) (key_hash, time, exposure_seq)
                SELECT key_hash, time, exposure_seq FROM \(fresh) WHERE key_hash BETWEEN ? AND ? ORDER BY key_hash, time, exposure_seq
            """, arguments: bounds)
        let moved = db.changesCount
        try db.execute(sql: "DELETE FROM \(fresh) WHERE key_hash BETWEEN ? AND ?", arguments: bounds)
        return moved
    }

    /// Where settling stands, kept in `store_meta`: entries filed since the
    /// last settle, where the next one starts, and the large tier's size
    /// (counted once, then kept).
    struct Settling {
        var filed: Int
        var next: Int64
        var settledEntries: Int

        static func load(_ db: Database) throws -> Settling {
            func value(_ name: String) throws -> Int64? {
                try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = ?", arguments: [name])
            }
            let settledEntries = try value("exposure_keys_settled")
                ?? Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(settled)") ?? 0
            return Settling(
                filed: Int(try value("exposure_keys_filed") ?? 0), next: try value("exposure_keys_next") ?? .min,
                settledEntries: Int(settledEntries))
        }

        func save(_ db: Database) throws {
            try db.execute(sql: """
                INSERT OR REPLACE INTO store_meta (name, value)
                VALUES ('exposure_keys_filed', ?), ('exposure_keys_next', ?), ('exposure_keys_settled', ?)
                """, arguments: [filed, next, settledEntries])
        }
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
