import CAPICore
import CAPIStore
import PostgresNIO

extension PostgresStore {
    public func census(accountID: String?) async throws -> StoreCensus {
        try await snapshot { db in
            func count(_ table: String) async throws -> Int {
                var binds = PostgresBindings()
                if let accountID { binds.append(accountID) }
                let filter = accountID == nil ? "" : " WHERE account_id = $1"
                return try await db.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)\(filter)", binds: binds), as: Int.self) ?? 0
            }
            return StoreCensus(
                events: try await count("events"), testEvents: try await count("test_events"), exposures: try await count("exposures"),
                eventSources: try await count("event_sources"), attributions: try await count("attributions"),
                idempotencyRecords: try await count("idempotency_records"))
        }
    }

    public func storedEvents(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredEventRecord] {
        try await read("""
            SELECT seq, event_source_id, event_type, event_id, event_time, received_at, payload
            FROM events WHERE account_id = \(accountID) AND seq > \(afterSeq) ORDER BY seq LIMIT \(limit)
            """).map { row in
            let r = Cells(row)
            let json = try r.bytes(6).withUnsafeBufferPointer { String(decoding: CompactEventJSON.expand($0), as: UTF8.self) }
            return StoredEventRecord(
                seq: try r.get(0), eventSourceID: try r.get(1), eventType: try r.get(2), eventID: try r.get(3),
                eventTime: try r.get(4), receivedAt: try r.get(5), json: json)
        }
    }

    /// The attributor's backlog from the cursors of each account with work:
    /// rows past each cursor, counted up to `backlogCountLimit` an account,
    /// beyond which the seq distance stands in (seqs have gaps where a
    /// conflict or a rollback took one). Every statement stays in one account.
    public func status() async throws -> StoreStatus {
        let accounts = try await accountsWithWork()
        return try await snapshot { db in
            var status = StoreStatus(pendingConversions: 0, oldestPendingReceivedAt: nil, pendingExposures: 0, walBytes: nil)
            for account in accounts {
                let cursors = try await PostgresAttributionReads(db: db, account: account).cursors()
                status.pendingConversions += try await Self.backlog("events", account: account, after: cursors.conversions, db)
                if let oldest = try await db.value("""
                    SELECT received_at FROM events WHERE account_id = \(account) AND seq > \(cursors.conversions) ORDER BY seq LIMIT 1
                    """, as: Int64.self) {
                    status.oldestPendingReceivedAt = min(status.oldestPendingReceivedAt ?? .max, oldest)
                }
                // Before the account's first conversion is examined, its next pass takes every exposure at once.
                if cursors.conversions != 0 {
                    status.pendingExposures += try await Self.backlog("exposures", account: account, after: cursors.exposures, db)
                }
            }
            return status
        }
    }

    /// Rows counted exactly up to this many an account, for a status read on every scrape.
    static let backlogCountLimit = 100_000

    private static func backlog(_ table: String, account: String, after seq: Int64, _ db: PostgresConnection) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(account)
        binds.append(seq)
        binds.append(backlogCountLimit)
        let counted = try await db.value(PostgresQuery(
            unsafeSQL: "SELECT count(*) FROM (SELECT 1 FROM \(table) WHERE account_id = $1 AND seq > $2 LIMIT $3) AS pending",
            binds: binds), as: Int.self) ?? 0
        guard counted >= backlogCountLimit else { return counted }
        var newestBinds = PostgresBindings()
        newestBinds.append(account)
        let newest = try await db.value(
            PostgresQuery(unsafeSQL: "SELECT max(seq) FROM \(table) WHERE account_id = $1", binds: newestBinds), as: Int64?.self) ?? nil
        return max(counted, Int((newest ?? seq) - seq))
    }
}
