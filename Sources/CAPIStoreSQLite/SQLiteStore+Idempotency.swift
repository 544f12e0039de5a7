import CAPIStore
import CAPICore
import Foundation
import GRDB

extension SQLiteStore {
    public func idempotencyRecord(accountID: String, operation: String, key: String) async throws -> IdempotencyRecord? {
        try await pool.read { db in
            try Self.idempotencyRecord(db, accountID: accountID, operation: operation, key: key)
        }
    }

    static func idempotencyRecord(_ db: Database, accountID: String, claim: IdempotencyClaim) throws -> IdempotencyRecord? {
        try idempotencyRecord(db, accountID: accountID, operation: claim.operation, key: claim.key)
    }

    static func idempotencyRecord(
        _ db: Database, accountID: String, operation: String, key: String
    ) throws -> IdempotencyRecord? {
        try Row.fetchOne(
            db,
            sql: "SELECT * FROM idempotency_records WHERE account_id = ? AND operation = ? AND idempotency_key = ?",
            arguments: [accountID, operation, key]
        ).map { row in
            IdempotencyRecord(
                accountID: row["account_id"], operation: row["operation"], key: row["idempotency_key"],
                requestHash: row["request_hash"], status: row["status"],
                response: [UInt8]((row["response"] as Data?) ?? Data()), createdAt: row["created_at"])
        }
    }

    static func recordIdempotency(_ db: Database, accountID: String, claim: IdempotencyClaim, response: [UInt8]) throws {
        try db.execute(
            sql: """
                INSERT INTO idempotency_records (account_id, operation, idempotency_key, request_hash, status, response, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                accountID, claim.operation, claim.key, claim.requestHash, claim.status, Data(response),
                claim.at,
            ])
    }
}
