import CAPICore
import CAPIStore
import PostgresNIO

/// Writes an attribution plan inside the pass's transaction, in the plan's
/// order (clear, index, record, count, roll up, move cursors), each step
/// one statement over arrays.
struct PostgresAttributionWrites {
    let db: PostgresConnection
    /// The account whose cursors the plan moves.
    let account: String

    /// Applies the plan; a cursor is written only when it moved from `read`.
    func apply(_ plan: AttributionPlan, over read: AttributionCursors) async throws {
        try await clear(plan.cleared, accounts: plan)
        try await index(plan.indexed)
        try await save(plan.records)
        try await count(plan.counters)
        try await PostgresRollups.apply(db, plan.rollups)
        if plan.cursors.conversions != read.conversions { try await setCursor("conversions", plan.cursors.conversions) }
        if plan.cursors.exposures != read.exposures { try await setCursor("exposures", plan.cursors.exposures) }
    }

    private func setCursor(_ name: String, _ position: Int64) async throws {
        try await db.run("""
            INSERT INTO attribution_cursors (account_id, name, position) VALUES (\(account), \(name), \(position))
            ON CONFLICT (account_id, name) DO UPDATE SET position = excluded.position
            """)
    }

    /// Deletes the conversions' decisions and indexed keys (a rebuild
    /// decides them afresh). Rows are addressed account first: each cleared
    /// conversion's account comes from the plan, which indexes it again.
    private func clear(_ seqs: [Int64], accounts plan: AttributionPlan) async throws {
        guard !seqs.isEmpty else { return }
        var accountOf: [Int64: String] = [:]
        for c in plan.indexed { accountOf[c.seq] = c.account }
        for r in plan.records { accountOf[r.conversion.seq] = r.conversion.account }
        var accounts: [String] = []
        var cleared: [Int64] = []
        for seq in seqs {
            guard let account = accountOf[seq] else { throw StoreError.conflict("a cleared conversion is missing from its plan") }
            accounts.append(account)
            cleared.append(seq)
        }
        for table in ["attributions", "event_keys"] {
            try await db.run("""
                DELETE FROM \(unescaped: table) t USING unnest(\(accounts)::text[], \(cleared)::int8[]) AS c(account_id, seq)
                WHERE t.account_id = c.account_id AND t.event_seq = c.seq
                """)
        }
    }

    /// Indexes the conversions' keys, so late exposures can find them.
    private func index(_ conversions: [PendingConversion]) async throws {
        var accounts: [String] = []
        var keys: [String] = []
        var times: [Int64] = []
        var seqs: [Int64] = []
        for c in conversions {
            for key in c.keys {
                accounts.append(c.account)
                keys.append(key)
                times.append(c.time)
                seqs.append(c.seq)
            }
        }
        guard !keys.isEmpty else { return }
        try await db.run("""
            INSERT INTO event_keys (account_id, key, event_time, event_seq)
            SELECT * FROM unnest(\(accounts)::text[], \(keys)::text[], \(times)::int8[], \(seqs)::int8[])
            ON CONFLICT DO NOTHING
            """)
    }

    /// Writes each decision as a row of `attributions`, replacing an earlier one.
    private func save(_ records: [AttributionRecord]) async throws {
        guard !records.isEmpty else { return }
        let c = records.map(\.conversion)
        try await db.run("""
            INSERT INTO attributions AS a (account_id, event_seq, event_source_id, event_type, event_id, event_time,
                action_source, received_at, value, currency, status, duplicate_of, exposure_seq, exposure_id, exposure_kind,
                media_buy_id, package_id, creative_id, model, matched_by, lag_ms, window_ms, attributed_at)
            SELECT * FROM unnest(\(c.map(\.account))::text[], \(c.map(\.seq))::int8[], \(c.map(\.source))::text[],
                \(c.map(\.type))::text[], \(c.map(\.id))::text[], \(c.map(\.time))::int8[], \(NullableArray(c.map(\.actionSource)))::text[],
                \(c.map(\.receivedAt))::int8[], \(NullableArray(c.map(\.value)))::float8[], \(NullableArray(c.map(\.currency)))::text[],
                \(records.map(\.status.rawValue))::text[], \(NullableArray(records.map(\.duplicateOf)))::int8[],
                \(NullableArray(records.map { $0.exposure?.seq }))::int8[], \(NullableArray(records.map { $0.decision?.exposureID }))::text[],
                \(NullableArray(records.map { $0.exposure?.kind }))::text[], \(NullableArray(records.map { $0.exposure?.mediaBuyID }))::text[],
                \(NullableArray(records.map { $0.exposure?.packageID }))::text[],
                \(NullableArray(records.map { $0.exposure?.creativeID }))::text[],
                \(NullableArray(records.map { $0.decision?.model.rawValue }))::text[],
                \(NullableArray(records.map { $0.decision?.matchedBy }))::text[],
                \(NullableArray(records.map { $0.decision?.lagMilliseconds }))::int8[],
                \(NullableArray(records.map { $0.decision?.windowMilliseconds }))::int8[], \(records.map(\.at))::int8[])
            ON CONFLICT (account_id, event_seq) DO UPDATE SET
                event_source_id = excluded.event_source_id, event_type = excluded.event_type, event_id = excluded.event_id,
                event_time = excluded.event_time, action_source = excluded.action_source, received_at = excluded.received_at,
                value = excluded.value, currency = excluded.currency, status = excluded.status, duplicate_of = excluded.duplicate_of,
                exposure_seq = excluded.exposure_seq, exposure_id = excluded.exposure_id, exposure_kind = excluded.exposure_kind,
                media_buy_id = excluded.media_buy_id, package_id = excluded.package_id, creative_id = excluded.creative_id,
                model = excluded.model, matched_by = excluded.matched_by, lag_ms = excluded.lag_ms, window_ms = excluded.window_ms,
                attributed_at = excluded.attributed_at
            """)
    }

    /// Adds the pass's changes to the hourly `attributed` counters.
    private func count(_ deltas: [AttributedCounterDelta]) async throws {
        guard !deltas.isEmpty else { return }
        try await db.run("""
            INSERT INTO source_counters AS s (account_id, event_source_id, hour, attributed)
            SELECT * FROM unnest(\(deltas.map(\.account))::text[], \(deltas.map(\.source))::text[], \(deltas.map(\.hour))::int8[],
                \(deltas.map { Int64($0.delta) })::int8[])
            ON CONFLICT (account_id, event_source_id, hour) DO UPDATE SET attributed = s.attributed + excluded.attributed
            """)
    }
}
