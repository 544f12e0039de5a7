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
}
