import CAPIStore
import CAPICore
import GRDB
import GRDBSQLite

extension SQLiteStore {
    /// Exposures examined per pass when looking for conversions they could
    /// claim: 40 per conversion the pass may take, at most 20,000, so a pass
    /// kept short (the worker's, while clients send) stays short.
    static func exposureChunk(maxConversions: Int) -> Int { min(20_000, max(1, maxConversions) * 40) }

    /// One pass. `held` counts its commit too: the commit writes a WAL frame
    /// for every index page the pass's keys touched (they land all over
    /// `event_keys_lookup`), often megabytes, and the worker paces itself by
    /// `held`.
    public func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress {
        var (progress, held) = try await timedUnsyncedWrite { db in
            var pass = try AttributionPass(db, at: at)
            let reexamined = try pass.reexamineForNewExposures(limit: Self.exposureChunk(maxConversions: maxConversions))
            let conversions = try pass.attributeNewConversions(limit: maxConversions)
            return AttributionProgress(conversions: conversions, reexamined: reexamined)
        }
        progress.held = held
        return progress
    }

    public func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        try await unsyncedWrite { db in
            var pass = try AttributionPass(db, at: at)
            return try pass.rebuild(from: from ?? .min, to: to ?? .max)
        }
    }

    public func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation? {
        try await pool.read { db in
            guard let event = try Row.fetchOne(
                db,
                sql: "SELECT seq, event_time FROM events WHERE account_id = ? AND event_source_id = ? AND event_type = ? AND event_id = ?",
                arguments: [accountID, eventSourceID, eventType, eventID])
            else { return nil }
            let seq: Int64 = event["seq"]
            var explanation = AttributionExplanation(
                eventSourceID: eventSourceID, eventType: eventType, eventID: eventID, eventTime: event["event_time"],
                status: .pending, duplicateOfSource: nil, decision: nil, exposure: nil, window: nil)
            let windows = try AttributionPass.windows(db)
            explanation.window = windows[AttributionPass.sourceKey(accountID, eventSourceID)] ?? .standard
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM attributions WHERE event_seq = ?", arguments: [seq]) else {
                return explanation
            }
            explanation.status = AttributionStatus(rawValue: row["status"]) ?? .pending
            if let original: Int64 = row["duplicate_of"] {
                explanation.duplicateOfSource = try String.fetchOne(
                    db, sql: "SELECT event_source_id FROM events WHERE seq = ?", arguments: [original])
            }
            if let exposureID: String = row["exposure_id"], let model: String = row["model"] {
                explanation.decision = AttributionDecision(
                    exposureID: exposureID, model: AttributionDecision.Model(rawValue: model) ?? .clickThrough,
                    matchedBy: row["matched_by"] ?? "", lagMilliseconds: row["lag_ms"] ?? 0, windowMilliseconds: row["window_ms"] ?? 0)
                if let e = try Row.fetchOne(db, sql: "SELECT * FROM exposures WHERE seq = ?", arguments: [row["exposure_seq"] as Int64?]) {
                    explanation.exposure = Exposure(
                        exposureID: e["exposure_id"], kind: Exposure.Kind(rawValue: e["kind"]) ?? .impression,
                        accountID: e["account_id"], mediaBuyID: e["media_buy_id"], packageID: e["package_id"],
                        creativeID: e["creative_id"], time: e["time"], cost: e["cost"], clickID: e["click_id"])
                }
            }
            return explanation
        }
    }
}

/// One attribution pass inside a write transaction. Every decision is a
/// function of the conversion, the exposures up to the pass's horizon and
/// the source's window, so a rebuild reproduces what incremental passes wrote.
///
/// A pass works on a whole list of conversions at once: it reads them in
/// one statement, fetches every candidate exposure in key order (neighbouring
/// lookups share b-tree pages), then decides and writes in arrival order,
/// so each duplicate check sees the rows written before it. Hot statements
/// are bound and read through SQLite's C API.
struct AttributionPass {
    let db: Database
    let at: Int64
    let windows: [String: AttributionWindow]
    /// The longest window of any source: how far back any lookup reaches.
    let longestWindow: Int64
    /// Exposures up to this seq are visible to the decisions of this pass;
    /// later ones reach earlier conversions through re-examination.
    var horizon: Int64 = 0
    /// Changes to the hourly `attributed` counters, written once per pass.
    var attributedDelta: [CounterKey: Int] = [:]

    struct CounterKey: Hashable {
        var account: String
        var source: String
        var hour: Int64
    }

    init(_ db: Database, at: Int64) throws {
        self.db = db
        self.at = at
        windows = try Self.windows(db)
        longestWindow = ([AttributionWindow.standard] + Array(windows.values))
            .map { max($0.postClick.milliseconds, $0.postView.milliseconds) }.max() ?? 0
        horizon = try cursor("exposures")
    }

    static func sourceKey(_ account: String, _ source: String) -> String { account + "\u{1F}" + source }

    /// Each source's window, read from its `ext.attribution_window`.
    static func windows(_ db: Database) throws -> [String: AttributionWindow] {
        var out: [String: AttributionWindow] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT account_id, event_source_id, ext FROM event_sources WHERE ext IS NOT NULL") {
            let ext = (row["ext"] as String?).flatMap(JSONValue.parse)
            if case .success(let w) = AttributionWindow.from(sourceExt: ext), w != .standard {
                out[sourceKey(row["account_id"], row["event_source_id"])] = w
            }
        }
        return out
    }

    func cursor(_ name: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT position FROM attribution_cursors WHERE name = ?", arguments: [name]) ?? 0
    }

    func setCursor(_ name: String, _ position: Int64) throws {
        try db.execute(
            sql: "INSERT INTO attribution_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            arguments: [name, position])
    }

    /// New conversions, in arrival order, each examined for the first time.
    mutating func attributeNewConversions(limit: Int) throws -> Int {
        let start = try cursor("conversions")
        let conversions = try readConversions("WHERE seq > ? ORDER BY seq LIMIT ?") { stmt in
            sqlite3_bind_int64(stmt, 1, start)
            sqlite3_bind_int64(stmt, 2, Int64(limit))
        }
        try attribute(conversions, firstTime: true)
        if let last = conversions.last { try setCursor("conversions", last.seq) }
        try flushCounters()
        return conversions.count
    }

    /// Exposures that arrived late can claim conversions examined before them.
    /// Advances the horizon: the conversions of this pass see those exposures.
    mutating func reexamineForNewExposures(limit: Int) throws -> Int {
        let start = try cursor("exposures")
        let conversionsSeen = try cursor("conversions")
        if conversionsSeen == 0 {
            // Nothing examined yet, so nothing to re-examine: take every exposure at once.
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM exposures") ?? 0
            if newest > start { try setCursor("exposures", newest) }
            horizon = max(start, newest)
            return 0
        }
        let exposures = try Row.fetchAll(
            db, sql: "SELECT seq, account_id, time, keys FROM exposures WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [start, limit])
        guard let last = exposures.last else { return 0 }
        let end: Int64 = last["seq"]
        horizon = end
        var affected = Set<Int64>()
        let lookup = try db.cachedStatement(sql: """
            SELECT event_seq FROM event_keys
            WHERE account_id = ? AND key = ? AND event_time >= ? AND event_time <= ? AND event_seq <= ?
            """)
        for e in exposures {
            let time: Int64 = e["time"]
            let account: String = e["account_id"]
            let keysText: String = e["keys"]
            for key in keysText.split(separator: Character(IdentityKey.listSeparator)) {
                let seqs = try Int64.fetchAll(lookup, arguments: [account, String(key), time, time + longestWindow, conversionsSeen])
                affected.formUnion(seqs)
            }
        }
        var conversions: [Conversion] = []
        for seq in affected.sorted() {
            conversions += try readConversions("WHERE seq = ?") { sqlite3_bind_int64($0, 1, seq) }
        }
        try attribute(conversions, firstTime: false)
        try setCursor("exposures", end)
        try flushCounters()
        return affected.count
    }

    /// Recomputes conversions with event_time in the range, in arrival order.
    mutating func rebuild(from: Int64, to: Int64) throws -> Int {
        let seen = try cursor("conversions")
        let conversions = try readConversions("WHERE event_time >= ? AND event_time <= ? AND seq <= ? ORDER BY seq") { stmt in
            sqlite3_bind_int64(stmt, 1, from)
            sqlite3_bind_int64(stmt, 2, to)
            sqlite3_bind_int64(stmt, 3, seen)
        }
        let deleteAttribution = try db.cachedStatement(sql: "DELETE FROM attributions WHERE event_seq = ?")
        let deleteKeys = try db.cachedStatement(sql: "DELETE FROM event_keys WHERE event_seq = ?")
        for c in conversions {
            if try previousStatus(c.seq) == "attributed" { countAttributed(c, -1) }
            try deleteAttribution.execute(arguments: [c.seq])
            try deleteKeys.execute(arguments: [c.seq])
        }
        try attribute(conversions, firstTime: true)
        try flushCounters()
        return conversions.count
    }

    /// Notes a change to the source's hourly `attributed` counter, for health.
    mutating func countAttributed(_ c: Conversion, _ delta: Int) {
        attributedDelta[CounterKey(account: c.account, source: c.source, hour: c.receivedAt / 3_600_000), default: 0] += delta
    }

    mutating func flushCounters() throws {
        for (key, delta) in attributedDelta where delta != 0 {
            var c = SourceCounters()
            c.attributed = delta
            try SQLiteStore.addCounters(db, accountID: key.account, eventSourceID: key.source, at: key.hour * 3_600_000, c)
        }
        attributedDelta = [:]
    }

    /// A conversion as a pass reads it from `events`.
    struct Conversion {
        var seq: Int64
        var account: String
        var source: String
        var type: String
        var id: String
        var time: Int64
        var receivedAt: Int64
        var actionSource: String?
        var value: Double?
        var currency: String?
        /// Storage keys, strongest first (the stored list's order).
        var keys: [String]
    }

    /// Conversions selected by `condition`, in the statement's order.
    func readConversions(_ condition: String, bind: (OpaquePointer?) -> Void) throws -> [Conversion] {
        let statement = try db.cachedStatement(sql: """
            SELECT seq, account_id, event_source_id, event_type, event_id, event_time, received_at, action_source,
                value, currency, identity_keys, payload FROM events
            """ + " " + condition)
        let stmt = statement.sqliteStatement
        sqlite3_reset(stmt)
        bind(stmt)
        defer { sqlite3_reset(stmt) }
        var out: [Conversion] = []
        while try SQLiteRow.step(stmt, db) {
            out.append(Conversion(
                seq: SQLiteRow.int64(stmt, 0), account: SQLiteRow.text(stmt, 1) ?? "", source: SQLiteRow.text(stmt, 2) ?? "",
                type: SQLiteRow.text(stmt, 3) ?? "", id: SQLiteRow.text(stmt, 4) ?? "", time: SQLiteRow.int64(stmt, 5),
                receivedAt: SQLiteRow.int64(stmt, 6), actionSource: SQLiteRow.text(stmt, 7),
                value: SQLiteRow.optionalDouble(stmt, 8), currency: SQLiteRow.text(stmt, 9),
                keys: Self.storageKeys(stmt, list: 10, payload: 11)))
        }
        return out
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

    /// An exposure that shares a key with the conversion being decided.
    struct Candidate {
        /// Which of the conversion's keys found it (lower is stronger).
        var keyIndex: Int
        var seq: Int64
        var exposureID: String
        var kind: String
        var time: Int64
        var mediaBuyID: String
        var packageID: String
        var creativeID: String
    }

    /// Decides the conversions, in the given (arrival) order, and records the decisions.
    mutating func attribute(_ conversions: [Conversion], firstTime: Bool) throws {
        guard !conversions.isEmpty else { return }
        if firstTime { try insertEventKeys(conversions) }
        let candidates = try fetchCandidates(conversions)
        let duplicateCheck = try db.cachedStatement(sql: """
            SELECT event_seq FROM attributions
            WHERE account_id = ? AND event_type = ? AND event_id = ? AND event_seq < ? AND status != 'duplicate'
            ORDER BY event_seq LIMIT 1
            """).sqliteStatement
        let save = try db.cachedStatement(sql: AttributionRecord.insertSQL).sqliteStatement
        defer {
            sqlite3_reset(duplicateCheck)
            sqlite3_reset(save)
        }
        for (n, c) in conversions.enumerated() {
            var record = AttributionRecord(
                eventSeq: c.seq, account: c.account, source: c.source, type: c.type, id: c.id, time: c.time,
                actionSource: c.actionSource, receivedAt: c.receivedAt, value: c.value, currency: c.currency, at: at)
            // A first examination has no earlier decision (a rebuild deleted it).
            let wasAttributed = firstTime ? false : try previousStatus(c.seq) == "attributed"

            // One conversion per (account, event_type, event_id), whichever source sent it first.
            sqlite3_reset(duplicateCheck)
            SQLiteBind.text(duplicateCheck, 1, c.account)
            SQLiteBind.text(duplicateCheck, 2, c.type)
            SQLiteBind.text(duplicateCheck, 3, c.id)
            sqlite3_bind_int64(duplicateCheck, 4, c.seq)
            let duplicateOf = try SQLiteRow.step(duplicateCheck, db) ? SQLiteRow.int64(duplicateCheck, 0) : nil
            sqlite3_reset(duplicateCheck)
            if let duplicateOf {
                record.status = "duplicate"
                record.duplicateOf = duplicateOf
            } else {
                decide(c, candidates[n], into: &record)
            }
            try record.save(save, db)
            if wasAttributed != (record.status == "attributed") { countAttributed(c, wasAttributed ? -1 : 1) }
        }
    }

    /// Runs the pure rules over the conversion's candidates and fills the record.
    func decide(_ c: Conversion, _ candidates: [Candidate], into record: inout AttributionRecord) {
        let window = windows[Self.sourceKey(c.account, c.source)] ?? .standard
        // The strongest key to find an exposure names the match.
        var found: [String: Candidate] = [:]
        for candidate in candidates.sorted(by: { $0.keyIndex < $1.keyIndex }) where found[candidate.exposureID] == nil {
            found[candidate.exposureID] = candidate
        }
        let list = found.values.compactMap { f -> ExposureCandidate? in
            guard let key = IdentityKey(storageKey: c.keys[f.keyIndex]) else { return nil }
            return ExposureCandidate(exposureID: f.exposureID, kind: Exposure.Kind(rawValue: f.kind) ?? .impression, time: f.time, matchedBy: key)
        }
        if let decision = AttributionRules.decide(eventTime: c.time, window: window, candidates: list),
           let exposure = found[decision.exposureID] {
            record.status = "attributed"
            record.decision = decision
            record.exposureSeq = exposure.seq
            record.exposureKind = exposure.kind
            record.mediaBuyID = exposure.mediaBuyID
            record.packageID = exposure.packageID
            record.creativeID = exposure.creativeID
        } else {
            record.status = "unattributed"
        }
    }

    /// The status an earlier pass recorded for the conversion, if any.
    func previousStatus(_ seq: Int64) throws -> String? {
        let stmt = try db.cachedStatement(sql: "SELECT status FROM attributions WHERE event_seq = ?").sqliteStatement
        sqlite3_reset(stmt)
        defer { sqlite3_reset(stmt) }
        sqlite3_bind_int64(stmt, 1, seq)
        return try SQLiteRow.step(stmt, db) ? SQLiteRow.text(stmt, 0) : nil
    }

    /// Indexes the conversions' keys, so late exposures can find them.
    func insertEventKeys(_ conversions: [Conversion]) throws {
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

    /// Every exposure up to the horizon that shares a key with a conversion
    /// inside its source's lookback, per conversion. Lookups run sorted by
    /// (account, key), the index's order, so the b-tree is walked forwards.
    func fetchCandidates(_ conversions: [Conversion]) throws -> [[Candidate]] {
        struct Lookup {
            var key: String
            var account: String
            var conversion: Int
            var keyIndex: Int
        }
        var lookups: [Lookup] = []
        lookups.reserveCapacity(conversions.count * 4)
        for (n, c) in conversions.enumerated() {
            for (k, key) in c.keys.enumerated() { lookups.append(Lookup(key: key, account: c.account, conversion: n, keyIndex: k)) }
        }
        // Any total order that groups equal keys serves; String's is a byte compare for ASCII.
        lookups.sort { a, b in a.key != b.key ? a.key < b.key : a.account < b.account }
        let stmt = try db.cachedStatement(sql: """
            SELECT e.seq, e.exposure_id, e.kind, e.time, e.media_buy_id, e.package_id, e.creative_id
            FROM exposure_keys k JOIN exposures e ON e.seq = k.exposure_seq
            WHERE k.account_id = ? AND k.key = ? AND k.time >= ? AND k.time <= ? AND k.exposure_seq <= ?
            """).sqliteStatement
        defer { sqlite3_reset(stmt) }
        var out = [[Candidate]](repeating: [], count: conversions.count)
        for l in lookups {
            let c = conversions[l.conversion]
            let window = windows[Self.sourceKey(c.account, c.source)] ?? .standard
            let lookback = max(window.postClick.milliseconds, window.postView.milliseconds)
            sqlite3_reset(stmt)
            SQLiteBind.text(stmt, 1, l.account)
            SQLiteBind.text(stmt, 2, l.key)
            sqlite3_bind_int64(stmt, 3, c.time - lookback)
            sqlite3_bind_int64(stmt, 4, c.time)
            sqlite3_bind_int64(stmt, 5, horizon)
            while try SQLiteRow.step(stmt, db) {
                out[l.conversion].append(Candidate(
                    keyIndex: l.keyIndex, seq: SQLiteRow.int64(stmt, 0), exposureID: SQLiteRow.text(stmt, 1) ?? "",
                    kind: SQLiteRow.text(stmt, 2) ?? "", time: SQLiteRow.int64(stmt, 3), mediaBuyID: SQLiteRow.text(stmt, 4) ?? "",
                    packageID: SQLiteRow.text(stmt, 5) ?? "", creativeID: SQLiteRow.text(stmt, 6) ?? ""))
            }
        }
        return out
    }
}

/// A row of the attributions table.
struct AttributionRecord {
    var eventSeq: Int64
    var account: String
    var source: String
    var type: String
    var id: String
    var time: Int64
    var actionSource: String?
    var receivedAt: Int64
    var value: Double?
    var currency: String?
    var at: Int64
    var status = "unattributed"
    var duplicateOf: Int64?
    var decision: AttributionDecision?
    var exposureSeq: Int64?
    var exposureKind: String?
    var mediaBuyID: String?
    var packageID: String?
    var creativeID: String?

    static let insertSQL = """
        INSERT OR REPLACE INTO attributions (event_seq, account_id, event_source_id, event_type, event_id, event_time,
            action_source, received_at, value, currency, status, duplicate_of, exposure_seq, exposure_id, exposure_kind,
            media_buy_id, package_id, creative_id, model, matched_by, lag_ms, window_ms, attributed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Writes the row through `stmt`, a prepared `insertSQL`.
    func save(_ stmt: OpaquePointer?, _ db: Database) throws {
        sqlite3_reset(stmt)
        sqlite3_bind_int64(stmt, 1, eventSeq)
        SQLiteBind.text(stmt, 2, account)
        SQLiteBind.text(stmt, 3, source)
        SQLiteBind.text(stmt, 4, type)
        SQLiteBind.text(stmt, 5, id)
        sqlite3_bind_int64(stmt, 6, time)
        SQLiteBind.text(stmt, 7, actionSource)
        sqlite3_bind_int64(stmt, 8, receivedAt)
        SQLiteBind.double(stmt, 9, value)
        SQLiteBind.text(stmt, 10, currency)
        SQLiteBind.text(stmt, 11, status)
        SQLiteBind.int64(stmt, 12, duplicateOf)
        SQLiteBind.int64(stmt, 13, exposureSeq)
        SQLiteBind.text(stmt, 14, decision?.exposureID)
        SQLiteBind.text(stmt, 15, exposureKind)
        SQLiteBind.text(stmt, 16, mediaBuyID)
        SQLiteBind.text(stmt, 17, packageID)
        SQLiteBind.text(stmt, 18, creativeID)
        SQLiteBind.text(stmt, 19, decision?.model.rawValue)
        SQLiteBind.text(stmt, 20, decision?.matchedBy)
        SQLiteBind.int64(stmt, 21, decision?.lagMilliseconds)
        SQLiteBind.int64(stmt, 22, decision?.windowMilliseconds)
        sqlite3_bind_int64(stmt, 23, at)
        try SQLiteRow.execute(stmt, db)
        sqlite3_reset(stmt)
    }
}
