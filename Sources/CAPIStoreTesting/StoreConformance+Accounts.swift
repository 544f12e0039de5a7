import CAPICore
import CAPIStore

extension StoreConformance {
    static var accountChecks: [ConformanceCheck] {
        [
            ConformanceCheck("accounts and keys") { harness in
                let store = harness.store
                try await store.createAccount(Account(accountID: "acme", name: "Acme", createdAt: 1))
                try requireEqual(try await store.account(id: "acme")?.name, "Acme", "account name")
                try requireEqual(try await store.accounts().map(\.accountID), ["acme"], "accounts")
                let key = APIKeyRecord(keyHash: "h1", prefix: "p1", accountID: "acme", role: .account, createdAt: 2)
                try await store.insertAPIKey(key)
                try requireEqual(try await store.apiKey(hash: "h1")?.accountID, "acme", "key's account")
                try requireEqual(try await store.apiKeys(accountID: "acme").count, 1, "account's keys")
                try require(try await store.revokeAPIKey(prefix: "p1", at: 3), "revoking a known prefix")
                try require(!(try await store.revokeAPIKey(prefix: "nope", at: 3)), "revoking an unknown prefix")
                try requireEqual(try await store.apiKey(hash: "h1")?.revokedAt, 3, "a revoked key keeps when")
                try await store.touchAPIKey(hash: "h1", at: 9)
                try requireEqual(try await store.apiKey(hash: "h1")?.lastUsedAt, 9, "last use")
                try await store.insertAPIKey(APIKeyRecord(keyHash: "h2", prefix: "p2", accountID: nil, role: .platform, createdAt: 4))
                try requireEqual(try await store.apiKeys(accountID: nil).count, 2, "every key")
                try requireEqual(try await store.apiKeys(accountID: "acme").count, 1, "the account's keys only")
            },
        ]
    }
}
