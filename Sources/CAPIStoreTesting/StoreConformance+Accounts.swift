import CAPICore
import CAPIStore

extension StoreConformance {
    static var accountChecks: [ConformanceCheck] {
        [
            ConformanceCheck("accounts and keys") { store in
                try await store.createAccount(Account(accountID: "acme", name: "Acme", createdAt: 1))
                try requireEqual(try await store.account(id: "acme")?.name, "Acme", "account name")
                try requireEqual(try await store.accounts().map(\.accountID), ["acme"], "accounts")
                let key = APIKeyRecord(keyHash: "h1", prefix: "p1", accountID: "acme", role: .account, createdAt: 2)
                try await store.insertAPIKey(key)
                try requireEqual(try await store.apiKey(hash: "h1")?.accountID, "acme", "key's account")
                try requireEqual(try await store.apiKeys(accountID: "acme").count, 1, "account's keys")
                try require(try await store.revokeAPIKey(prefix: "p1", at: 3), "revoking a known prefix")
                try require(!(try await store.revokeAPIKey(prefix: "nope", at: 3)), "revoking an unknown prefix")
            },
        ]
    }
}
