import CAPIStore
import CAPICore
import GRDB
import GRDBSQLite

/// Reads what an attribution pass decides from, in bulk, inside the pass's
/// transaction. Hot statements are bound and read through SQLite's C API, and
/// lookups run in index order so neighbouring ones share b-tree pages.
struct SQLiteAttributionReads {
    let db: Database

    func cursors() throws -> AttributionCursors {
        AttributionCursors(conversions: try cursor("conversions"), exposures: try cursor("exposures"))
    }

    private func cursor(_ name: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT position FROM attribution_cursors WHERE name = ?", arguments: [name]) ?? 0
    }

    /// Each source's window, read from its `ext.attribution_window`.
    func windows() throws -> AttributionWindows {
        var windows = AttributionWindows()
        for row in try Row.fetchAll(db, sql: "SELECT account_id, event_source_id, ext FROM event_sources WHERE ext IS NOT NULL") {
            windows.resolve(
                accountID: row["account_id"], eventSourceID: row["event_source_id"],
                ext: (row["ext"] as String?).flatMap(JSONValue.parse))
        }
        return windows
    }

    /// The newest exposure's seq, if any exposure is stored.
    func newestExposure() throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM exposures")
    }

    /// An exposure that arrived after the exposures cursor.
    struct LateExposure {
        var seq: Int64
        var account: String
        var time: Int64
        /// The stored key list (`IdentityKey.listSeparator` between keys).
        var keys: String
    }

    /// Exposures after `seq`, in arrival order, at most `limit`.
    func lateExposures(after seq: Int64, limit: Int) throws -> [LateExposure] {
        try Row.fetchAll(
            db, sql: "SELECT seq, account_id, time, keys FROM exposures WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [seq, limit]
        ).map { LateExposure(seq: $0["seq"], account: $0["account_id"], time: $0["time"], keys: $0["keys"]) }
    }

    /// The conversions examined so far (seq up to `seen`) that a late
    /// exposure could claim, ascending.
    func conversionsReached(by exposures: [LateExposure], windows: AttributionWindows, seen: Int64) throws -> [Int64] {
        guard !exposures.isEmpty else { return [] }
        var reached = Set<Int64>()
        let lookup = try db.cachedStatement(sql: """
            SELECT event_seq FROM event_keys
            WHERE account_id = ? AND key = ? AND event_time >= ? AND event_time <= ? AND event_seq <= ?
            """)
        for e in exposures {
            let reach = AttributionPlanner.reach(ofExposureAt: e.time, windows: windows)
            for key in e.keys.split(separator: Character(IdentityKey.listSeparator)) {
                reached.formUnion(try Int64.fetchAll(
                    lookup, arguments: [e.account, String(key), reach.lowerBound, reach.upperBound, seen]))
            }
        }
        return reached.sorted()
    }

    /// A conversion with the status recorded for it before the pass, and
    /// what that decision credited when it attributed it.
    struct Examined {
        var conversion: PendingConversion
        var previous: AttributionStatus?
        var credited: ConversionCredit?
    }

    /// New conversions: after `seq`, in arrival order, at most `limit`.
    func conversions(after seq: Int64, limit: Int) throws -> [PendingConversion] {
        try readConversions("WHERE events.seq > ? ORDER BY events.seq LIMIT ?", withStatus: false) { stmt in
            sqlite3_bind_int64(stmt, 1, seq)
            sqlite3_bind_int64(stmt, 2, Int64(limit))
        }.map(\.conversion)
    }

    /// The conversions with these seqs, in the given order, with their recorded status.
    func conversions(seqs: [Int64]) throws -> [Examined] {
        var out: [Examined] = []
        out.reserveCapacity(seqs.count)
        for seq in seqs {
            out += try readConversions("WHERE events.seq = ?", withStatus: true) { sqlite3_bind_int64($0, 1, seq) }
        }
        return out
    }

    /// Conversions examined so far (seq up to `seen`) with event_time in the
    /// range, in arrival order, with their recorded status.
    func conversions(from: Int64, to: Int64, seen: Int64) throws -> [Examined] {
        try readConversions(
            "WHERE events.event_time >= ? AND events.event_time <= ? AND events.seq <= ? ORDER BY events.seq", withStatus: true) { stmt in
            sqlite3_bind_int64(stmt, 1, from)
            sqlite3_bind_int64(stmt, 2, to)
            sqlite3_bind_int64(stmt, 3, seen)
        }
    }

    /// Conversions selected by `condition` (columns named `events.`), in
    /// the statement's order; with their recorded decision when asked.
    private func readConversions(_ condition: String, withStatus: Bool, bind: (OpaquePointer?) -> Void) throws -> [Examined] {
        let decision = withStatus ? """
            , a.status, a.media_buy_id, a.package_id, a.creative_id, a.event_time, a.event_type, a.action_source, a.currency, a.value
            FROM events LEFT JOIN attributions a ON a.event_seq = events.seq
            """ : " FROM events"
        let statement = try db.cachedStatement(sql: """
            SELECT events.seq, events.account_id, events.event_source_id, events.event_type, events.event_id, events.event_time,
                events.received_at, events.action_source, events.value, events.currency, events.identity_keys, events.payload
            """ + decision + " " + condition)
        let stmt = statement.sqliteStatement
        sqlite3_reset(stmt)
        bind(stmt)
        defer { sqlite3_reset(stmt) }
        var out: [Examined] = []
        while try SQLiteRow.step(stmt, db) {
            let conversion = PendingConversion(
                seq: SQLiteRow.int64(stmt, 0), account: SQLiteRow.text(stmt, 1) ?? "", source: SQLiteRow.text(stmt, 2) ?? "",
                type: SQLiteRow.text(stmt, 3) ?? "", id: SQLiteRow.text(stmt, 4) ?? "", time: SQLiteRow.int64(stmt, 5),
                receivedAt: SQLiteRow.int64(stmt, 6), actionSource: SQLiteRow.text(stmt, 7),
                value: SQLiteRow.optionalDouble(stmt, 8), currency: SQLiteRow.text(stmt, 9),
                keys: Self.storageKeys(stmt, list: 10, payload: 11))
            guard withStatus else {
                out.append(Examined(conversion: conversion))
                continue
            }
            let previous = SQLiteRow.text(stmt, 12).flatMap(AttributionStatus.init(rawValue:))
            out.append(Examined(conversion: conversion, previous: previous, credited: previous == .attributed ? Self.credit(conversion, stmt) : nil))
        }
        return out
    }

    /// What a recorded attributed decision credited (columns 13 to 20), as
    /// the rollups hold it.
    private static func credit(_ c: PendingConversion, _ stmt: OpaquePointer?) -> ConversionCredit {
        ConversionCredit(
            key: ConversionRollupKey(
                account: c.account, mediaBuyID: SQLiteRow.text(stmt, 13) ?? "", packageID: SQLiteRow.text(stmt, 14) ?? "",
                creativeID: SQLiteRow.text(stmt, 15) ?? "", hour: RollupHour.of(SQLiteRow.int64(stmt, 16)),
                eventType: SQLiteRow.text(stmt, 17) ?? "", actionSource: SQLiteRow.text(stmt, 18), currency: SQLiteRow.text(stmt, 19)),
            value: SQLiteRow.optionalDouble(stmt, 20) ?? 0)
    }

    /// A conversion's keys: from the list stored with it (rows written before
    /// the worker derived them), or else from its payload.
    static func storageKeys(_ stmt: OpaquePointer?, list: Int32, payload: Int32) -> [String] {
        if sqlite3_column_type(stmt, list) != SQLITE_NULL {
            return IdentityKey.storageKeys(inList: SQLiteRow.text(stmt, list))
        }
        guard let bytes = sqlite3_column_blob(stmt, payload) else { return [] }
        return IdentityKey.storageKeys(ofStoredEvent: UnsafeBufferPointer(
            start: bytes.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_column_bytes(stmt, payload))))
    }

    /// The planner's input: the conversions with their candidates (exposures
    /// up to the horizon) and the originals recorded for their ConversionKeys.
    func passInput(
        _ conversions: [(PendingConversion, Examination, ConversionCredit?)], windows: AttributionWindows,
        cursors: AttributionCursors, exposuresSeen: Int64?, at: Int64
    ) throws -> AttributionPassInput {
        let pending = conversions.map(\.0)
        let horizon = AttributionPlanner.horizon(cursors, exposuresSeen: exposuresSeen)
        let candidates = try self.candidates(pending, windows: windows, horizon: horizon)
        var entries: [AttributionPassInput.Entry] = []
        entries.reserveCapacity(conversions.count)
        for (n, (conversion, examination, credited)) in conversions.enumerated() {
            entries.append(AttributionPassInput.Entry(
                conversion: conversion, examination: examination, candidates: candidates[n], credited: credited))
        }
        return AttributionPassInput(
            entries: entries, originals: try originals(pending), windows: windows,
            cursors: cursors, exposuresSeen: exposuresSeen, at: at)
    }

    /// Every exposure up to the horizon that shares a key with a conversion
    /// inside its source's lookback, per conversion. Lookups run sorted by
    /// the keys' hashes, the index's order, so the b-tree is walked forwards.
    func candidates(_ conversions: [PendingConversion], windows: AttributionWindows, horizon: Int64) throws -> [[CandidateExposure]] {
        struct Lookup {
            var hash: Int64
            var key: String
            var conversion: Int
            var keyIndex: Int
        }
        let hashes = try IdentityKeyHashes.required(db)
        var lookups: [Lookup] = []
        lookups.reserveCapacity(conversions.count * 4)
        for (n, c) in conversions.enumerated() {
            for (k, key) in c.keys.enumerated() {
                lookups.append(Lookup(hash: hashes.hash(accountID: c.account, storageKey: key), key: key, conversion: n, keyIndex: k))
            }
        }
        lookups.sort { a, b in a.hash < b.hash }
        let stmt = try db.cachedStatement(sql: ExposureKeyIndex.lookupSQL).sqliteStatement
        defer { sqlite3_reset(stmt) }
        let lookbacks = conversions.map { AttributionPlanner.lookback(of: $0, windows: windows) }
        var out = [[CandidateExposure]](repeating: [], count: conversions.count)
        for l in lookups {
            let lookback = lookbacks[l.conversion]
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, l.hash)
            sqlite3_bind_int64(stmt, 2, lookback.lowerBound)
            sqlite3_bind_int64(stmt, 3, lookback.upperBound)
            sqlite3_bind_int64(stmt, 4, horizon)
            SQLiteBind.text(stmt, 5, conversions[l.conversion].account)
            SQLiteBind.text(stmt, 6, l.key)
            while try SQLiteRow.step(stmt, db) {
                out[l.conversion].append(CandidateExposure(
                    keyIndex: l.keyIndex, seq: SQLiteRow.int64(stmt, 0), exposureID: SQLiteRow.text(stmt, 1) ?? "",
                    kind: SQLiteRow.text(stmt, 2) ?? "", time: SQLiteRow.int64(stmt, 3), mediaBuyID: SQLiteRow.text(stmt, 4) ?? "",
                    packageID: SQLiteRow.text(stmt, 5) ?? "", creativeID: SQLiteRow.text(stmt, 6) ?? ""))
            }
        }
        return out
    }

    /// The non-duplicate decisions recorded for the conversions'
    /// ConversionKeys, before the latest conversion of each key: what each
    /// duplicate check starts from. Keys are looked up in index order.
    func originals(_ conversions: [PendingConversion]) throws -> [ConversionKey: [Int64]] {
        var bound: [ConversionKey: Int64] = [:]
        for c in conversions { bound[c.conversionKey] = max(bound[c.conversionKey] ?? .min, c.seq) }
        let keys = bound.sorted { a, b in (a.key.account, a.key.type, a.key.id) < (b.key.account, b.key.type, b.key.id) }
        let stmt = try db.cachedStatement(sql: """
            SELECT event_seq FROM attributions
            WHERE account_id = ? AND event_type = ? AND event_id = ? AND event_seq < ? AND status != 'duplicate'
            ORDER BY event_seq
            """).sqliteStatement
        defer { sqlite3_reset(stmt) }
        var out: [ConversionKey: [Int64]] = [:]
        for (key, seq) in keys {
            sqlite3_reset(stmt)
            SQLiteBind.text(stmt, 1, key.account)
            SQLiteBind.text(stmt, 2, key.type)
            SQLiteBind.text(stmt, 3, key.id)
            sqlite3_bind_int64(stmt, 4, seq)
            var seqs: [Int64] = []
            while try SQLiteRow.step(stmt, db) { seqs.append(SQLiteRow.int64(stmt, 0)) }
            if !seqs.isEmpty { out[key] = seqs }
        }
        return out
    }
}
