import CAPIStore
import CAPICore
import GRDB

extension SQLiteStore {
    public func createAccount(_ account: Account) async throws {
        try await durableWrite { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE account_id = ?", arguments: [account.accountID]) == true {
                throw StoreError.alreadyExists("account '\(account.accountID)'")
            }
            try db.execute(
                sql: "INSERT INTO accounts (account_id, name, created_at) VALUES (?, ?, ?)",
                arguments: [account.accountID, account.name, account.createdAt])
        }
    }

    public func account(id: String) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE account_id = ?", arguments: [id]).map(Self.account)
        }
    }

    public func accounts() async throws -> [Account] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM accounts ORDER BY account_id").map(Self.account)
        }
    }

    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        try await durableWrite { db in
            if let account = key.accountID,
               try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE account_id = ?", arguments: [account]) != true {
                throw StoreError.notFound("account '\(account)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (key_hash, prefix, account_id, role, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [key.keyHash, key.prefix, key.accountID, key.role.rawValue, key.createdAt])
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE key_hash = ?", arguments: [hash]).map(Self.apiKey)
        }
    }

    public func apiKeys(accountID: String?) async throws -> [APIKeyRecord] {
        try await pool.read { db in
            if let accountID {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at, prefix",
                    arguments: [accountID]
                ).map(Self.apiKey)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, prefix").map(Self.apiKey)
        }
    }

    public func revokeAPIKey(prefix: String, at: Int64) async throws -> Bool {
        try await durableWrite { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL",
                arguments: [at, prefix])
            return db.changesCount > 0
        }
    }

    /// Bookkeeping: the request that touched the key does not wait for the disk.
    public func touchAPIKey(hash: String, at: Int64) async throws {
        try await unsyncedWrite { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?", arguments: [at, hash])
        }
    }

    static func account(_ row: Row) -> Account {
        Account(accountID: row["account_id"], name: row["name"], createdAt: row["created_at"])
    }

    static func apiKey(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(
            keyHash: row["key_hash"], prefix: row["prefix"], accountID: row["account_id"],
            role: APIKeyRecord.Role(rawValue: row["role"]) ?? .account,
            createdAt: row["created_at"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
    }
}
