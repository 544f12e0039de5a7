import ArgumentParser
import CAPICore
import CAPIStore

struct EventSources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-sources",
        abstract: "Configure event sources from the operator's side (e.g. seller-managed ones).",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace an event source on an account.")
        @Option(help: "Account id.") var account: String
        @Option(name: .customLong("event-source-id"), help: "Event source id.") var eventSourceID: String
        @Option(help: "Display name.") var name: String?
        @Option(name: .customLong("event-types"), help: "Comma-separated AdCP event types (default: all).")
        var eventTypes: String?
        @Option(name: .customLong("allowed-domains"), help: "Comma-separated domains.") var allowedDomains: String?
        @Option(name: .customLong("value-currencies"), help: "Comma-separated ISO 4217 codes.") var valueCurrencies: String?
        @Option(name: .customLong("action-source"), help: "AdCP action source.") var actionSource: String?
        @Option(name: .customLong("managed-by"), help: "buyer or seller (seller: never removed by sync).")
        var managedBy: String = "seller"
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            guard let managed = EventSource.ManagedBy(rawValue: managedBy) else {
                throw ValidationError("--managed-by must be buyer or seller")
            }
            var fields: [String: JSONValue] = ["event_source_id": .string(eventSourceID)]
            if let name { fields["name"] = .string(name) }
            func list(_ text: String?) -> JSONValue? {
                text.map { .array($0.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
            }
            fields["event_types"] = list(eventTypes)
            fields["allowed_domains"] = list(allowedDomains)
            fields["value_currencies"] = list(valueCurrencies)
            if let actionSource { fields["action_source"] = .string(actionSource) }
            let store = try await db.openStore()
            guard try await store.account(id: account) != nil else {
                throw ValidationError("account '\(account)' does not exist; create it with `capi accounts create \(account)`")
            }
            let now = nowMilliseconds
            let plan = EventSourceSync.plan(
                accountID: account, existing: [], requested: [.object(fields)], deleteMissing: false, now: now)
            guard let entry = plan.entries.first, var source = entry.source else {
                let reasons = plan.entries.first?.errors.map { "\($0.field ?? ""): \($0.message)" } ?? []
                throw ValidationError(reasons.joined(separator: "; "))
            }
            source.managedBy = managed
            if let existing = try await store.eventSource(accountID: account, id: eventSourceID) {
                source.createdAt = existing.createdAt
            }
            try await store.upsertEventSource(source)
            print("event source \(eventSourceID) on \(account) (managed by \(managed.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's event sources.")
        @Option(help: "Account id.") var account: String
        @OptionGroup var db: DatabaseOption

        func run() async throws {
            let store = try await db.openStore()
            for s in try await store.eventSources(accountID: account) {
                let types = s.config.eventTypes?.map(\.rawValue).joined(separator: ",") ?? "all"
                print("\(s.eventSourceID)\t\(s.managedBy.rawValue)\t\(types)\t\(s.config.name ?? "")")
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")
    @OptionGroup var db: DatabaseOption

    func run() async throws {
        _ = try await db.openStore()
        print("database \(try db.location()) is up to date")
    }
}
