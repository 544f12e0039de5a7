import CAPICore
import CAPIStore
import PostgresNIO

extension PostgresStore {
    public func createAccount(_ account: Account) async throws {
        try await transaction { db in
            let created = try await db.rows("""
                INSERT INTO accounts (account_id, name, created_at) VALUES (\(account.accountID), \(account.name), \(account.createdAt))
                ON CONFLICT (account_id) DO NOTHING RETURNING 1
                """)
            if created.isEmpty { throw StoreError.alreadyExists("account '\(account.accountID)'") }
        }
    }

    public func account(id: String) async throws -> Account? {
        try await read("SELECT account_id, name, created_at FROM accounts WHERE account_id = \(id)").first.map(Self.account(_:))
    }

    public func accounts() async throws -> [Account] {
        try await read(#"SELECT account_id, name, created_at FROM accounts ORDER BY account_id COLLATE "C""#).map(Self.account(_:))
    }

    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        try await transaction { db in
            if let account = key.accountID, !(try await Self.accountExists(account, db)) {
                throw StoreError.notFound("account '\(account)'")
            }
            try await db.run("""
                INSERT INTO api_keys (key_hash, prefix, account_id, role, created_at)
                VALUES (\(key.keyHash), \(key.prefix), \(key.accountID), \(key.role.rawValue), \(key.createdAt))
                """)
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await read("SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys WHERE key_hash = \(hash)").first.map(Self.apiKey(_:))
    }

    public func apiKeys(accountID: String?) async throws -> [APIKeyRecord] {
        let order = #"ORDER BY created_at, prefix COLLATE "C""#
        if let accountID {
            return try await read("SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys WHERE account_id = \(accountID) \(unescaped: order)")
                .map(Self.apiKey(_:))
        }
        return try await read("SELECT \(unescaped: Self.apiKeyColumns) FROM api_keys \(unescaped: order)").map(Self.apiKey(_:))
    }

    public func revokeAPIKey(prefix: String, at: Int64) async throws -> Bool {
        try await transaction { db in
            !(try await db.rows("UPDATE api_keys SET revoked_at = \(at) WHERE prefix = \(prefix) AND revoked_at IS NULL RETURNING 1")
                .isEmpty)
        }
    }

    /// Bookkeeping, one statement in its own transaction.
    public func touchAPIKey(hash: String, at: Int64) async throws {
        _ = try await read("UPDATE api_keys SET last_used_at = \(at) WHERE key_hash = \(hash)")
    }

    static func accountExists(_ accountID: String, _ db: PostgresConnection) async throws -> Bool {
        !(try await db.rows("SELECT 1 FROM accounts WHERE account_id = \(accountID)").isEmpty)
    }

    static let apiKeyColumns = "key_hash, prefix, account_id, role, created_at, last_used_at, revoked_at"

    static func account(_ row: PostgresRow) throws -> Account {
        let c = Cells(row)
        return Account(accountID: try c.get(0), name: try c.get(1), createdAt: try c.get(2))
    }

    static func apiKey(_ row: PostgresRow) throws -> APIKeyRecord {
        let c = Cells(row)
        return APIKeyRecord(
            keyHash: try c.get(0), prefix: try c.get(1), accountID: try c.get(2),
            role: APIKeyRecord.Role(rawValue: try c.get(3)) ?? .account,
            createdAt: try c.get(4), lastUsedAt: try c.get(5), revokedAt: try c.get(6))
    }
}
