import CAPICore

/// Accounts and their API keys (stored hashed).
public protocol AccountStore: Sendable {
    func createAccount(_ account: Account) async throws
    func account(id: String) async throws -> Account?
    func accounts() async throws -> [Account]
    func insertAPIKey(_ key: APIKeyRecord) async throws
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// An account's keys, or every key when `accountID` is nil.
    func apiKeys(accountID: String?) async throws -> [APIKeyRecord]
    /// Revokes the key with this prefix; returns false when there is none.
    func revokeAPIKey(prefix: String, at: Int64) async throws -> Bool
    func touchAPIKey(hash: String, at: Int64) async throws
}
