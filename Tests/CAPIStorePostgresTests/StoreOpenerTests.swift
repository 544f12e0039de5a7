@testable import CAPIStorePostgres
import CAPIStore
import CAPIStores
import CAPICore
import PostgresNIO
import Testing

/// `--database postgres://…` opens the PostgreSQL store, migrated, with the
/// server settings the URL's libpq `options` carry.
@Suite struct PostgresStoreOpenerTests {
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func opensAPostgresURLWithItsOptions() async throws {
        try await TestDatabase.withSchemaNamed { schema, admin in
            guard let url = TestDatabase.url else { throw TestDatabase.Missing() }
            let store = try await StoreOpener.open(try StoreLocation(url + "?options=-c%20search_path%3D" + schema))
            do {
                try await store.ping()
                try await store.createAccount(Account(accountID: "acme", name: "Acme", createdAt: 1))
                #expect(try await store.accounts().map(\.accountID) == ["acme"])
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
            let rows = try await admin.read(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).accounts"))
            #expect(try rows.first?.decode(Int.self) == 1, "the tables are in the schema the URL named")
        }
    }

    /// Acknowledged means durable: the store's sessions commit with
    /// `synchronous_commit = on` even when the URL asks for less.
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func sessionsCommitSynchronouslyWhateverTheURLSays() async throws {
        guard let url = TestDatabase.url else { throw TestDatabase.Missing() }
        let store = PostgresStore(configuration: try PostgresConfiguration(url: url + "?options=-c%20synchronous_commit%3Doff"))
        do {
            let setting = try await store.read("SHOW synchronous_commit").first?.decode(String.self)
            #expect(setting == "on")
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// Nodes that start at once on an empty schema take turns migrating:
    /// every one opens, and the schema is migrated once.
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func nodesStartingAtOnceMigrateOnce() async throws {
        try await TestDatabase.withStores { configuration, stores in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await stores.open(configuration) } }
                try await group.waitForAll()
            }
            let store = try await stores.open(configuration)
            let applied = try await store.read("SELECT count(*) FROM capi_migrations").first?.decode(Int.self)
            #expect(applied == PostgresSchema.migrations.count)
        }
    }
}
