import ArgumentParser
import CAPICore
import CAPIStore

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and list advertiser accounts.",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @Argument(help: "Account id (letters, digits, _ . : -).") var id: String
        @Option(help: "Display name.") var name: String?
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            guard IdentifierRule.path.allows(id) else { throw ValidationError("account id must be \(IdentifierRule.path.requirement)") }
            let store = try await db.openStore()
            do {
                try await store.createAccount(Account(accountID: id, name: name, createdAt: nowMilliseconds))
            } catch let error as StoreError {
                throw ValidationError(error.description)
            }
            print("created account \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            let store = try await db.openStore()
            for account in try await store.accounts() {
                print("\(account.accountID)\t\(account.name ?? "")\t\(formatTime(account.createdAt))")
            }
        }
    }
}
