import CAPIStore
import CAPICore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    public func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?,
        respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts> {
        try await durableWrite { db in
            if let idempotency, let record = try Self.idempotencyRecord(db, accountID: batch.accountID, claim: idempotency) {
                return .replay(record)
            }
            let counts = batch.testEventCode == nil
                ? try Self.insertEvents(batch, db, recent: recentPlaces)
                : try Self.insertTestEvents(batch, db)
            let response = respond(counts)
            if let idempotency, counts.inserted + counts.duplicates > 0 {
                try Self.recordIdempotency(db, accountID: batch.accountID, claim: idempotency, response: response)
            }
            return .written(counts, response: response)
        }
    }

    /// The hot path. Each run's events first claim their places in the
    /// dedup index (`EventClaims`), each with the seq it will be stored
    /// under; the ones whose place was free are new and go in
    /// `rowsPerInsert` to a statement, bound through SQLite's C API so no
    /// per-event argument arrays or payload copies are made. A claim refused
    /// by a taken place is settled after the run's inserts, key against
    /// stored key: a duplicate, or (rarely) a new event whose place another
    /// key holds. Runs are written as they arrive, while later ones are
    /// still being validated.
    static func insertEvents(_ batch: IngestBatch, _ db: Database, recent: RecentEventPlaces) throws -> IngestCounts {
        let many = try db.cachedStatement(sql: insertEventsSQL).sqliteStatement
        let one = try db.cachedStatement(sql: insertEventSQL).sqliteStatement
        let connection = db.sqliteConnection
        guard let hashKey = try EventIDIndex.hashKey(db) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the dedup index has no key: the store was not migrated")
        }
        var claims = try EventClaims(
            db, places: EventPlaces(key: hashKey), recent: recent, accountID: batch.accountID, eventSourceID: batch.eventSourceID)
        var accepted = 0
        var inserted = 0
        defer {
            for stmt in [many, one] {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)  // the bound pointers die with their run
            }
        }
        // Bindings outlive a reset: what every row shares is bound once.
        for stmt in [many, one] {
            SQLiteBind.text(stmt, 1, batch.accountID)
            SQLiteBind.text(stmt, 2, batch.eventSourceID)
            sqlite3_bind_int64(stmt, 3, batch.receivedAt)
        }
        try batch.runs.takeEachBlocking { validated in
            accepted += validated.accepted.count
            try validated.withPayloads { payloads in
                try validated.accepted.withUnsafeBufferPointer { events in
                    func store(_ rows: ArraySlice<EventClaims.Row>) throws {
                        var start = rows.startIndex
                        while start < rows.endIndex {
                            let count = rows.endIndex - start >= rowsPerInsert ? rowsPerInsert : 1
                            let stmt = count == 1 ? one : many
                            try bindRows(stmt, events, rows[start..<start + count], row: 0, payloads: payloads) {
                                try SQLiteRow.execute(stmt, db)
                                sqlite3_reset(stmt)
                            }
                            // The seqs SQLite gave are the ones claimed in the index.
                            guard sqlite3_last_insert_rowid(connection) == rows[start + count - 1].seq else {
                                throw DatabaseError(
                                    resultCode: .SQLITE_INTERNAL, message: "events were stored under other seqs than the dedup index holds")
                            }
                            start += count
                        }
                        inserted += rows.count
                    }
                    let (fresh, contested) = try claims.claim(events, db)
                    try store(fresh[...])
                    for row in contested {
                        let e = events[row.index]
                        let key = EventDedupKey(
                            accountID: batch.accountID, eventSourceID: batch.eventSourceID,
                            eventType: e.eventType.rawValue, eventID: e.text.string(e.eventIDSpan))
                        guard try EventIDIndex.storedSeq(db, place: row.place, key: key, recent: recent) == nil else { continue }
                        var row = row
                        row.seq = claims.takeSeq()
                        try store([row][...])
                        recent.state.withLock { $0.add(place: row.place, seq: row.seq) }
                    }
                }
            }
        }
        var counters = batch.runs.report.counters
        counters.accepted = accepted
        counters.duplicates = accepted - inserted
        counters.lastEventAt = batch.receivedAt
        try addCounters(db, accountID: batch.accountID, eventSourceID: batch.eventSourceID, at: batch.receivedAt, counters)
        return IngestCounts(inserted: inserted, duplicates: accepted - inserted)
    }

    /// Events (and claims) per statement. A statement of many rows keeps its
    /// cursors on the table and its indexes open from one row to the
    /// next, where a one-row statement opens them, seeks the table's end and
    /// closes them again for every event (docs/benchmarks.md has the
    /// figures).
    /// A run's tail shorter than this goes one row at a time.
    static let rowsPerInsert = 50
    /// Parameters of each row after the three that every row shares.
    static let parametersPerEvent: Int32 = 10
    static let insertEventsSQL = insertSQL(rows: rowsPerInsert)
    static let insertEventSQL = insertSQL(rows: 1)

    /// `INSERT … VALUES (…), (…), …` for `rows` events. Account, source and
    /// arrival time are ?1–?3 in every row; each row's own values follow,
    /// `parametersPerEvent` of them (`bindRows`). The seq is SQLite's next.
    static func insertSQL(rows: Int) -> String {
        let values = (0..<Int32(rows)).map { row in
            let p = 4 + row * parametersPerEvent
            return "(?1, ?2, ?\(p), ?\(p + 1), ?\(p + 2), ?3, ?\(p + 3), ?\(p + 4), ?\(p + 5), ?\(p + 6), ?\(p + 7), ?\(p + 8), ?\(p + 9))"
        }
        return """
            INSERT INTO events (account_id, event_source_id, event_type, event_id, event_time, received_at,
                action_source, value, currency, order_id, click_id, click_id_type, payload)
            VALUES \(values.joined(separator: ", "))
            """
    }

    /// Binds `rows` (events of `events` by index) to the rows of `stmt` from
    /// `row` on, then runs `step`. An event's strings are bound in place from
    /// its text, whose bytes stay put only inside `withUnsafeBufferPointer`:
    /// so each row's binding nests inside the one before, and the step runs
    /// inside them all.
    static func bindRows(
        _ stmt: OpaquePointer?, _ events: UnsafeBufferPointer<ConversionEvent>, _ rows: ArraySlice<EventClaims.Row>,
        row: Int32, payloads: StoredPayloads, then step: () throws -> Void
    ) throws {
        guard let first = rows.first else { return try step() }
        let e = events[first.index]
        let p = 4 + row * parametersPerEvent
        SQLiteBind.text(stmt, p, e.eventType.rawValue)
        sqlite3_bind_int64(stmt, p + 2, e.eventTime)
        SQLiteBind.text(stmt, p + 3, e.actionSource?.rawValue)
        SQLiteBind.double(stmt, p + 4, e.value)
        let payload = payloads[first.index]
        sqlite3_bind_blob(stmt, p + 9, payload.baseAddress, Int32(payload.count), nil)
        try e.text.bytes.withUnsafeBufferPointer { text in
            SQLiteBind.text(stmt, p + 1, text, e.eventIDSpan)
            SQLiteBind.text(stmt, p + 5, text, e.currencySpan)
            SQLiteBind.text(stmt, p + 6, text, e.orderIDSpan)
            SQLiteBind.text(stmt, p + 7, text, e.identifierSpans.clickID)
            SQLiteBind.text(stmt, p + 8, text, e.identifierSpans.clickIDType)
            try bindRows(stmt, events, rows.dropFirst(), row: row + 1, payloads: payloads, then: step)
        }
    }

    public func counters(accountID: String, since: Int64) async throws -> [String: SourceCounters] {
        try await pool.read { db in
            var out: [String: SourceCounters] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT event_source_id, SUM(received) AS received, SUM(accepted) AS accepted, SUM(failed) AS failed,
                    SUM(duplicates) AS duplicates, SUM(test_events) AS test_events, SUM(unmatchable) AS unmatchable,
                    SUM(foreign_clicks) AS foreign_clicks, SUM(valued_without_currency) AS valued_without_currency,
                    SUM(attributed) AS attributed, MAX(last_event_at) AS last_event_at
                FROM source_counters WHERE account_id = ? AND hour >= ? GROUP BY event_source_id
                """, arguments: [accountID, since / 3_600_000]) {
                var c = SourceCounters()
                c.received = row["received"]
                c.accepted = row["accepted"]
                c.failed = row["failed"]
                c.duplicates = row["duplicates"]
                c.testEvents = row["test_events"]
                c.unmatchable = row["unmatchable"]
                c.foreignClicks = row["foreign_clicks"]
                c.valuedWithoutCurrency = row["valued_without_currency"]
                c.attributed = row["attributed"]
                c.lastEventAt = row["last_event_at"]
                out[row["event_source_id"]] = c
            }
            return out
        }
    }

    /// One upsert per batch into the hour's counters.
    static func addCounters(_ db: Database, accountID: String, eventSourceID: String, at: Int64, _ c: SourceCounters) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO source_counters (account_id, event_source_id, hour, received, accepted, failed, duplicates,
                test_events, unmatchable, foreign_clicks, valued_without_currency, attributed, last_event_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id, event_source_id, hour) DO UPDATE SET
                received = received + excluded.received, accepted = accepted + excluded.accepted,
                failed = failed + excluded.failed, duplicates = duplicates + excluded.duplicates,
                test_events = test_events + excluded.test_events, unmatchable = unmatchable + excluded.unmatchable,
                foreign_clicks = foreign_clicks + excluded.foreign_clicks,
                valued_without_currency = valued_without_currency + excluded.valued_without_currency,
                attributed = attributed + excluded.attributed,
                last_event_at = CASE WHEN excluded.last_event_at IS NULL THEN last_event_at
                    ELSE MAX(IFNULL(last_event_at, 0), excluded.last_event_at) END
            """)
        statement.setUncheckedArguments([
            accountID, eventSourceID, at / 3_600_000, c.received, c.accepted, c.failed, c.duplicates, c.testEvents,
            c.unmatchable, c.foreignClicks, c.valuedWithoutCurrency, c.attributed, c.lastEventAt,
        ])
        try statement.execute()
    }

    /// A test batch goes to the test log whole: accepted events and refused
    /// ones, with why. It is never deduplicated nor attributed.
    static func insertTestEvents(_ batch: IngestBatch, _ db: Database) throws -> IngestCounts {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO test_events (account_id, event_source_id, test_event_code, event_id, event_type,
                received_at, outcome, error_code, error_message, error_field, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let code = batch.testEventCode ?? ""
        var logged = 0
        func payload(_ raw: Range<Int>) -> Data { batch.body.withArrived { Data(UnsafeBufferPointer(rebasing: $0[raw])) } }
        // A refused event may be refused for carrying raw PII: kept redacted.
        func redacted(_ raw: Range<Int>) -> Data {
            batch.body.withArrived { Data(EventRedaction.redacted(UnsafeBufferPointer(rebasing: $0[raw]))) }
        }
        try batch.runs.takeEachBlocking { validated in
            for e in validated.accepted {
                try statement.execute(arguments: [
                    batch.accountID, batch.eventSourceID, code, e.eventID, e.eventType.rawValue, batch.receivedAt,
                    "accepted", nil, nil, nil, payload(e.raw),
                ])
            }
            let report = validated.report
            for (failure, event) in zip(report.failures, report.failedEvents) {
                try statement.execute(arguments: [
                    batch.accountID, batch.eventSourceID, code, failure.eventID, event.eventType, batch.receivedAt,
                    "failed", failure.error.code, failure.error.message, failure.error.field, redacted(event.raw),
                ])
            }
            logged += validated.accepted.count + report.failures.count
        }
        var counters = SourceCounters()
        counters.testEvents = logged
        try addCounters(db, accountID: batch.accountID, eventSourceID: batch.eventSourceID, at: batch.receivedAt, counters)
        return IngestCounts(inserted: logged - batch.runs.report.failures.count, duplicates: 0)
    }

    public func testEvents(
        accountID: String, eventSourceID: String, testEventCode: String?, limit: Int
    ) async throws -> [TestEventRecord] {
        try await pool.read { db in
            var sql = "SELECT * FROM test_events WHERE account_id = ? AND event_source_id = ?"
            var arguments: StatementArguments = [accountID, eventSourceID]
            if let testEventCode {
                sql += " AND test_event_code = ?"
                _ = arguments.append(contentsOf: [testEventCode])
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let code: String? = row["error_code"]
                return TestEventRecord(
                    eventID: row["event_id"], eventType: row["event_type"], testEventCode: row["test_event_code"],
                    receivedAt: row["received_at"], outcome: row["outcome"],
                    error: code.map { AdCPError(code: $0, message: row["error_message"] ?? "", field: row["error_field"]) },
                    payload: [UInt8]((row["payload"] as Data?) ?? Data()))
            }
        }
    }
}
