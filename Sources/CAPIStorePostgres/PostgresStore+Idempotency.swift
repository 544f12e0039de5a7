import CAPICore
import CAPIStore
import PostgresNIO

/// Idempotency keys across nodes: a write claims its key first, by inserting
/// the record with an empty answer. A second request with the same key, on
/// any node, waits on that row until the first commits, then finds the
/// record and replays it (or, if the first rolled back, takes the claim).
extension PostgresStore {
    public func idempotencyRecord(accountID: String, operation: String, key: String) async throws -> IdempotencyRecord? {
        try await withConnection { db in try await Self.idempotencyRecord(db, accountID: accountID, operation: operation, key: key) }
    }

    /// Claims the key for this transaction; returns the record stored under
    /// it instead when it was used before.
    static func claim(_ claim: IdempotencyClaim, accountID: String, _ db: PostgresConnection) async throws -> IdempotencyRecord? {
        let claimed = try await db.rows("""
            INSERT INTO idempotency_records (account_id, operation, idempotency_key, request_hash, status, response, created_at)
            VALUES (\(accountID), \(claim.operation), \(claim.key), \(claim.requestHash), \(claim.status), ''::bytea, \(claim.at))
            ON CONFLICT (account_id, operation, idempotency_key) DO NOTHING RETURNING 1
            """)
        guard claimed.isEmpty else { return nil }
        return try await idempotencyRecord(db, accountID: accountID, operation: claim.operation, key: claim.key)
    }

    /// Stores the answer under a key this transaction claimed.
    static func record(_ claim: IdempotencyClaim, accountID: String, response: [UInt8], _ db: PostgresConnection) async throws {
        try await db.run("""
            UPDATE idempotency_records SET response = \(ByteBuffer(bytes: response)), status = \(claim.status)
            WHERE account_id = \(accountID) AND operation = \(claim.operation) AND idempotency_key = \(claim.key)
            """)
    }

    /// Gives a claimed key back: the write it guarded leaves no record.
    static func release(_ claim: IdempotencyClaim, accountID: String, _ db: PostgresConnection) async throws {
        try await db.run("""
            DELETE FROM idempotency_records
            WHERE account_id = \(accountID) AND operation = \(claim.operation) AND idempotency_key = \(claim.key)
            """)
    }

    static func idempotencyRecord(
        _ db: PostgresConnection, accountID: String, operation: String, key: String
    ) async throws -> IdempotencyRecord? {
        guard let row = try await db.rows("""
            SELECT account_id, operation, idempotency_key, request_hash, status, response, created_at FROM idempotency_records
            WHERE account_id = \(accountID) AND operation = \(operation) AND idempotency_key = \(key)
            """).first else { return nil }
        let c = Cells(row)
        return IdempotencyRecord(
            accountID: try c.get(0), operation: try c.get(1), key: try c.get(2), requestHash: try c.get(3),
            status: try c.get(4), response: try c.bytes(5), createdAt: try c.get(6))
    }
}
