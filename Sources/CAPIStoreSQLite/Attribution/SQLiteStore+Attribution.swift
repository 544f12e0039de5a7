import CAPIStore
import CAPICore
import GRDB

/// Attribution passes: read the inputs in bulk, let `AttributionPlanner`
/// decide, write its plan, all in one write transaction.
extension SQLiteStore {
    /// One pass. `held` counts its commit too: the commit writes a WAL frame
    /// for every index page the pass's keys touched (they land all over
    /// `event_keys_lookup`), often megabytes, and the worker paces itself by
    /// `held`.
    public func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress {
        var (progress, held) = try await timedUnsyncedWrite { db in
            try Self.attributePending(db, maxConversions: maxConversions, at: at)
        }
        progress.held = held
        return progress
    }

    /// Late exposures first (they move the horizon and reach conversions
    /// examined before), then new conversions, decided together in seq order.
    static func attributePending(_ db: Database, maxConversions: Int, at: Int64) throws -> AttributionProgress {
        let reads = SQLiteAttributionReads(db: db)
        let cursors = try reads.cursors()
        let windows = try reads.windows()
        let exposuresSeen: Int64?
        var reached: [Int64] = []
        if AttributionPlanner.takesAllExposures(cursors) {
            exposuresSeen = try reads.newestExposure()
        } else {
            let late = try reads.lateExposures(
                after: cursors.exposures, limit: AttributionPlanner.exposureChunk(maxConversions: maxConversions))
            exposuresSeen = late.last?.seq
            reached = try reads.conversionsReached(by: late, windows: windows, seen: cursors.conversions)
        }
        let again = try reads.conversions(seqs: reached)
        let new = try reads.conversions(after: cursors.conversions, limit: maxConversions)
        let conversions = again.map { ($0.conversion, Examination.again(previous: $0.previous), $0.credited) }
            + new.map { ($0, Examination.first, ConversionCredit?.none) }
        let input = try reads.passInput(conversions, windows: windows, cursors: cursors, exposuresSeen: exposuresSeen, at: at)
        try SQLiteAttributionWrites(db: db).apply(AttributionPlanner.plan(input), over: cursors)
        return AttributionProgress(conversions: new.count, reexamined: reached.count)
    }

    public func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        try await unsyncedWrite { db in
            let reads = SQLiteAttributionReads(db: db)
            let cursors = try reads.cursors()
            let windows = try reads.windows()
            let examined = try reads.conversions(from: from ?? .min, to: to ?? .max, seen: cursors.conversions)
            let input = try reads.passInput(
                examined.map { ($0.conversion, Examination.rebuilt(previous: $0.previous), $0.credited) },
                windows: windows, cursors: cursors, exposuresSeen: nil, at: at)
            try SQLiteAttributionWrites(db: db).apply(AttributionPlanner.plan(input), over: cursors)
            return examined.count
        }
    }

    public func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation? {
        try await pool.read { [recentPlaces] db in
            let key = EventDedupKey(accountID: accountID, eventSourceID: eventSourceID, eventType: eventType, eventID: eventID)
            guard let stored = try EventIDIndex.storedSeq(db, key: key, recent: recentPlaces),
                  let event = try Row.fetchOne(db, sql: "SELECT seq, event_time FROM events WHERE seq = ?", arguments: [stored])
            else { return nil }
            let seq: Int64 = event["seq"]
            var explanation = AttributionExplanation(
                eventSourceID: eventSourceID, eventType: eventType, eventID: eventID, eventTime: event["event_time"],
                status: .pending, duplicateOfSource: nil, decision: nil, exposure: nil, window: nil)
            let windows = try SQLiteAttributionReads(db: db).windows()
            explanation.window = windows.window(accountID: accountID, eventSourceID: eventSourceID)
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
