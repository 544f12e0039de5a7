import ArgumentParser
import CAPICore
import CAPIServer
import CAPIStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys. Only a key's SHA-256 is stored.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; it is printed once, as the last line of output.")
        @Option(help: "Account the key acts for (for a platform key: the one account it is limited to).")
        var account: String?
        @Flag(help: "A platform key (the ad server's: media buys, exposures for any account) instead of an account key.")
        var platform = false
        @OptionGroup var db: DatabaseOption

        func validate() throws {
            if !platform && account == nil { throw ValidationError("an account key needs --account ID (or pass --platform)") }
        }

        func run() async throws {
            let store = try await db.openStore()
            let key = try await mintKey(store: store, account: account, role: platform ? .platform : .account)
            let scope = account.map { "for account \($0)" } ?? "for every account"
            print("created \(platform ? "platform" : "account") key \(key.prefix)… \(scope); it is shown only now:")
            print(key.key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (prefix, role, account, created, last used).")
        @Option(help: "Only this account's keys.") var account: String?
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            let store = try await db.openStore()
            print("prefix\trole\taccount\tcreated\tlast_used\tstatus")
            for key in try await store.apiKeys(accountID: account) {
                let status = key.revokedAt == nil ? "active" : "revoked \(formatTime(key.revokedAt))"
                print("\(key.prefix)\t\(key.role.rawValue)\t\(key.accountID ?? "*")\t\(formatTime(key.createdAt))\t\(formatTime(key.lastUsedAt))\t\(status)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke the key with this prefix.")
        @Argument(help: "The key's prefix, as `keys list` shows it.") var prefix: String
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            let store = try await db.openStore()
            guard try await store.revokeAPIKey(prefix: prefix, at: nowMilliseconds) else {
                throw ValidationError("no active key has the prefix \(prefix)")
            }
            print("revoked \(prefix)")
        }
    }
}

/// Mints a key for an account and stores its hash.
func mintKey(store: any ConversionStore, account: String?, role: APIKeyRecord.Role) async throws -> APIKey.Minted {
    let minted = APIKey.mint()
    do {
        try await store.insertAPIKey(APIKeyRecord(
            keyHash: minted.hash, prefix: minted.prefix, accountID: account, role: role, createdAt: nowMilliseconds))
    } catch let error as StoreError {
        throw ValidationError("\(error.description); create it with `capi accounts create \(account ?? "ID")`")
    }
    return minted
}
