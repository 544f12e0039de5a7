import CAPICore
import Foundation
import GRDB

extension SQLiteStore {
    public func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?,
        respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts> {
        try await pool.write { db in
            if let idempotency, let record = try Self.idempotencyRecord(db, accountID: batch.accountID, claim: idempotency) {
                return .replay(record)
            }
            let counts = batch.testEventCode == nil
                ? try Self.insertEvents(batch, db)
                : try Self.insertTestEvents(batch, db)
            let response = respond(counts)
            if let idempotency {
                try Self.recordIdempotency(db, accountID: batch.accountID, claim: idempotency, response: response)
            }
            return .written(counts, response: response)
        }
    }

    static func insertEvents(_ batch: IngestBatch, _ db: Database) throws -> IngestCounts {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO events (account_id, event_source_id, event_type, event_id, event_time, received_at,
                action_source, value, currency, order_id, click_id, click_id_type, identity_keys, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
        var inserted = 0
        for e in batch.events {
            let ids = e.identifiers
            let keys = IdentityKey.keys(for: ids)
            statement.setUncheckedArguments([
                batch.accountID, batch.eventSourceID, e.eventType.rawValue, e.eventID, e.eventTime, batch.receivedAt,
                e.actionSource?.rawValue, e.value, e.currency, e.orderID, ids.clickID, ids.clickIDType,
                keys.isEmpty ? nil : keys.map(\.storageKey).joined(separator: IdentityKey.listSeparator),
                Data(batch.body[e.raw]),
            ])
            try statement.execute()
            inserted += db.changesCount
        }
        return IngestCounts(inserted: inserted, duplicates: batch.events.count - inserted)
    }

    static func insertTestEvents(_ batch: IngestBatch, _ db: Database) throws -> IngestCounts {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO test_events (account_id, event_source_id, test_event_code, event_id, event_type,
                received_at, outcome, error_code, error_message, error_field, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let code = batch.testEventCode ?? ""
        for e in batch.events {
            try statement.execute(arguments: [
                batch.accountID, batch.eventSourceID, code, e.eventID, e.eventType.rawValue, batch.receivedAt,
                "accepted", nil, nil, nil, Data(batch.body[e.raw]),
            ])
        }
        for (failure, raw, eventType) in batch.testFailures {
            try statement.execute(arguments: [
                batch.accountID, batch.eventSourceID, code, failure.eventID, eventType, batch.receivedAt,
                "failed", failure.error.code, failure.error.message, failure.error.field, Data(batch.body[raw]),
            ])
        }
        return IngestCounts(inserted: batch.events.count, duplicates: 0)
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
