import CAPICore
import GRDB

extension SQLiteStore {
    /// Exposures examined per pass when looking for conversions they could claim.
    static let exposureChunk = 20_000

    public func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress {
        try await pool.write { db in
            var pass = try AttributionPass(db, at: at)
            let reexamined = try pass.reexamineForNewExposures(limit: Self.exposureChunk)
            let conversions = try pass.attributeNewConversions(limit: maxConversions)
            return AttributionProgress(conversions: conversions, reexamined: reexamined)
        }
    }

    public func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        try await pool.write { db in
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
            explanation.status = AttributionExplanation.Status(rawValue: row["status"]) ?? .pending
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
        let rows = try Row.fetchAll(db, sql: "\(Self.eventColumns) WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [start, limit])
        for row in rows { try attribute(row, firstTime: true) }
        if let last = rows.last { try setCursor("conversions", last["seq"]) }
        try flushCounters()
        return rows.count
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
        for seq in affected.sorted() {
            if let row = try Row.fetchOne(db, sql: "\(Self.eventColumns) WHERE seq = ?", arguments: [seq]) {
                try attribute(row, firstTime: false)
            }
        }
        try setCursor("exposures", end)
        try flushCounters()
        return affected.count
    }

    /// Recomputes conversions with event_time in the range, in arrival order.
    mutating func rebuild(from: Int64, to: Int64) throws -> Int {
        let seen = try cursor("conversions")
        let rows = try Row.fetchAll(
            db, sql: "\(Self.eventColumns) WHERE event_time >= ? AND event_time <= ? AND seq <= ? ORDER BY seq",
            arguments: [from, to, seen])
        for row in rows {
            let seq: Int64 = row["seq"]
            if try String.fetchOne(db, sql: "SELECT status FROM attributions WHERE event_seq = ?", arguments: [seq]) == "attributed" {
                countAttributed(row, -1)
            }
            try db.execute(sql: "DELETE FROM attributions WHERE event_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM event_keys WHERE event_seq = ?", arguments: [seq])
        }
        for row in rows { try attribute(row, firstTime: true) }
        try flushCounters()
        return rows.count
    }

    /// Notes a change to the source's hourly `attributed` counter, for health.
    mutating func countAttributed(_ event: Row, _ delta: Int) {
        let received: Int64 = event["received_at"]
        let key = CounterKey(account: event["account_id"], source: event["event_source_id"], hour: received / 3_600_000)
        attributedDelta[key, default: 0] += delta
    }

    mutating func flushCounters() throws {
        for (key, delta) in attributedDelta where delta != 0 {
            var c = SourceCounters()
            c.attributed = delta
            try SQLiteStore.addCounters(db, accountID: key.account, eventSourceID: key.source, at: key.hour * 3_600_000, c)
        }
        attributedDelta = [:]
    }

    static let eventColumns = """
        SELECT seq, account_id, event_source_id, event_type, event_id, event_time, received_at, action_source,
            value, currency, identity_keys FROM events
        """

    /// An exposure that shares a key with the conversion being decided.
    struct Candidate {
        var seq: Int64
        var kind: String
        var mediaBuyID: String
        var packageID: String
        var creativeID: String
        var candidate: ExposureCandidate
    }

    /// Decides one conversion and records the decision.
    mutating func attribute(_ event: Row, firstTime: Bool) throws {
        let seq: Int64 = event["seq"]
        let account: String = event["account_id"]
        let source: String = event["event_source_id"]
        let type: String = event["event_type"]
        let id: String = event["event_id"]
        let time: Int64 = event["event_time"]
        let keys = IdentityKey.list(event["identity_keys"])
        if firstTime {
            let insertKey = try db.cachedStatement(sql: "INSERT INTO event_keys (account_id, key, event_time, event_seq) VALUES (?, ?, ?, ?)")
            for key in keys {
                insertKey.setUncheckedArguments([account, key.storageKey, time, seq])
                try insertKey.execute()
            }
        }
        var record = AttributionRecord(
            eventSeq: seq, account: account, source: source, type: type, id: id, time: time,
            actionSource: event["action_source"], receivedAt: event["received_at"],
            value: event["value"], currency: event["currency"], at: at)
        // A first examination has no earlier decision (a rebuild deleted it).
        let wasAttributed = firstTime
            ? false
            : try String.fetchOne(db, sql: "SELECT status FROM attributions WHERE event_seq = ?", arguments: [seq]) == "attributed"

        // One conversion per (account, event_type, event_id), whichever source sent it first.
        let duplicateOf = try Int64.fetchOne(
            try db.cachedStatement(sql: """
                SELECT event_seq FROM attributions
                WHERE account_id = ? AND event_type = ? AND event_id = ? AND event_seq < ? AND status != 'duplicate'
                ORDER BY event_seq LIMIT 1
                """),
            arguments: [account, type, id, seq])
        if let duplicateOf {
            record.status = "duplicate"
            record.duplicateOf = duplicateOf
        } else {
            let window = windows[Self.sourceKey(account, source)] ?? .standard
            let lookback = max(window.postClick.milliseconds, window.postView.milliseconds)
            let lookup = try db.cachedStatement(sql: """
                SELECT e.seq, e.exposure_id, e.kind, e.time, e.media_buy_id, e.package_id, e.creative_id
                FROM exposure_keys k JOIN exposures e ON e.seq = k.exposure_seq
                WHERE k.account_id = ? AND k.key = ? AND k.time >= ? AND k.time <= ? AND k.exposure_seq <= ?
                """)
            var found: [String: Candidate] = [:]
            for key in keys {  // strongest first: the first key to find an exposure names the match
                let rows = try Row.fetchCursor(lookup, arguments: [account, key.storageKey, time - lookback, time, horizon])
                while let row = try rows.next() {
                    let exposureID: String = row[1]
                    guard found[exposureID] == nil else { continue }
                    let kind: String = row[2]
                    found[exposureID] = Candidate(
                        seq: row[0], kind: kind, mediaBuyID: row[4], packageID: row[5], creativeID: row[6],
                        candidate: ExposureCandidate(
                            exposureID: exposureID, kind: Exposure.Kind(rawValue: kind) ?? .impression, time: row[3], matchedBy: key))
                }
            }
            if let decision = AttributionRules.decide(eventTime: time, window: window, candidates: found.values.map(\.candidate)),
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
        try record.save(db)
        if wasAttributed != (record.status == "attributed") { countAttributed(event, wasAttributed ? -1 : 1) }
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

    func save(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO attributions (event_seq, account_id, event_source_id, event_type, event_id, event_time,
                action_source, received_at, value, currency, status, duplicate_of, exposure_seq, exposure_id, exposure_kind,
                media_buy_id, package_id, creative_id, model, matched_by, lag_ms, window_ms, attributed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statement.setUncheckedArguments([
            eventSeq, account, source, type, id, time, actionSource, receivedAt, value, currency, status, duplicateOf, exposureSeq,
            decision?.exposureID, exposureKind, mediaBuyID, packageID, creativeID, decision?.model.rawValue,
            decision?.matchedBy, decision?.lagMilliseconds, decision?.windowMilliseconds, at,
        ])
        try statement.execute()
    }
}
