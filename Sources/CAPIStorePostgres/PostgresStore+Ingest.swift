import CAPICore
import CAPIStore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// One transaction per batch: the idempotency claim, each run's events
    /// as one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` (one
    /// round trip a run, however long), the counters, the answer; then the
    /// commit, durable before this returns.
    public func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?,
        respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts> {
        try await transaction { db in
            try await db.orderWrites()
            if let idempotency, let record = try await Self.claim(idempotency, accountID: batch.accountID, db) {
                return .replay(record)
            }
            let counts = batch.testEventCode == nil
                ? try await Self.insertEvents(batch, db)
                : try await Self.insertTestEvents(batch, db)
            let response = respond(counts)
            if let idempotency {
                if counts.inserted + counts.duplicates > 0 {
                    try await Self.record(idempotency, accountID: batch.accountID, response: response, db)
                } else {
                    try await Self.release(idempotency, accountID: batch.accountID, db)
                }
            }
            return .written(counts, response: response)
        }
    }

    /// Stores each run as it becomes ready, while later ones are still being
    /// validated. An event is new unless its dedup key is stored: within the
    /// run the earliest of equal keys wins (`insert`), and a key
    /// another node is storing at the same moment waits for that commit.
    static func insertEvents(_ batch: IngestBatch, _ db: PostgresConnection) async throws -> IngestCounts {
        var accepted = 0
        var inserted = 0
        var index = 0
        while let run = try await batch.runs.take(index) {
            index += 1
            accepted += run.accepted.count
            guard !run.accepted.isEmpty else { continue }
            inserted += try await insert(EventColumns(run), batch, db)
        }
        var counters = batch.runs.report.counters
        counters.accepted = accepted
        counters.duplicates = accepted - inserted
        counters.lastEventAt = batch.receivedAt
        try await addCounters(db, accountID: batch.accountID, eventSourceID: batch.eventSourceID, at: batch.receivedAt, counters)
        return IngestCounts(inserted: inserted, duplicates: accepted - inserted)
    }

    /// Inserts a run's events; returns how many were new. Seqs are taken in
    /// arrival order, rows go in in key order (the first of equal keys
    /// first): two nodes storing overlapping runs take the keys' locks in one
    /// order, so neither waits for the other in a circle.
    private static func insert(_ c: EventColumns, _ batch: IngestBatch, _ db: PostgresConnection) async throws -> Int {
        try await db.rows("""
            INSERT INTO events (seq, account_id, event_source_id, received_at, event_type, event_id, event_time,
                action_source, value, currency, order_id, click_id, click_id_type, payload)
            SELECT u.seq, \(batch.accountID), \(batch.eventSourceID), \(batch.receivedAt), u.type, u.id, u.time,
                u.action_source, u.value, u.currency, u.order_id, u.click_id, u.click_id_type, u.payload
            FROM (
                SELECT nextval('events_seq_seq'::regclass) AS seq, a.*
                FROM unnest(\(c.types)::text[], \(c.ids)::text[], \(c.times)::int8[], \(NullableArray(c.actionSources))::text[],
                    \(NullableArray(c.values))::float8[], \(NullableArray(c.currencies))::text[], \(NullableArray(c.orderIDs))::text[],
                    \(NullableArray(c.clickIDs))::text[], \(NullableArray(c.clickIDTypes))::text[], \(c.payloads)::bytea[])
                    WITH ORDINALITY AS a(type, id, time, action_source, value, currency, order_id, click_id, click_id_type, payload, n)
                ORDER BY a.n
            ) AS u
            ORDER BY u.type COLLATE "C", u.id COLLATE "C", u.n
            ON CONFLICT (account_id, event_source_id, event_type, event_id) DO NOTHING
            RETURNING seq
            """).count
    }

    public func counters(accountID: String, since: Int64) async throws -> [String: SourceCounters] {
        var out: [String: SourceCounters] = [:]
        for row in try await read("""
            SELECT event_source_id, sum(received)::bigint, sum(accepted)::bigint, sum(failed)::bigint, sum(duplicates)::bigint,
                sum(test_events)::bigint, sum(unmatchable)::bigint, sum(foreign_clicks)::bigint,
                sum(valued_without_currency)::bigint, sum(attributed)::bigint, max(last_event_at)
            FROM source_counters WHERE account_id = \(accountID) AND hour >= \(since / RollupHour.milliseconds)
            GROUP BY event_source_id
            """) {
            let r = Cells(row)
            var c = SourceCounters()
            c.received = try r.get(1)
            c.accepted = try r.get(2)
            c.failed = try r.get(3)
            c.duplicates = try r.get(4)
            c.testEvents = try r.get(5)
            c.unmatchable = try r.get(6)
            c.foreignClicks = try r.get(7)
            c.valuedWithoutCurrency = try r.get(8)
            c.attributed = try r.get(9)
            c.lastEventAt = try r.get(10)
            let source: String = try r.get(0)
            out[source] = c
        }
        return out
    }

    /// One upsert per batch into the hour's counters.
    static func addCounters(_ db: PostgresConnection, accountID: String, eventSourceID: String, at: Int64, _ c: SourceCounters) async throws {
        try await db.run("""
            INSERT INTO source_counters AS s (account_id, event_source_id, hour, received, accepted, failed, duplicates,
                test_events, unmatchable, foreign_clicks, valued_without_currency, attributed, last_event_at)
            VALUES (\(accountID), \(eventSourceID), \(at / RollupHour.milliseconds), \(c.received), \(c.accepted), \(c.failed),
                \(c.duplicates), \(c.testEvents), \(c.unmatchable), \(c.foreignClicks), \(c.valuedWithoutCurrency), \(c.attributed),
                \(c.lastEventAt))
            ON CONFLICT (account_id, event_source_id, hour) DO UPDATE SET
                received = s.received + excluded.received, accepted = s.accepted + excluded.accepted,
                failed = s.failed + excluded.failed, duplicates = s.duplicates + excluded.duplicates,
                test_events = s.test_events + excluded.test_events, unmatchable = s.unmatchable + excluded.unmatchable,
                foreign_clicks = s.foreign_clicks + excluded.foreign_clicks,
                valued_without_currency = s.valued_without_currency + excluded.valued_without_currency,
                attributed = s.attributed + excluded.attributed,
                last_event_at = CASE WHEN excluded.last_event_at IS NULL THEN s.last_event_at
                    ELSE GREATEST(COALESCE(s.last_event_at, 0), excluded.last_event_at) END
            """)
    }

    /// A test batch goes to the test log whole: accepted events and refused
    /// ones, with why. It is never deduplicated nor attributed.
    static func insertTestEvents(_ batch: IngestBatch, _ db: PostgresConnection) async throws -> IngestCounts {
        var logged = 0
        var index = 0
        while let run = try await batch.runs.take(index) {
            index += 1
            let rows = TestEventColumns(run, body: batch.body)
            logged += rows.ids.count
            guard !rows.ids.isEmpty else { continue }
            try await db.run("""
                INSERT INTO test_events (account_id, event_source_id, test_event_code, received_at, event_id, event_type,
                    outcome, error_code, error_message, error_field, payload)
                SELECT \(batch.accountID), \(batch.eventSourceID), \(batch.testEventCode ?? ""), \(batch.receivedAt),
                    u.id, u.type, u.outcome, u.code, u.message, u.field, u.payload
                FROM unnest(\(rows.ids)::text[], \(NullableArray(rows.types))::text[], \(rows.outcomes)::text[],
                    \(NullableArray(rows.errorCodes))::text[], \(NullableArray(rows.errorMessages))::text[],
                    \(NullableArray(rows.errorFields))::text[], \(rows.payloads)::bytea[])
                    WITH ORDINALITY AS u(id, type, outcome, code, message, field, payload, n)
                ORDER BY u.n
                """)
        }
        var counters = SourceCounters()
        counters.testEvents = logged
        try await addCounters(db, accountID: batch.accountID, eventSourceID: batch.eventSourceID, at: batch.receivedAt, counters)
        return IngestCounts(inserted: logged - batch.runs.report.failures.count, duplicates: 0)
    }

    public func testEvents(
        accountID: String, eventSourceID: String, testEventCode: String?, limit: Int
    ) async throws -> [TestEventRecord] {
        try await read("""
            SELECT event_id, event_type, test_event_code, received_at, outcome, error_code, error_message, error_field, payload
            FROM test_events WHERE account_id = \(accountID) AND event_source_id = \(eventSourceID)
                AND (\(testEventCode)::text IS NULL OR test_event_code = \(testEventCode))
            ORDER BY seq DESC LIMIT \(limit)
            """).map { row in
            let r = Cells(row)
            let code: String? = try r.get(5)
            let message: String? = try r.get(6)
            let field: String? = try r.get(7)
            return TestEventRecord(
                eventID: try r.get(0), eventType: try r.get(1), testEventCode: try r.get(2), receivedAt: try r.get(3),
                outcome: try r.get(4), error: code.map { AdCPError(code: $0, message: message ?? "", field: field) },
                payload: try r.bytes(8))
        }
    }
}

/// A run's accepted events as column arrays, the parameters of one insert.
struct EventColumns {
    var types: [String] = []
    var ids: [String] = []
    var times: [Int64] = []
    var actionSources: [String?] = []
    var values: [Double?] = []
    var currencies: [String?] = []
    var orderIDs: [String?] = []
    var clickIDs: [String?] = []
    var clickIDTypes: [String?] = []
    /// Stored compact (`CompactEventJSON`), as made on the validating cores.
    var payloads: [ByteBuffer] = []

    init(_ run: ValidatedEvents) {
        let n = run.accepted.count
        types.reserveCapacity(n)
        ids.reserveCapacity(n)
        times.reserveCapacity(n)
        actionSources.reserveCapacity(n)
        values.reserveCapacity(n)
        currencies.reserveCapacity(n)
        orderIDs.reserveCapacity(n)
        clickIDs.reserveCapacity(n)
        clickIDTypes.reserveCapacity(n)
        payloads.reserveCapacity(n)
        run.withPayloads { stored in
            for (i, e) in run.accepted.enumerated() {
                types.append(e.eventType.rawValue)
                ids.append(e.eventID)
                times.append(e.eventTime)
                actionSources.append(e.actionSource?.rawValue)
                values.append(e.value)
                currencies.append(e.currency)
                orderIDs.append(e.orderID)
                clickIDs.append(e.text.string(e.identifierSpans.clickID))
                clickIDTypes.append(e.text.string(e.identifierSpans.clickIDType))
                payloads.append(ByteBuffer(bytes: stored[i]))
            }
        }
    }
}

/// A test run's lines as column arrays: accepted events as sent, refused
/// ones redacted (they may be refused for carrying raw PII), with why.
struct TestEventColumns {
    var ids: [String] = []
    var types: [String?] = []
    var outcomes: [String] = []
    var errorCodes: [String?] = []
    var errorMessages: [String?] = []
    var errorFields: [String?] = []
    var payloads: [ByteBuffer] = []

    init(_ run: ValidatedEvents, body: BatchBytes) {
        for e in run.accepted {
            ids.append(e.eventID)
            types.append(e.eventType.rawValue)
            outcomes.append("accepted")
            errorCodes.append(nil)
            errorMessages.append(nil)
            errorFields.append(nil)
            payloads.append(body.withArrived { ByteBuffer(bytes: UnsafeBufferPointer(rebasing: $0[e.raw])) })
        }
        for (failure, event) in zip(run.report.failures, run.report.failedEvents) {
            ids.append(failure.eventID)
            types.append(event.eventType)
            outcomes.append("failed")
            errorCodes.append(failure.error.code)
            errorMessages.append(failure.error.message)
            errorFields.append(failure.error.field)
            payloads.append(body.withArrived { ByteBuffer(bytes: EventRedaction.redacted(UnsafeBufferPointer(rebasing: $0[event.raw]))) })
        }
    }
}
