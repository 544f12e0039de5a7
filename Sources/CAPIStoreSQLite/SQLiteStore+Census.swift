import CAPICore
import CAPIStore
import Foundation
import GRDB

extension SQLiteStore {
    public func census(accountID: String?) async throws -> StoreCensus {
        try await pool.read { db in
            func count(_ table: String) throws -> Int {
                let filter = accountID == nil ? "" : " WHERE account_id = ?"
                return try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM \(table)\(filter)", arguments: StatementArguments(accountID.map { [$0] } ?? [])) ?? 0
            }
            return StoreCensus(
                events: try count("events"), testEvents: try count("test_events"), exposures: try count("exposures"),
                eventSources: try count("event_sources"), attributions: try count("attributions"),
                idempotencyRecords: try count("idempotency_records"))
        }
    }

    public func storedEvents(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredEventRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, event_source_id, event_type, event_id, event_time, received_at, event_json(payload) AS json
                    FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?
                    """,
                arguments: [accountID, afterSeq, limit]
            ).map { row in
                StoredEventRecord(
                    seq: row["seq"], eventSourceID: row["event_source_id"], eventType: row["event_type"], eventID: row["event_id"],
                    eventTime: row["event_time"], receivedAt: row["received_at"], json: row["json"] ?? "")
            }
        }
    }
}
