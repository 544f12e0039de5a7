import CAPICore
import CAPIStore
import PostgresNIO

/// Attribution passes, one account at a time: read the account's inputs in
/// bulk, let `AttributionPlanner` decide, write its plan, all in one
/// transaction, exactly as on SQLite. No statement of a pass leaves its
/// account, so passes over a database distributed by account stay on one
/// shard each.
///
/// Across nodes: a pass over an account first takes that account's
/// transaction-level advisory lock (`pg_try_advisory_xact_lock`); a node
/// that finds it taken moves on to the next account. Every node works at
/// once on different accounts, never two on one, and a node that dies
/// mid-pass releases its account with its connection.
extension PostgresStore {
    public func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress {
        let started = ContinuousClock.now
        var progress = AttributionProgress(conversions: 0, reexamined: 0)
        for account in try await accountsInTurn(try await accountsWithWork()) {
            let budget = maxConversions - progress.conversions
            guard budget > 0 else { break }
            let done = try await transaction { db -> AttributionProgress? in
                guard try await Self.takeAttributionLock(db, account: account, wait: false) else { return nil }
                let marks = try await self.horizon.advance(db, account: account)
                return try await Self.attributePending(db, account: account, marks: marks, maxConversions: budget, at: at)
            }
            progress.conversions += done?.conversions ?? 0
            progress.reexamined += done?.reexamined ?? 0
        }
        progress.held = ContinuousClock.now - started
        return progress
    }

    /// The accounts with events or exposures past their cursors: each
    /// account's check stays inside it.
    func accountsWithWork() async throws -> [String] {
        try await read("""
            SELECT a.account_id FROM accounts a
            WHERE EXISTS (SELECT 1 FROM events e WHERE e.account_id = a.account_id AND e.seq > COALESCE((
                    SELECT position FROM attribution_cursors c WHERE c.account_id = a.account_id AND c.name = 'conversions'), 0))
                OR EXISTS (SELECT 1 FROM exposures x WHERE x.account_id = a.account_id AND x.seq > COALESCE((
                    SELECT position FROM attribution_cursors c WHERE c.account_id = a.account_id AND c.name = 'exposures'), 0))
            ORDER BY a.account_id
            """).map { try $0.decode(String.self) }
    }

    /// `accounts` starting one further along at each pass, so that a busy
    /// account does not keep the others waiting for the budget.
    private func accountsInTurn(_ accounts: [String]) -> [String] {
        guard accounts.count > 1 else { return accounts }
        let start = attributionTurn.add(1, ordering: .relaxed).oldValue % accounts.count
        return Array(accounts[start...] + accounts[..<start])
    }

    /// Takes `account`'s attribution lock for the transaction: waiting for
    /// it, or only if it is free. Keyed by the schema and the account.
    static func takeAttributionLock(_ db: PostgresConnection, account: String, wait: Bool) async throws -> Bool {
        let key = "\(PostgresSchema.attributionLock), hashtext(COALESCE(current_schema(), '') || ':' || $1)"
        var binds = PostgresBindings()
        binds.append(account)
        guard !wait else {
            try await db.run(PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(\(key))", binds: binds))
            return true
        }
        return try await db.value(PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_xact_lock(\(key))", binds: binds), as: Bool.self) ?? false
    }

    /// Late exposures first (they move the horizon and reach conversions
    /// examined before), then new conversions, decided together in seq
    /// order; neither read past the settled marks.
    static func attributePending(
        _ db: PostgresConnection, account: String, marks: CommitHorizon.Marks, maxConversions: Int, at: Int64
    ) async throws -> AttributionProgress {
        let reads = PostgresAttributionReads(db: db, account: account)
        let cursors = try await reads.cursors()
        let windows = try await reads.windows()
        let exposuresSeen: Int64?
        var reached: [Int64] = []
        if AttributionPlanner.takesAllExposures(cursors) {
            exposuresSeen = try await reads.newestExposure(upTo: marks.exposures)
        } else {
            let late = try await reads.lateExposures(
                after: cursors.exposures, upTo: marks.exposures, limit: AttributionPlanner.exposureChunk(maxConversions: maxConversions))
            exposuresSeen = late.last?.seq
            reached = try await reads.conversionsReached(by: late, windows: windows, seen: cursors.conversions)
        }
        let again = try await reads.conversions(seqs: reached)
        let new = try await reads.conversions(after: cursors.conversions, upTo: marks.events, limit: maxConversions)
        let conversions = again.map { ($0.conversion, Examination.again(previous: $0.previous), $0.credited) }
            + new.map { ($0, Examination.first, ConversionCredit?.none) }
        let input = try await reads.passInput(conversions, windows: windows, cursors: cursors, exposuresSeen: exposuresSeen, at: at)
        try await PostgresAttributionWrites(db: db, account: account).apply(AttributionPlanner.plan(input), over: cursors)
        return AttributionProgress(conversions: new.count, reexamined: reached.count)
    }

    /// Decides again every conversion examined so far in the range, one
    /// account at a time, each under its attribution lock (waiting for a
    /// pass in progress to end).
    public func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        var rebuilt = 0
        for account in try await read("SELECT account_id FROM accounts ORDER BY account_id").map({ try $0.decode(String.self) }) {
            rebuilt += try await rebuildAttributions(account: account, from: from, to: to, at: at)
        }
        return rebuilt
    }

    private func rebuildAttributions(account: String, from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        try await transaction { db in
            _ = try await Self.takeAttributionLock(db, account: account, wait: true)
            let reads = PostgresAttributionReads(db: db, account: account)
            let cursors = try await reads.cursors()
            let windows = try await reads.windows()
            let examined = try await reads.conversions(from: from ?? .min, to: to ?? .max, seen: cursors.conversions)
            let input = try await reads.passInput(
                examined.map { ($0.conversion, Examination.rebuilt(previous: $0.previous), $0.credited) },
                windows: windows, cursors: cursors, exposuresSeen: nil, at: at)
            try await PostgresAttributionWrites(db: db, account: account).apply(AttributionPlanner.plan(input), over: cursors)
            return examined.count
        }
    }

    public func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation? {
        try await snapshot { db in
            guard let event = try await db.rows("""
                SELECT seq, event_time FROM events
                WHERE account_id = \(accountID) AND event_source_id = \(eventSourceID) AND event_type = \(eventType) AND event_id = \(eventID)
                """).first else { return nil }
            let seq: Int64 = try Cells(event).get(0)
            var explanation = AttributionExplanation(
                eventSourceID: eventSourceID, eventType: eventType, eventID: eventID, eventTime: try Cells(event).get(1))
            let windows = try await PostgresAttributionReads(db: db, account: accountID).windows()
            explanation.window = windows.window(accountID: accountID, eventSourceID: eventSourceID)
            guard let row = try await db.rows("""
                SELECT status, duplicate_of, exposure_id, model, matched_by, lag_ms, window_ms, exposure_seq
                FROM attributions WHERE account_id = \(accountID) AND event_seq = \(seq)
                """).first else { return explanation }
            let r = Cells(row)
            explanation.status = AttributionStatus(rawValue: try r.get(0)) ?? .pending
            if let original = try r.get(1, as: Int64?.self) {
                explanation.duplicateOfSource = try await db.value(
                    "SELECT event_source_id FROM events WHERE account_id = \(accountID) AND seq = \(original)", as: String.self)
            }
            if let exposureID = try r.get(2, as: String?.self), let model = try r.get(3, as: String?.self) {
                explanation.decision = AttributionDecision(
                    exposureID: exposureID, model: AttributionDecision.Model(rawValue: model) ?? .clickThrough,
                    matchedBy: try r.get(4, as: String?.self) ?? "", lagMilliseconds: try r.get(5, as: Int64?.self) ?? 0,
                    windowMilliseconds: try r.get(6, as: Int64?.self) ?? 0)
                if let exposureSeq = try r.get(7, as: Int64?.self), let e = try await db.rows("""
                    SELECT \(unescaped: Self.exposureColumns) FROM exposures WHERE account_id = \(accountID) AND seq = \(exposureSeq)
                    """).first {
                    explanation.exposure = try Self.exposure(e)
                }
            }
            return explanation
        }
    }
}
